/**
 * `whatif_visits_per_s`: the what-if of the page (lib/whatif/run.ts) over every loaded visit — the COPY
 * stream of the engine's columns in person/time order, two engines (published versions and the scenario),
 * the sums — timed end to end. The scenario is Shanxi's 2024 version with a higher pharmacy rate, put in
 * force for all five regions and the whole loaded period, so every visit is read and adjudicated twice.
 * Two runs as the page makes them: the first reads the visits from Postgres into memory (cold: `ms_cold`),
 * the second re-adjudicates from memory (another scenario or period on the page): `visits_per_s`.
 */
import type { Db } from '../db/client';
import { SYSTEM } from '../db/scoped';
import { loadPolicies } from '../policies';
import { runWhatif } from '../whatif/run';
import { clearVisitCache } from '../whatif/visits';

export async function benchWhatif(db: Db): Promise<{ visits_per_s: number; ms: number; ms_cold: number; visits: number }> {
  const policies = loadPolicies();
  const base = policies.policies.find((p) => p.id === 'shanxi-2024') ?? policies.policies[0];
  if (!base) throw new Error('no policy in policies/');
  const span = await db.$client.query<{ lo: string | null; hi: string | null }>(
    "select to_char(min(setl_time) at time zone 'Asia/Shanghai', 'YYYY-MM-DD') as lo, to_char(max(setl_time) at time zone 'Asia/Shanghai', 'YYYY-MM-DD') as hi from settlements",
  );
  const from = span.rows[0]?.lo ?? '2024-01-01';
  const to = span.rows[0]?.hi ?? '2024-12-31';
  const scenario = {
    ...base,
    id: 'bench-whatif',
    region_prefixes: ['14', '15', '36', '43'],
    effective_from: `${from.slice(0, 4)}-01-01`,
    effective_to: null,
    rates_bp: { ...base.rates_bp, in_service: { ...base.rates_bp.in_service, pharmacy: 8000 }, retired: { ...base.rates_bp.retired, pharmacy: 8500 } },
  };
  clearVisitCache();
  const ms: number[] = [];
  let visits = 0;
  for (let i = 0; i < 2; i++) {
    const t0 = performance.now();
    const r = await runWhatif(db, SYSTEM, policies, { scenario, from, to, cache: true });
    ms.push(performance.now() - t0);
    visits = r.visitsRead;
  }
  clearVisitCache();
  const warm = ms[1] ?? 0;
  return { visits_per_s: Math.round((visits / warm) * 1000), ms: Math.round(warm), ms_cold: Math.round(ms[0] ?? 0), visits };
}
