import { FilterBar } from '@/components/filter-bar';
import { scopeFields, scopeTitle, scopeValues } from '@/components/scope-fields';
import { SubjectTable } from '@/components/subject-table';
import { requireActor } from '@/lib/auth/current';
import { param, type SearchParams } from '@/lib/dashboard/scope';
import { subjectListPage } from '@/lib/dashboard/subject-list';
import type { MetricId } from '@/lib/dashboard/subjects';
import { getDb } from '@/lib/db/client';
import { scoped } from '@/lib/db/scoped';
import { periodLabel } from '@/lib/format';

export const dynamic = 'force-dynamic';

const METRIC_COLUMNS: MetricId[] = ['visits', 'rxCount', 'perVisit', 'perVisitGrowth', 'fund', 'drugShare', 'examShare'];

export default async function DoctorsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const actor = await requireActor();
  const sp = await searchParams;
  const db = await getDb();
  const { scope, page, sort } = await scoped(db, actor, (tx) => subjectListPage(tx, 'doctor', sp, { sort: 'fund' }));
  const query = new URLSearchParams({ period: scope.period.key, ...(scope.region ? { region: scope.region } : {}) }).toString();
  return (
    <>
      <div className="page-head">
        <h1>医师</h1>
        <span className="sub">
          {scopeTitle(scope)} · {periodLabel(scope.period.key)}，环比对比 {periodLabel(scope.prev.key)} · 点击表头按任一指标排序
        </span>
      </div>
      <FilterBar
        fields={[...scopeFields(scope), { name: 'q', label: '搜索', type: 'text', placeholder: '编码或名称' }, { name: 'min', label: '最少人次', type: 'select', allLabel: '不限', options: [5, 10, 30, 100].map((n) => ({ value: String(n), label: `≥ ${n}` })) }]}
        values={{ ...scopeValues(scope), q: param(sp, 'q'), min: param(sp, 'min') }}
      />
      <div className="panel">
        <SubjectTable
          kind="doctor"
          metrics={METRIC_COLUMNS}
          rows={page.rows}
          total={page.total}
          page={page.page}
          pageSize={page.pageSize}
          sort={sort}
          hidden={(param(sp, 'hide') ?? '').split(',').filter(Boolean)}
          query={query}
        />
      </div>
    </>
  );
}
