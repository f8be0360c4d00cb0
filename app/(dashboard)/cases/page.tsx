import Link from 'next/link';
import { requireActor } from '@/lib/auth/current';
import { maskId } from '@/lib/auth/mask';
import { listCases } from '@/lib/cases/queries';
import { STAGE_LABEL, STAGES, type Stage } from '@/lib/cases/stages';
import { getDb } from '@/lib/db/client';
import { loadClampedPage } from '@/lib/dashboard/paging';
import { count, money } from '@/lib/format';

export const dynamic = 'force-dynamic';

const SUBJECT_ZH: Record<string, string> = { institution: '机构', doctor: '医师', insured: '参保人' };

export default async function CasesPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const actor = await requireActor();
  const sp = await searchParams;
  const one = (k: string) => (typeof sp[k] === 'string' ? (sp[k] as string) : undefined);
  const page = Math.max(1, Number(one('page') ?? '1') || 1);
  const stage = one('stage');
  const overdueOnly = one('overdue') === '1';
  const todo = one('todo') === '1';
  const db = await getDb();
  const r = await loadClampedPage(page, 20, (p) => listCases(db, actor, { page: p, pageSize: 20, stage, overdueOnly, todo }));
  const pages = Math.max(1, Math.ceil(r.total / r.pageSize));
  const qs = (p: number) => `/cases?${new URLSearchParams({ ...(stage ? { stage } : {}), ...(overdueOnly ? { overdue: '1' } : {}), ...(todo ? { todo: '1' } : {}), page: String(p) }).toString()}`;
  return (
    <>
      <h1>案件</h1>
      <form className="toolbar" method="get">
        <select name="stage" defaultValue={stage ?? ''} aria-label="阶段">
          <option value="">全部阶段</option>
          {STAGES.map((s) => (
            <option key={s} value={s}>{STAGE_LABEL[s]}</option>
          ))}
        </select>
        <label><input type="checkbox" name="todo" value="1" defaultChecked={todo} /> 待我办理</label>
        <label><input type="checkbox" name="overdue" value="1" defaultChecked={overdueOnly} /> 仅看逾期</label>
        <button type="submit" className="secondary">筛选</button>
        <span className="muted">共 {count(r.total)} 件 · 第 {r.page}/{pages} 页 · 从预警页选择预警立案</span>
      </form>
      <div className="panel">
        {r.rows.length === 0 ? (
          <div className="empty">暂无案件</div>
        ) : (
          <table className="data" data-testid="cases-table">
            <thead>
              <tr>
                <th>案号</th><th>对象</th><th>案由</th><th>阶段</th><th>下一步</th><th className="num">违规金额</th><th className="num">处理总额</th><th className="num">已执行</th><th>期限</th><th></th>
              </tr>
            </thead>
            <tbody>
              {r.rows.map((c) => (
                <tr key={c.id}>
                  <td><Link href={`/cases/${c.id}`}>{c.caseNo}</Link></td>
                  <td>{SUBJECT_ZH[c.subjectType] ?? c.subjectType} {c.subjectType === 'insured' ? maskId(c.subjectId) : (c.subjectName ?? c.subjectId)}</td>
                  <td style={{ whiteSpace: 'normal', maxWidth: 360 }}>{c.title}</td>
                  <td><span className="badge">{STAGE_LABEL[c.stage as Stage] ?? c.stage}</span></td>
                  <td style={{ whiteSpace: 'normal', maxWidth: 280 }} data-testid="case-next">{c.next.text.replace(/^下一步：/, '')}</td>
                  <td className="num">{money(c.violationAmount)}</td>
                  <td className="num">{money(c.penaltyTotal)}</td>
                  <td className="num">{money(c.recoveredAmount)}</td>
                  <td>{c.stageDeadline ?? '—'}</td>
                  <td>{c.overdue ? <span className="badge high" data-testid="overdue">逾期</span> : null}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      <div className="toolbar">
        {r.page > 1 ? <Link className="button secondary" href={qs(r.page - 1)}>上一页</Link> : null}
        {r.page < pages ? <Link className="button secondary" href={qs(r.page + 1)}>下一页</Link> : null}
      </div>
    </>
  );
}
