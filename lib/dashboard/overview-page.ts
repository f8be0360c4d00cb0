/**
 * The overview page's data (总览): scope, overview and the fastest growers, cached per region set, parameters and data
 * version (./cache.ts) — the page's data changes only when a batch lands, a recompute runs or an alert changes.
 */
import type { Db } from '../db/client';
import { scoped, type Actor } from '../db/scoped';
import { cachedByVersion, cacheKey } from './cache';
import { getOverview } from './overview';
import { resolveScope, type SearchParams } from './scope';
import { listSubjects } from './subjects';

export async function loadOverviewPage(db: Db, actor: Actor, sp: SearchParams) {
  const params = Object.entries(sp)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return scoped(db, actor, (tx) =>
    cachedByVersion(tx, cacheKey(actor, 'overview', params), async () => {
      const scope = await resolveScope(tx, sp);
      const o = await getOverview(tx, scope);
      const growers = await listSubjects(tx, { kind: 'institution', period: scope.period, prev: scope.prev, regions: scope.regions, sort: 'perVisitGrowth', pageSize: 5, minVisits: 5 });
      return { scope, o, growers };
    }),
  );
}
