import Link from 'next/link';
import { Chart } from '@/components/chart';
import { FilterBar } from '@/components/filter-bar';
import { Kpi } from '@/components/kpi';
import { requireActor } from '@/lib/auth/current';
import { allowed } from '@/lib/cases/allowed';
import { param, type SearchParams } from '@/lib/dashboard/scope';
import { getDb } from '@/lib/db/client';
import { count } from '@/lib/format';
import { withScope } from '@/lib/realtime/db';
import { listKeys } from '@/lib/realtime/keys';
import { dispositionsByRule } from '@/lib/realtime/quality';
import { ruleMeta } from '@/lib/realtime/rules';
import { INST_DAY_SORTS, perDay, perInstitutionDay, slowestCalls, totals, type InstDaySort } from '@/lib/realtime/stats';
import { CreateKeyForm, RevokeKeyButton } from './key-forms';

export const dynamic = 'force-dynamic';

const PAGE_SIZE = 20;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const ENDPOINT_LABEL: Record<string, string> = { '3101': '3101 事前', '3102': '3102 事中', '3103': '3103 反馈' };
const SORT_LABEL: Record<InstDaySort, string> = { day: '日期', calls: '调用次数', warnings: '预警条数', refused: '拒绝次数', max_ms: '最长耗时' };
const STATUS_LABEL: Record<number, string> = { 200: '成功', 400: '请求有误', 401: '密钥无效', 403: '越权', 500: '系统错误' };

function shanghaiToday(): string {
  return new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
}
const minusDays = (d: string, n: number) => new Date(Date.parse(`${d}T00:00:00Z`) - n * 86_400_000).toISOString().slice(0, 10);

