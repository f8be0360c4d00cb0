import Link from 'next/link';
import { ForbiddenPanel } from '@/components/access-panels';
import { requireActor } from '@/lib/auth/current';
import { allowed } from '@/lib/cases/allowed';
import { dateTimeSeconds } from '@/lib/format';
import { auditActions, auditQuery, listAudit } from '@/lib/audit/queries';
import { getDb } from '@/lib/db/client';
import { scoped } from '@/lib/db/scoped';
import { loadClampedPage } from '@/lib/dashboard/paging';

export const dynamic = 'force-dynamic';

function json(v: unknown): string {
  return v === null || v === undefined ? '' : JSON.stringify(v);
}

export default async function AuditPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const actor = await requireActor();
  if (!allowed(actor, 'audit.read')) return <ForbiddenPanel what="查看审计日志" />;
  const sp = await searchParams;
  const q = auditQuery.safeParse({ page: sp.page, action: sp.action || undefined, entity: sp.entity || undefined });
  const query = q.success ? q.data : { page: 1, pageSize: 50 };
  const { data, actions } = await scoped(await getDb(), actor, async (tx) => ({
    data: await loadClampedPage(query.page ?? 1, query.pageSize ?? 50, (page) => listAudit(tx, { ...query, page })),
    actions: await auditActions(tx),
  }));
  const pages = Math.max(1, Math.ceil(data.total / data.pageSize));
  const link = (page: number) => {
    const p = new URLSearchParams();
    if (query.action) p.set('action', query.action);
    if (query.entity) p.set('entity', query.entity);
    p.set('page', String(page));
    return `/admin/audit?${p.toString()}`;
  };
  return (
    <>
      <h1>审计日志</h1>
      <p className="muted">只能追加：数据库拒绝修改或删除任何一行。</p>
      <form className="toolbar" method="get">
        <select name="action" defaultValue={query.action ?? ''} aria-label="操作">
          <option value="">全部操作</option>
          {actions.map((a) => (
            <option key={a} value={a}>
              {a}
            </option>
          ))}
        </select>
        <button type="submit" className="secondary">
          筛选
        </button>
        <span className="muted">
          共 {data.total} 条 · 第 {data.page}/{pages} 页
        </span>
      </form>
      <div className="panel">
        <table className="data" data-testid="audit-table">
          <thead>
            <tr>
              <th>时间</th>
              <th>用户</th>
              <th>操作</th>
              <th>对象</th>
              <th>地区</th>
              <th>变更前</th>
              <th>变更后</th>
              <th>IP</th>
            </tr>
          </thead>
          <tbody>
            {data.rows.map((r) => (
              <tr key={r.id}>
                <td>{dateTimeSeconds(r.at)}</td>
                <td>{r.actor}</td>
                <td>{r.action}</td>
                <td>
                  {r.entity} {r.entityId ?? ''}
                </td>
                <td>{r.regionCode ?? ''}</td>
                <td style={{ whiteSpace: 'normal', maxWidth: 260, wordBreak: 'break-all' }}>{json(r.before)}</td>
                <td style={{ whiteSpace: 'normal', maxWidth: 320, wordBreak: 'break-all' }}>{json(r.after)}</td>
                <td>{r.ip ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p className="toolbar">
          {data.page > 1 ? <Link href={link(data.page - 1)}>← 上一页</Link> : null}
          {data.page < pages ? <Link href={link(data.page + 1)}>下一页 →</Link> : null}
        </p>
      </div>
    </>
  );
}
