/**
 * Timings for `bench`: the full indicator + rule recompute against one hand-written GROUP BY pass over
 * settlements ⋈ fee_details by institution and month (the limit: ≤ 1.5×), and an incremental refresh
 * of given months against the full one (≤ 5 %).
 */
import { readjudicate } from '../adjudication/bulk';
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

export interface DayBatchTiming {
  day: string;
  settlements: number;
  /** re-adjudication of the day: its settlements appended to their persons' years (a late one replays its person's year) */
  adjudicate_ms: number;
  /** the day's rollups and the rules of its month: what incremental_vs_full compares with the full indicators + rules */
  refresh_ms: number;
}

/**
 * One day's batch as it lands: the last day's settlements and fee lines are taken out and the refresh brings the rollups
 * and alerts to that state (untimed), then they are put back — the day arrives — and the refresh after it is timed,
 * scoped as ingest scopes it (the day, its month, its regions).
 */
export async function timeDayBatch(db: Db): Promise<DayBatchTiming> {
  const c = await db.$client.connect();
  try {
    const d = await c.query<{ day: string }>(`select to_char(max(setl_time), 'YYYY-MM-DD') as day from settlements`);
    const day = d.rows[0]?.day ?? '';
    const range = `setl_time >= '${day} 00:00:00+08'::timestamptz and setl_time < '${day} 00:00:00+08'::timestamptz + interval '1 day'`;
    await c.query('begin');
    await c.query(`create temp table day_s as select * from settlements where ${range}`);
    await c.query(`create temp table day_f as select * from fee_details where ${range}`);
    await c.query(`delete from fee_details where ${range}`);
    await c.query(`delete from settlements where ${range}`);
    // the day's adjudications go with it: before the day arrives it has none (its persons' earlier ones stay)
    await c.query(`delete from adjudications where ${range}`);
    await c.query('commit');
    const r = await c.query<{ r: string }>('select distinct admdvs as r from day_s order by 1');
    // the rollups and alerts without the day (a removal, not an insert-only batch)
    const without = { months: [day.slice(0, 7)], regionCodes: r.rows.map((x) => x.r), days: [day] };
    await refreshIndicators(db, without);
    await runRules(db, without);
    // the day arrives as new settlements, as an ingest of them would scope it (nothing updated or reversed)
    const scope = { ...without, insertsOnly: true };
    await c.query('begin');
    const n = (await c.query('insert into settlements select * from day_s')).rowCount ?? 0;
    await c.query('insert into fee_details select * from day_f');
    await c.query('drop table day_s, day_f');
    await c.query('commit');
    const adjudicateMs = await timed(() => readjudicate(db, scope));
    const refreshMs = await timed(async () => {
      await refreshIndicators(db, scope);
      await runRules(db, scope);
    });
    return { day, settlements: n, adjudicate_ms: Math.round(adjudicateMs), refresh_ms: Math.round(refreshMs) };
  } finally {
    c.release();
  }
}