/** 事前事中审核: the real-time check as the bureau sees it — who calls, what it warns of, how doctors answer, how fast. */
export default async function RealtimePage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const actor = await requireActor();
  const sp = await searchParams;
  const today = shanghaiToday();
  const toP = param(sp, 'to');
  const fromP = param(sp, 'from');
  const to = toP && DATE.test(toP) ? toP : today;
  const from = fromP && DATE.test(fromP) && fromP <= to ? fromP : minusDays(to, 29);
  const sortP = param(sp, 'sort');
  const sort: InstDaySort = INST_DAY_SORTS.includes(sortP as InstDaySort) ? (sortP as InstDaySort) : 'day';
  const page = Math.max(1, Number(param(sp, 'page') ?? 1) || 1);
  const institution = param(sp, 'q')?.trim().slice(0, 50) || undefined;
  const admin = allowed(actor, 'user.manage');
  const db = await getDb();
  const data = await withScope(db, actor, async (c) => {
    const range = { from, to };
    return {
      t: await totals(c, range),
      days: await perDay(c, range),
      grid: await perInstitutionDay(c, { ...range, page, pageSize: PAGE_SIZE, sort, institution }),
      rules: await dispositionsByRule(c, actor.regions, range),
      slow: await slowestCalls(c, range),
      keys: admin ? await listKeys(c) : [],
    };
  });
  const { t, days, grid, rules, slow, keys } = data;
  const pages = Math.max(1, Math.ceil(grid.total / PAGE_SIZE));
  const link = (over: Record<string, string | number | undefined>) => {
    const q = new URLSearchParams();
    const all = { from, to, sort, q: institution, page, ...over };
    for (const [k, v] of Object.entries(all)) if (v !== undefined && v !== '') q.set(k, String(v));
    return `/realtime?${q.toString()}`;
  };
  const answered = rules.reduce((a, r) => a + r.answered, 0);
  const continued = rules.reduce((a, r) => a + r.continued, 0);
  const modified = rules.reduce((a, r) => a + r.modified, 0);
  return (
    <>
      <div className="page-head">
        <h1>事前事中审核</h1>
        <span className="sub">
          定点医药机构在开方、结算时调用本系统规则（国家接口 3101 事前、3102 事中、3103 医生反馈） · {from} 至 {to}
        </span>
      </div>
      <FilterBar
        fields={[
          { name: 'from', label: '开始日期', type: 'text', placeholder: 'YYYY-MM-DD' },
          { name: 'to', label: '结束日期', type: 'text', placeholder: 'YYYY-MM-DD' },
          { name: 'sort', label: '机构日排序', type: 'select', options: INST_DAY_SORTS.map((s) => ({ value: s, label: SORT_LABEL[s] })) },
          { name: 'q', label: '机构编码', type: 'text', placeholder: '机构编码' },
        ]}
        values={{ from, to, sort, q: institution }}
      />
      <div className="grid grid-4">
        <Kpi label="调用次数" value={count(t.calls)} testId="rt-calls" hint="持有效密钥的调用，含被拒绝的请求" />
        <Kpi label="预警条数" value={count(t.warnings)} testId="rt-warnings" />
        <Kpi label="医生反馈（继续执行 / 已修改）" value={`${count(continued)} / ${count(modified)}`} hint={`已反馈 ${answered} 条`} />
        <Kpi label="耗时 p50 / p99" value={t.p50_ms === null ? '—' : `${t.p50_ms} / ${t.p99_ms} 毫秒`} hint={`拒绝 ${t.refused} 次；调用机构 ${t.institutions} 家`} />
      </div>
      <div className="panel">
        <h2>每日调用与预警</h2>
        {days.length ? (
          <Chart
            label="每日调用与预警"
            spec={{
              kind: 'bar',
              unit: 'count',
              x: days.map((d) => d.day.slice(5)),
              series: [
                { name: '调用', data: days.map((d) => d.calls - d.refused) },
                { name: '被拒绝', data: days.map((d) => d.refused), color: '#c2312b' },
                { name: '预警', data: days.map((d) => d.warnings), color: '#b7791f' },
              ],
            }}
          />
        ) : (
          <p className="muted">所选期间没有调用</p>
        )}
      </div>
      <div className="grid grid-2">
        <div className="panel">
          <h2>按规则：预警与医生反馈</h2>
          <table className="data" data-testid="rt-rules">
            <thead>
              <tr>
                <th>规则</th>
                <th className="num">预警</th>
                <th className="num">已反馈</th>
                <th className="num">继续执行</th>
                <th className="num">已修改</th>
                <th>继续执行理由（前 3）</th>
              </tr>
            </thead>
            <tbody>
              {rules.length ? (
                rules.map((r) => (
                  <tr key={r.rule_id}>
                    <td>
                      {ruleMeta(r.rule_id).nameZh} <span className="muted">{r.rule_id}</span>
                    </td>
                    <td className="num">{count(r.warnings)}</td>
                    <td className="num">{count(r.answered)}</td>
                    <td className="num">{count(r.continued)}</td>
                    <td className="num">{count(r.modified)}</td>
                    <td>{r.reasons.slice(0, 3).map((x) => `${x.reason}（${x.n}）`).join('；') || '—'}</td>
                  </tr>
                ))
              ) : (
                <tr>
                  <td colSpan={6} className="muted">
                    所选期间没有预警
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
        <div className="panel">
          <h2>最慢的调用</h2>
          <div className="table-scroll">
            <table className="data" data-testid="rt-slow">
              <thead>
                <tr>
                  <th>时间</th>
                  <th>机构</th>
                  <th>接口</th>
                  <th>结果</th>
                  <th className="num">耗时（毫秒）</th>
                  <th className="num">预警</th>
                </tr>
              </thead>
              <tbody>
                {slow.length ? (
                  slow.map((s, i) => (
                    <tr key={i}>
                      <td>{s.at}</td>
                      <td>
                        {s.fixmedins_name ?? s.fixmedins_code} <span className="muted">{s.fixmedins_code}</span>
                      </td>
                      <td>{ENDPOINT_LABEL[s.endpoint] ?? s.endpoint}</td>
                      <td>{STATUS_LABEL[s.status] ?? String(s.status)}</td>
                      <td className="num">{s.ms}</td>
                      <td className="num">{s.results}</td>
                    </tr>
                  ))
                ) : (
                  <tr>
                    <td colSpan={6} className="muted">
                      所选期间没有调用
                    </td>
                  </tr>
                )}
              </tbody>
            </table>
          </div>
        </div>
      </div>
      <div className="panel">
        <h2>
          按机构和日期<span className="muted">共 {count(grid.total)} 行，按{SORT_LABEL[sort]}排序</span>
        </h2>
        <table className="data" data-testid="rt-inst-day">
          <thead>
            <tr>
              <th>日期</th>
              <th>机构</th>
              <th className="num">调用</th>
              <th className="num">3101 事前</th>
              <th className="num">3102 事中</th>
              <th className="num">3103 反馈</th>
              <th className="num">被拒绝</th>
              <th className="num">预警</th>
              <th className="num">平均 / 最长耗时（毫秒）</th>
            </tr>
          </thead>
          <tbody>
            {grid.rows.length ? (
              grid.rows.map((r) => (
                <tr key={`${r.day}-${r.region_code}-${r.fixmedins_code}`}>
                  <td>{r.day}</td>
                  <td>
                    {r.fixmedins_name ?? r.fixmedins_code} <span className="muted">{r.fixmedins_code}</span>
                  </td>
                  <td className="num">{count(r.calls)}</td>
                  <td className="num">{count(r.c3101)}</td>
                  <td className="num">{count(r.c3102)}</td>
                  <td className="num">{count(r.c3103)}</td>
                  <td className="num">{count(r.refused)}</td>
                  <td className="num">{count(r.warnings)}</td>
                  <td className="num">
                    {r.avg_ms} / {r.max_ms}
                  </td>
                </tr>
              ))
            ) : (
              <tr>
                <td colSpan={9} className="muted">
                  所选期间没有调用
                </td>
              </tr>
            )}
          </tbody>
        </table>
        <p className="toolbar">
          第 {Math.min(page, pages)} / {pages} 页
          {page > 1 ? <Link href={link({ page: page - 1 })}>上一页</Link> : null}
          {page < pages ? <Link href={link({ page: page + 1 })}>下一页</Link> : null}
        </p>
      </div>
      {admin ? (
        <div className="panel">
          <h2>接口密钥</h2>
          <p className="muted">每家机构的信息系统凭密钥调用（请求头 Authorization: Bearer 密钥）；密钥只在生成时显示一次，系统只保存其摘要。作废后立即失效。</p>
          <CreateKeyForm />
          <table className="data" data-testid="rt-keys">
            <thead>
              <tr>
                <th>编号</th>
                <th>机构</th>
                <th>统筹区</th>
                <th>密钥开头</th>
                <th>备注</th>
                <th>生成</th>
                <th className="num">调用次数</th>
                <th>最近调用</th>
                <th>状态</th>
              </tr>
            </thead>
            <tbody>
              {keys.map((k) => (
                <tr key={`${k.region_code}-${k.id}`}>
                  <td>#{k.id}</td>
                  <td>
                    {k.fixmedins_name ?? k.fixmedins_code} <span className="muted">{k.fixmedins_code}</span>
                  </td>
                  <td>{k.region_code}</td>
                  <td>
                    <code>{k.key_prefix}…</code>
                  </td>
                  <td>{k.label ?? ''}</td>
                  <td>
                    {k.created_at} <span className="muted">{k.created_by}</span>
                  </td>
                  <td className="num">{count(k.calls)}</td>
                  <td>{k.last_call ?? '—'}</td>
                  <td>{k.revoked_at ? <span className="badge">已作废 {k.revoked_at}</span> : <RevokeKeyButton id={k.id} region={k.region_code} />}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </>
  );
}
