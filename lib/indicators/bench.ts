/**
 * Timings for `bench`: the full indicator + rule recompute against one hand-written GROUP BY pass over
 * settlements ⋈ fee_details by institution and month (the limit: ≤ 1.5×), and an incremental refresh
 * of given months against the full one (≤ 5 %).
 */
import type { Db } from '../db/client';
import { runRules } from '../rules/run';
import { refreshIndicators } from './refresh';

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

export function timeFullRecompute(db: Db): Promise<number> {
  return timed(async () => {
    await refreshIndicators(db, { months: [], regionCodes: [], full: true });
    await runRules(db, { months: [], regionCodes: [], full: true });
  });
}

/** The reference: one GROUP BY over the facts by institution and month, as a person would write it. */
export function timeGroupByPass(db: Db): Promise<number> {
  return timed(() =>
    db.$client.query(`
      select s.admdvs, s.fixmedins_code, date_trunc('month', s.setl_time) as month, count(distinct s.setl_id) as visits,
        count(distinct s.psn_no) as persons, sum(f.det_item_fee_sumamt) as total,
        sum(f.det_item_fee_sumamt) filter (where f.med_chrgitm_type in ('03', '04')) as exam,
        sum(f.det_item_fee_sumamt) filter (where f.med_chrgitm_type in ('09', '10', '11')) as drug
      from settlements s join fee_details f on f.admdvs = s.admdvs and f.setl_id = s.setl_id and f.setl_time = s.setl_time
      where not s.reversed and not s.refd_setl_flag
      group by 1, 2, 3`),
  );
}

/** Incremental refresh + rules for the given months ('YYYY-MM'), all regions. */
export function timeIncremental(db: Db, months: string[], regionCodes: string[] = []): Promise<number> {
  return timed(async () => {
    await refreshIndicators(db, { months, regionCodes });
    await runRules(db, { months, regionCodes });
  });
}
