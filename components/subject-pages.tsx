import { notFound } from 'next/navigation';
import { FilterBar } from '@/components/filter-bar';
import { ProfileView } from '@/components/profile-view';
import { scopeFields, scopeTitle, scopeValues } from '@/components/scope-fields';
import { SubjectTable } from '@/components/subject-table';
import { requireActor } from '@/lib/auth/current';
import { can } from '@/lib/auth/permissions';
import { getProfile, type ProfileKind } from '@/lib/dashboard/profiles';
import { param, resolveScope, type SearchParams } from '@/lib/dashboard/scope';
import { subjectListPage } from '@/lib/dashboard/subject-list';
import type { MetricId } from '@/lib/dashboard/subjects';
import { getDb } from '@/lib/db/client';
import { scoped } from '@/lib/db/scoped';
import { periodLabel } from '@/lib/format';

/** The 机构 / 医师 / 参保人 list pages: one ranked, server-sorted table over the rollups, differing only in subject and columns. */
export async function SubjectListPage(props: {
  kind: ProfileKind;
  title: string;
  metrics: MetricId[];
  defaultSort: MetricId;
  searchParams: Promise<SearchParams>;
}) {
  const actor = await requireActor();
  const sp = await props.searchParams;
  const db = await getDb();
  const { scope, page, sort } = await scoped(db, actor, (tx) => subjectListPage(tx, props.kind, sp, { sort: props.defaultSort }));
  const query = new URLSearchParams({ period: scope.period.key, ...(scope.region ? { region: scope.region } : {}) }).toString();
  return (
    <>
      <div className="page-head">
        <h1>{props.title}</h1>
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
          kind={props.kind}
          metrics={props.metrics}
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

/** The institution / doctor / insured-person profile pages. */
export async function SubjectProfilePage(props: { kind: ProfileKind; params: Promise<{ id: string }>; searchParams: Promise<SearchParams> }) {
  const actor = await requireActor();
  const { id } = await props.params;
  const sp = await props.searchParams;
  const db = await getDb();
  const data = await scoped(db, actor, async (tx) => {
    const scope = await resolveScope(tx, sp);
    const profile = await getProfile(tx, props.kind, decodeURIComponent(id), scope);
    return { scope, profile };
  });
  if (!data.profile) notFound();
  return (
    <>
      <FilterBar fields={scopeFields(data.scope)} values={scopeValues(data.scope)} />
      <ProfileView profile={data.profile} scope={data.scope} canReveal={can(actor, 'reveal')} />
    </>
  );
}
