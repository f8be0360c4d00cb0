/**
 * One subject list page (机构 / 医师 / 参保人) from its URL: period, region, text, sort, page.
 * Rows come from listSubjects (rollups); alert counts for the page rows; insured ids masked here.
 */
import { maskId } from '../auth/mask';
import type { DbOrTx } from '../db/client';
import { param, resolveScope, type Scope, type SearchParams } from './scope';
import { loadClampedPage } from './paging';
import { alertCounts, isMetric, listSubjects, type MetricId, type SubjectKind, type SubjectPage, type SubjectRow } from './subjects';

export interface SubjectListPage {
  scope: Scope;
  page: SubjectPage & { rows: Array<SubjectRow & { shownId: string; alerts: number; high: number }> };
  sort: string;
}

export async function subjectListPage(tx: DbOrTx, kind: SubjectKind, sp: SearchParams, defaults: { sort: MetricId; metric?: MetricId }): Promise<SubjectListPage> {
  const scope = await resolveScope(tx, sp);
  const [field, dir] = (param(sp, 'sort') ?? `${defaults.sort}.desc`).split('.');
  const sortField = isMetric(field) || field === 'name' ? field : defaults.sort;
  const desc = dir !== 'asc';
  const size = Number(param(sp, 'size') ?? 50);
  const rankBy = isMetric(param(sp, 'metric')) ? (param(sp, 'metric') as MetricId) : defaults.metric;
  const pageSize = [20, 50, 100].includes(size) ? size : 50;
  const page = await loadClampedPage(Math.max(1, Number(param(sp, 'page') ?? 1) || 1), pageSize, (n) => listSubjects(tx, {
    kind,
    period: scope.period,
    prev: scope.prev,
    regions: scope.regions,
    sort: sortField,
    desc,
    rankBy,
    q: param(sp, 'q'),
    page: n,
    pageSize,
    minVisits: Math.max(1, Number(param(sp, 'min') ?? 1) || 1),
  }));
  const counts = kind === 'region' ? new Map() : await alertCounts(tx, kind, page.rows.map((r) => r.id), scope.period);
  return {
    scope,
    sort: `${sortField}.${desc ? 'desc' : 'asc'}`,
    page: {
      ...page,
      rows: page.rows.map((r) => ({ ...r, shownId: kind === 'insured' ? maskId(r.id) : r.id, alerts: counts.get(r.id)?.alerts ?? 0, high: counts.get(r.id)?.high ?? 0 })),
    },
  };
}
