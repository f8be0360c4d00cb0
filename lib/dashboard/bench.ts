/**
 * Dashboard timings for `bench`: the server-side data functions of the overview, one alert-list
 * page, one alert detail and an institution profile, each run N times inside scoped() as an
 * inspector of the busiest region (p50/p95), against the same key indicators aggregated straight
 * from the facts (the cost without rollups). `vs_raw` = dashboard p95 ÷ raw p95.
 */
import { sql } from 'drizzle-orm';
import { getAlert, listAlerts } from '../alerts/queries';
import type { Db } from '../db/client';
import { scoped, type Actor } from '../db/scoped';
import { getOverview, rawKpis } from './overview';
import { getProfile } from './profiles';
import { resolveScope } from './scope';
import { listSubjects } from './subjects';

export interface Timing {
  p50_ms: number;
  p95_ms: number;
  runs: number;
}

export interface DashboardTimings {
  p95_ms: number;
  vs_raw: number;
  region: string | null;
  period: string | null;
  pages: Record<string, Timing>;
  raw: Timing;
}

function quantile(sorted: number[], q: number): number {
  if (!sorted.length) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i] ?? 0;
}

async function time(n: number, fn: () => Promise<unknown>): Promise<Timing> {
  await fn(); // warm-up (plans, cache)
  const ms: number[] = [];
  for (let i = 0; i < n; i += 1) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  const r = (v: number) => Math.round(v * 10) / 10;
  return { p50_ms: r(quantile(ms, 0.5)), p95_ms: r(quantile(ms, 0.95)), runs: n };
}

export async function dashboardTimings(db: Db, actor?: Actor, opts: { runs?: number } = {}): Promise<DashboardTimings> {
  const n = opts.runs ?? 20;
  const { rows } = await db.execute<{ region_code: string }>(sql`select region_code from ind_region_month group by 1 order by sum(visits) desc limit 1`);
  const region = rows[0]?.region_code ?? null;
  const who: Actor = actor ?? { userId: null, name: 'bench-inspector', role: 'inspector', regions: region ? [region] : ['*'] };
  const scope = await scoped(db, who, (tx) => resolveScope(tx, {}));
  const { alertId, instId } = await scoped(db, who, async (tx) => {
    const a = await listAlerts(tx, { pageSize: 1, sort: { field: 'amount', dir: 'desc' } });
    const i = await listSubjects(tx, { kind: 'institution', period: scope.period, prev: scope.prev, regions: null, sort: 'visits', pageSize: 1 });
    return { alertId: a.rows[0]?.id ?? null, instId: i.rows[0]?.id ?? null };
  });
  const pages: Record<string, Timing> = {
    overview: await time(n, () =>
      scoped(db, who, async (tx) => {
        const s = await resolveScope(tx, {});
        await getOverview(tx, s);
        await listSubjects(tx, { kind: 'institution', period: s.period, prev: s.prev, regions: s.regions, sort: 'perVisitGrowth', pageSize: 5, minVisits: 5 });
      }),
    ),
    alert_list: await time(n, () => scoped(db, who, (tx) => listAlerts(tx, { pageSize: 20, sort: { field: 'severity', dir: 'desc' } }))),
    institutions: await time(n, () => scoped(db, who, (tx) => listSubjects(tx, { kind: 'institution', period: scope.period, prev: scope.prev, regions: null, sort: 'perVisitGrowth', pageSize: 50 }))),
  };
  if (alertId !== null) pages.alert_detail = await time(n, () => scoped(db, who, (tx) => getAlert(tx, alertId)));
  if (instId !== null) pages.institution_profile = await time(n, () => scoped(db, who, (tx) => getProfile(tx, 'institution', instId, scope)));
  const raw = await time(Math.max(3, Math.round(n / 4)), () => scoped(db, who, (tx) => rawKpis(tx, scope.period, null)));
  const p95 = Math.max(...Object.values(pages).map((t) => t.p95_ms));
  return { p95_ms: p95, vs_raw: raw.p95_ms ? Math.round((p95 / raw.p95_ms) * 1000) / 1000 : 0, region, period: scope.latestMonth ? scope.period.key : null, pages, raw };
}
