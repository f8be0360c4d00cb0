import { AlertsTable } from './alerts-table';
import { FilterBar, type FilterField } from '@/components/filter-bar';
import { listAlerts } from '@/lib/alerts/queries';
import { loadClampedPage } from '@/lib/dashboard/paging';
import { requireActor } from '@/lib/auth/current';
import { can } from '@/lib/auth/permissions';
import { alertQueryFrom, toAlertRow } from '@/lib/dashboard/alerts';
import { SEVERITY_LABEL, STATUS_LABEL, SUBJECT_TYPE_LABEL } from '@/lib/dashboard/labels';
import { assignableUsers, userNames } from '@/lib/dashboard/users';
import { param, resolveScope, type SearchParams } from '@/lib/dashboard/scope';
import { getDb } from '@/lib/db/client';
import { scoped } from '@/lib/db/scoped';
import { rules } from '@/lib/rules';

export const dynamic = 'force-dynamic';

export default async function AlertsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const actor = await requireActor();
  const sp = await searchParams;
  const q = alertQueryFrom(sp, actor.userId);
  const db = await getDb();
  const { list, scope, users, names } = await scoped(db, actor, async (tx) => {
    const list = await loadClampedPage(q.params.page ?? 1, q.params.pageSize ?? 20, (page) => listAlerts(tx, { ...q.params, page }));
    return { list, scope: await resolveScope(tx, {}), users: await assignableUsers(tx), names: await userNames(tx, list.rows.map((r) => r.assignedTo)) };
  });
  const fields: FilterField[] = [
    { name: 'period', label: '期间', type: 'select', allLabel: '全部期间', options: scope.periodOptions.map((o) => ({ value: o.key, label: o.label })) },
    { name: 'region', label: '地区', type: 'select', allLabel: '全部辖区', options: scope.regionOptions.map((r) => ({ value: r.code, label: `${r.name} ${r.code}` })) },
    { name: 'rule', label: '规则', type: 'select', allLabel: '全部规则', options: rules.map((r) => ({ value: r.id, label: `${r.nameZh}（${r.id}）` })) },
    { name: 'severity', label: '等级', type: 'select', allLabel: '全部', options: Object.entries(SEVERITY_LABEL).map(([value, label]) => ({ value, label })) },
    { name: 'status', label: '状态', type: 'select', allLabel: '全部', options: Object.entries(STATUS_LABEL).map(([value, label]) => ({ value, label })) },
    { name: 'subject', label: '对象类型', type: 'select', allLabel: '全部', options: Object.entries(SUBJECT_TYPE_LABEL).map(([value, label]) => ({ value, label })) },
    { name: 'mine', label: '处理人', type: 'select', allLabel: '全部预警', options: [{ value: '1', label: '我的预警' }] },
    { name: 'q', label: '对象', type: 'text', placeholder: '编码、名称或说明' },
  ];
  const values = Object.fromEntries(['period', 'region', 'rule', 'severity', 'status', 'subject', 'mine', 'q'].map((k) => [k, param(sp, k)]));
  const exportQs = new URLSearchParams(Object.entries(values).filter((e): e is [string, string] => typeof e[1] === 'string'));
  exportQs.set('sort', q.sort);
  const canExport = can(actor, 'export');
  return (
    <>
      <div className="page-head">
        <h1>预警</h1>
        <span className="sub">共 {list.total} 条符合条件 · 点击表头排序，Enter 打开，空格选择</span>
        <span className="spacer" />
        {canExport ? (
          <>
            <a className="button secondary" href={`/api/alerts/export?${exportQs.toString()}&format=xlsx`} download data-testid="export-xlsx">
              导出 Excel
            </a>
            <a className="button secondary" href={`/api/alerts/export?${exportQs.toString()}&format=csv`} download data-testid="export-csv">
              导出 CSV
            </a>
          </>
        ) : null}
      </div>
      <FilterBar fields={fields} values={values} />
      <div className="panel">
        <AlertsTable
          rows={list.rows.map((r) => toAlertRow(r, names, new Map(scope.regionOptions.map((o) => [o.code, o.name]))))}
          total={list.total}
          page={list.page}
          pageSize={q.params.pageSize ?? 20}
          sort={q.sort}
          hidden={(param(sp, 'hide') ?? '').split(',').filter(Boolean)}
          users={users}
          canAct={can(actor, 'alert.verdict')}
        />
      </div>
    </>
  );
}
