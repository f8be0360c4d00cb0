/**
 * Indicator rollups, set-based. For each affected month: one pass over settlements ⋈ (fee_details
 * aggregated per settlement) materialises `ind_visits`; the institution / doctor / person / region
 * rollups are then grouped from it. Incremental = delete + insert of the affected (region, month)
 * rows only; full = truncate + the same per month. Growth (MoM/YoY) and budget use are derived
 * afterwards for the affected regions and years, because they read neighbouring months.
 * Monitoring indicators named by 晋市医保发〔2022〕22号 七.2, 南昌细则第四十二条, 湘政办发〔2022〕12号 二（八）.
 */
import type pg from 'pg';
import { parsePeriod, quarterOf, type Period } from '../dashboard/period';
import type { Db } from '../db/client';
import { qualify } from '../db/columns';
import { isDistributed } from '../db/distribute';
import type { PipelineScope } from '../pipeline/after-ingest';
import { RX_DAYS_COLS, rxDaysCounts } from './rx-days';
import { analyzeStaleFacts, inTransaction, monthDate, normaliseMonths, partitionMonths } from './sql';

export interface RefreshResult {
  months: string[];
  regions: string[] | 'all';
  visits: number;
  /** a day's refresh: the persons whose visits changed */
  persons?: string[];
}

const R = `($2::text[] is null or region_code = any($2))`;

const VISIT_COLS = `region_code, month, setl_id, setl_time, psn_no, psn_type, fixmedins_code, fixmedins_type, hosp_lv, fee_class,
  inst_city, med_type, dise_codg, chronic, dr_codg, medfee, ownpay, inscp, fund, exam_amt, drug_amt, n_lines, n_exam_lines, n_drug_lines, max_days, flags`;
/** The features of the valid visits in [$1, $3) (dates, Asia/Shanghai), regions $2 (null: all), written to `table`. */
const features = (table: string) => `
insert into ${table} (${VISIT_COLS})
select s.admdvs, date_trunc('month', s.setl_time)::date, s.setl_id, s.setl_time, s.psn_no, s.psn_type, s.fixmedins_code, s.fixmedins_type, s.hosp_lv, s.fee_class,
  left(coalesce(nullif(s.extra->>'fix_blng_admdvs', ''), nullif(s.extra->>'fixmedins_admdvs', ''), nullif(s.extra->>'mdtrt_admdvs', ''), i.region_code, s.admdvs), 6),
  s.med_type, s.dise_codg, (s.chronic or s.med_type = '14'), l.dr, s.medfee_sumamt, s.fulamt_ownpay_amt, s.inscp_scp_amt, coalesce(s.hifp_pay, 0),
  coalesce(l.exam, 0), coalesce(l.drug, 0), coalesce(l.n, 0), coalesce(l.nexam, 0), coalesce(l.ndrug, 0), l.maxdays,
  (case when not s.designated and not s.emergency then 1 else 0 end)
  | (case when s.fixmedins_type = 'pharmacy' and s.rx_from_designated is false then 2 else 0 end)
  | (case when not s.has_card then 4 else 0 end)
  | (case when s.suspended then 8 else 0 end)
  | (case when s.inpatient_overlap then 16 else 0 end)
  | (case when s.in_arrears then 32 else 0 end)
  | (case when s.out_of_area_temporary then 64 else 0 end)
from settlements s
left join (
  select admdvs, setl_id, setl_time,
    coalesce(min(bilg_dr_codg) filter (where med_chrgitm_type in ('09', '10', '11')), min(bilg_dr_codg)) as dr, count(*)::int as n,
    sum(det_item_fee_sumamt) filter (where med_chrgitm_type in ('03', '04')) as exam,
    count(*) filter (where med_chrgitm_type in ('03', '04'))::int as nexam,
    sum(det_item_fee_sumamt) filter (where med_chrgitm_type in ('09', '10', '11')) as drug,
    count(*) filter (where med_chrgitm_type in ('09', '10', '11'))::int as ndrug,
    max(medc_days) filter (where med_chrgitm_type in ('09', '10', '11')) as maxdays
  from fee_details
  where setl_time >= $1::date::timestamp at time zone 'Asia/Shanghai'
    and setl_time < $3::date::timestamp at time zone 'Asia/Shanghai'
    and ($2::text[] is null or admdvs = any($2))
  group by admdvs, setl_id, setl_time
) l on l.admdvs = s.admdvs and l.setl_id = s.setl_id and l.setl_time = s.setl_time
left join (select distinct on (fixmedins_code) fixmedins_code, region_code from institutions order by fixmedins_code, region_code) i
  on i.fixmedins_code = s.fixmedins_code
where s.setl_time >= $1::date::timestamp at time zone 'Asia/Shanghai'
  and s.setl_time < $3::date::timestamp at time zone 'Asia/Shanghai'
  and ($2::text[] is null or s.admdvs = any($2))
  and not s.reversed and not s.refd_setl_flag`;

/**
 * An incremental refresh computes its months' features into a scratch table and writes to ind_visits only the rows
 * that differ: a day's batch changes a few thousand of a month's ~100k visits, and every row written updates five
 * indexes and leaves a dead tuple (delete + insert of the whole month: 3.4 s at 1M settlements, and a month of bloat
 * per batch). Unchanged rows are left where they are; the result is the same rows a rebuild writes (tested).
 */
const VISITS_SCRATCH = `create temp table ind_visits_new (like ind_visits) on commit drop`;
const same = (a: string, b: string) => `row(${qualify(VISIT_COLS, a)}) is not distinct from row(${qualify(VISIT_COLS, b)})`;
const VISITS_DELETE_CHANGED = `
delete from ind_visits v where v.month = any($1::date[]) and ($2::text[] is null or v.region_code = any($2))
  and not exists (select 1 from ind_visits_new n where n.region_code = v.region_code and n.setl_id = v.setl_id and n.setl_time = v.setl_time and ${same('n', 'v')})`;
const VISITS_INSERT_CHANGED = `
insert into ind_visits (${VISIT_COLS})
select ${VISIT_COLS} from ind_visits_new n
where not exists (select 1 from ind_visits v where v.month = any($1::date[]) and v.month = n.month and v.region_code = n.region_code
  and v.setl_id = n.setl_id and v.setl_time = n.setl_time)`;

/** SQL of a rollup's sums: over visits (a GROUP BY), or the sums already kept plus those a batch adds */
interface Sums {
  visits: string;
  persons: string;
  total: string;
  ownpay: string;
  fund: string;
  exam: string;
  drug: string;
}
// Ratios are computed on sums (never averages of ratios); null when the denominator is 0. [column, expression]
const ratios = (x: Sums): Array<[string, string]> => [
  ['per_visit', `(${x.total})::float8 / nullif(${x.visits}, 0)`],
  ['per_capita', `(${x.total})::float8 / nullif(${x.persons}, 0)`],
  ['selfpay_ratio', `((${x.total}) - (${x.fund}))::float8 / nullif(${x.total}, 0)`],
  ['ownpay_ratio', `(${x.ownpay})::float8 / nullif(${x.total}, 0)`],
  ['exam_share', `(${x.exam})::float8 / nullif(${x.total}, 0)`],
  ['drug_share', `(${x.drug})::float8 / nullif(${x.total}, 0)`],
  ['fund_share', `(${x.fund})::float8 / nullif(${x.total}, 0)`],
];
const RATIOS = ratios({
  visits: 'count(*)',
  persons: 'count(distinct psn_no collate "C")',
  total: 'sum(medfee)',
  ownpay: 'sum(ownpay)',
  fund: 'sum(fund)',
  exam: 'sum(exam_amt)',
  drug: 'sum(drug_amt)',
})
  .map(([c, e]) => `${e} as ${c}`)
  .join(', ');
const SUMS = `count(*)::int, count(distinct psn_no collate "C")::int, sum(medfee), sum(ownpay), sum(fund), sum(exam_amt), sum(drug_amt)`;
const COLS = `visits, persons, total_amt, ownpay_amt, fund_amt, exam_amt, drug_amt, per_visit, per_capita, selfpay_ratio, ownpay_ratio, exam_share, drug_share, fund_share`;
const IN_MONTH = `month = any($1::date[]) and ${R}`;

/** Peer key of an institution: type + Shanxi fee class where given, else level. */
const PEER_KEY = `max(fixmedins_type) || ':' || coalesce('fc' || max(fee_class)::text, 'lv' || max(hosp_lv)::text)`;

/**
 * The rollups grouped from ind_visits, each for the whole groups `where` selects (a day's refresh regroups the groups its
 * changed visits belong to: the same rows a rebuild writes). ln_sum / ln_sq: moments of ln(visit cost) for IND-GROWTH
 * (a visit of 0 fen counts as 1 fen), each visit's term rounded to 1e-9 and summed as an integer, kept as numeric: a
 * float8 sum depends on the order of the rows, and an incremental refresh (which adds a day's moments to the kept ones)
 * must equal a full rebuild exactly. Integer sums, scaled once per group (a product, exact): a float8 → numeric cast of
 * every visit cost the institution rollup 1.1 s of its 4 at 1M settlements; this way 0.07 s.
 */
const lnMoment = (term: string) => `sum(round(${term} * 1e9)::bigint)::numeric * 0.000000001`;
const LN_SUM = lnMoment('ln(greatest(medfee, 1))');
const LN_SQ = lnMoment('ln(greatest(medfee, 1)) ^ 2');
const instRollup = (where: string) =>
  `insert into ind_institution_month (region_code, month, fixmedins_code, fixmedins_type, hosp_lv, fee_class, peer_key, ${COLS}, ln_sum, ln_sq, ${RX_DAYS_COLS})
   select region_code, month, fixmedins_code collate "C", max(fixmedins_type), max(hosp_lv), max(fee_class), ${PEER_KEY}, ${SUMS}, ${RATIOS},
     ${LN_SUM}, ${LN_SQ}, ${rxDaysCounts()}
   from ind_visits where ${where} group by fixmedins_code collate "C", month, region_code`;
/** an institution's month by diagnosis (the profile's top diagnoses) */
const dxRollup = (where: string) =>
  `insert into ind_dx_month (region_code, month, fixmedins_code, dise_codg, visits, amount)
   select region_code, month, fixmedins_code, dise_codg, count(*)::int, sum(medfee) from ind_visits where ${where} group by 1, 2, 3, 4`;
const doctorRollup = (where: string) =>
  `insert into ind_doctor_month (region_code, month, dr_codg, fixmedins_code, peer_key, ${COLS}, rx_count, rx_amt)
   select region_code, month, dr_codg collate "C", min(fixmedins_code), max(fixmedins_type) || ':lv' || max(hosp_lv)::text, ${SUMS}, ${RATIOS},
     count(*) filter (where n_drug_lines > 0)::int, sum(drug_amt)
   from ind_visits where ${where} and dr_codg is not null group by dr_codg collate "C", month, region_code`;
const personRollup = (where: string) =>
  `insert into ind_person_month (region_code, month, psn_no, psn_type, visits, institutions, total_amt, ownpay_amt, fund_amt, exam_amt, drug_amt)
   select region_code, month, psn_no collate "C", max(psn_type), count(*)::int, count(distinct fixmedins_code collate "C")::int, sum(medfee), sum(ownpay), sum(fund), sum(exam_amt), sum(drug_amt)
   from ind_visits where ${where} group by psn_no collate "C", month, region_code`;
/** A person's year from their months ($1: the years' first days) read from `from` (ind_person_month p, or fewer of its rows). */
const personYear = (years: string[], from = 'ind_person_month p') =>
  // the years' span as constants (row estimates, partition of the scan) and the year as make_date: date_trunc of a date
  // goes through timestamptz in the session's time zone, twice as slow over the 650k person-months of a year at 1M
  `insert into ind_person_year (region_code, year, psn_no, psn_type, visits, total_amt, ownpay_amt, fund_amt)
   select p.region_code, make_date(extract(year from p.month)::int, 1, 1), p.psn_no, max(p.psn_type), sum(p.visits)::int, sum(p.total_amt), sum(p.ownpay_amt), sum(p.fund_amt)
   from ${from} where p.month >= ${yearSpan(years)[0]} and p.month < ${yearSpan(years)[1]}
     and make_date(extract(year from p.month)::int, 1, 1) = any($1::date[]) and ($2::text[] is null or p.region_code = any($2))
   group by 1, 2, 3`;
/** [first day of the first year, first day after the last year] as date literals; years: sorted 'YYYY-01-01' */
function yearSpan(years: string[]): [string, string] {
  for (const y of years) if (!/^\d{4}-01-01$/.test(y)) throw new Error(`bad year ${y}`);
  return [`'${years[0]}'::date`, `'${Number(years[years.length - 1]?.slice(0, 4)) + 1}-01-01'::date`];
}
const PERSON_YEAR_DELETE = `delete from ind_person_year where year = any($1::date[]) and ($2::text[] is null or region_code = any($2))`;
const TOUCHED_PERSONS = `(region_code, psn_no) in (select distinct region_code, psn_no from ind_touched where psn_no is not null)`;
/**
 * The touched persons' rows of ind_person_month in [from, to): each person's months probed by the index (region, month,
 * person), not a join that reads every person-month of the year (650k rows at 1M settlements) to keep a few thousand.
 */
const TOUCHED_PERSON_MONTHS = (from: string, to: string) => `(select distinct region_code, psn_no from ind_touched where psn_no is not null) t
  cross join generate_series((${from})::timestamp, (${to})::timestamp - interval '1 day', interval '1 month') m(month)
  join ind_person_month p on p.region_code = t.region_code and p.month = m.month::date and p.psn_no = t.psn_no`;

// the region from the institution and person rollups just written (their sums add up; persons are one row each
// there): counting distinct persons over the visits sorted every visit of the month (3.4 s at 1M settlements)
const regionRollup = (persons: string) =>
  `insert into ind_region_month (region_code, month, ${COLS}, institutions)
   select i.region_code, i.month, sum(i.visits)::int, p.persons, sum(i.total_amt), sum(i.ownpay_amt), sum(i.fund_amt), sum(i.exam_amt), sum(i.drug_amt),
     sum(i.total_amt)::float8 / nullif(sum(i.visits), 0), sum(i.total_amt)::float8 / nullif(p.persons, 0),
     (sum(i.total_amt) - sum(i.fund_amt))::float8 / nullif(sum(i.total_amt), 0), sum(i.ownpay_amt)::float8 / nullif(sum(i.total_amt), 0),
     sum(i.exam_amt)::float8 / nullif(sum(i.total_amt), 0), sum(i.drug_amt)::float8 / nullif(sum(i.total_amt), 0),
     sum(i.fund_amt)::float8 / nullif(sum(i.total_amt), 0), count(*)::int
   from ind_institution_month i
   join (${persons}) p using (region_code, month)
   where ${IN_MONTH} group by i.region_code, i.month, p.persons`;
const REGION_ROLLUP = regionRollup(`select region_code, month, count(*)::int as persons from ind_person_month where ${IN_MONTH} group by 1, 2`);
/**
 * A day's refresh has the month's persons already: the periods' counts (moved by difference first) include each month's
 * (period key 'YYYY-MM'), so the month's person rows need not be counted again.
 */
const REGION_ROLLUP_DAY = regionRollup(
  `select region_code, to_date(period_key, 'YYYY-MM') as month, persons from ind_region_period
   where period_key = any(array(select to_char(m, 'YYYY-MM') from unnest($1::date[]) m)) and ${R}`,
);
const ROLLUPS = [instRollup(IN_MONTH), doctorRollup(IN_MONTH), personRollup(IN_MONTH), REGION_ROLLUP, dxRollup(IN_MONTH)];

/**
 * Fee lines of the valid visits (reversed settlements stay out, as in ind_visits), per institution, month and item.
 * A fee line carries its settlement's region, institution and time, so the lines are aggregated where they lie,
 * partition by partition, with an anti-join on the few reversed settlements — not joined to ind_visits first:
 * that join sorted 3.3M lines on disk (13.6 s at 1M settlements; 6.4 s this way, same rows).
 */
const items = (and = '') => `
insert into ind_item_month (region_code, month, fixmedins_code, hilist_code, hilist_name, med_chrgitm_type, amount, lines)
select f.admdvs, date_trunc('month', f.setl_time)::date, f.fixmedins_code, f.hilist_code, max(f.hilist_name), max(f.med_chrgitm_type),
  coalesce(sum(f.det_item_fee_sumamt), 0), count(*)::int
from fee_details f
where f.setl_time >= $1::date::timestamp at time zone 'Asia/Shanghai'
  and f.setl_time < $3::date::timestamp at time zone 'Asia/Shanghai'
  and ($2::text[] is null or f.admdvs = any($2))
  and not exists (select 1 from settlements s where s.admdvs = f.admdvs and s.setl_id = f.setl_id and s.setl_time = f.setl_time
    and (s.reversed or s.refd_setl_flag)
    -- the range as constants: the probe goes to the line's own partition, not to all twelve
    and s.setl_time >= $1::date::timestamp at time zone 'Asia/Shanghai' and s.setl_time < $3::date::timestamp at time zone 'Asia/Shanghai') ${and}
group by 1, 2, 3, 4`;
const ITEMS = items();

const MONTH_TABLES = ['ind_visits', 'ind_institution_month', 'ind_doctor_month', 'ind_person_month', 'ind_region_month', 'ind_item_month', 'ind_dx_month'];
export const ROLLUP_TABLES = [...MONTH_TABLES, 'ind_institution_week', 'ind_region_period', 'ind_person_year'];

/**
 * Distinct persons per region and month / quarter / year, from ind_person_month (one row per region, month and
 * person), for the periods containing an affected month. One pass: each person's months of a year become a bit mask
 * (bit 0 = January), and a period counts the persons whose mask meets its own ($1 keys, $3 years, $4 masks).
 * At 1M settlements a December batch counted its month, quarter and year in 2.4 s with a grouping (and a to_char)
 * per kind of period over the year's 650k person-months; one grouping of them takes 0.4 s.
 */
const PERIODS_DELETE = `delete from ind_region_period where period_key = any($1::text[]) and ${R}`;
const PERIODS_INSERT = `
insert into ind_region_period (region_code, period_key, persons)
select p.region_code, k.key, count(*)::int
from (
  select region_code, extract(year from month)::int as y, bit_or(1 << (extract(month from month)::int - 1)) as mask
  from ind_person_month where month >= $5::date and month < $6::date and ${R}
  group by region_code, extract(year from month), psn_no
) p
join unnest($1::text[], $3::int[], $4::int[]) as k(key, y, mask) on k.y = p.y and p.mask & k.mask <> 0
group by 1, 2`;

/**
 * The periods (month, quarter, year) containing the months: their keys, each one's year and its months as a mask of
 * that year (bit 0 = January), and the years' span [from, to) as dates.
 */
function periodsOf(months: string[]): { keys: string[]; years: number[]; masks: number[]; span: [string, string] } {
  const keys = [...new Set(months.flatMap((m) => [m, quarterOf(monthDate(m)), m.slice(0, 4)]))].sort();
  const periods = keys.map(parsePeriod);
  const mask = (p: Period) => p.months.reduce((a, m) => a | (1 << (Number(m.slice(5, 7)) - 1)), 0);
  const years = periods.map((p) => Number(p.from.slice(0, 4)));
  return { keys, years, masks: periods.map(mask), span: [`${Math.min(...years)}-01-01`, `${Math.max(...years) + 1}-01-01`] };
}

async function refreshPeriods(c: pg.ClientBase, months: string[], regions: string[] | null, full: boolean): Promise<void> {
  if (!months.length) return;
  const p = periodsOf(months);
  if (!full) await c.query(PERIODS_DELETE, [p.keys, regions]);
  await c.query(PERIODS_INSERT, [p.keys, regions, p.years, p.masks, ...p.span]);
}

/** Weeks (Monday starts) overlapping [$1, $3) are rebuilt from ind_visits, which holds the neighbouring months too. */
const WEEKS_DELETE = `delete from ind_institution_week where week >= date_trunc('week', $1::date)::date and week < $3::date and ${R}`;
const weeks = (and = '') => `
insert into ind_institution_week (region_code, week, fixmedins_code, visits, persons, total_amt, fund_amt, per_visit)
select region_code, date_trunc('week', setl_time)::date, fixmedins_code collate "C", count(*)::int, count(distinct psn_no collate "C")::int, sum(medfee), sum(fund), sum(medfee)::float8 / count(*)
from ind_visits
where setl_time >= date_trunc('week', $1::date)::timestamp at time zone 'Asia/Shanghai'
  and setl_time < (date_trunc('week', ($3::date - interval '1 day')) + interval '7 days') at time zone 'Asia/Shanghai'
  and month >= (date_trunc('week', $1::date) - interval '1 month')::date and month < ($3::date + interval '1 month')::date
  and ${R} ${and}
group by 3, 2, 1`;
const WEEKS_INSERT = weeks();

/**
 * Growth and budget use for the affected regions and years (and the year after, for YoY).
 * Budget: institutions.annual_budget (总额预算, 晋市医保发〔2022〕22号 五) against fund paid January..month.
 */
const derived = (and = '') => [
  `update ind_institution_month t set per_visit_mom = d.mom, per_visit_yoy = d.yoy, visits_mom = d.vmom, fund_ytd = d.ytd,
     annual_budget = d.budget, budget_use = d.ytd::float8 / nullif(d.budget, 0)
   from (
     select c.region_code, c.month, c.fixmedins_code,
       c.per_visit / nullif(p.per_visit, 0) - 1 as mom,
       c.per_visit / nullif(y.per_visit, 0) - 1 as yoy,
       c.visits::float8 / nullif(p.visits, 0) - 1 as vmom,
       -- year to date as a running sum (a correlated subquery per row was quadratic in months)
       (sum(c.fund_amt) over (partition by c.region_code, c.fixmedins_code, date_trunc('year', c.month) order by c.month))::bigint as ytd,
       b.annual_budget as budget
     from ind_institution_month c
     left join ind_institution_month p on p.region_code = c.region_code and p.fixmedins_code = c.fixmedins_code and p.month = (c.month - interval '1 month')::date
     left join ind_institution_month y on y.region_code = c.region_code and y.fixmedins_code = c.fixmedins_code and y.month = (c.month - interval '1 year')::date
     left join lateral (select annual_budget from institutions i where i.fixmedins_code = c.fixmedins_code
         order by (i.region_code = c.region_code) desc limit 1) b on true
     where extract(year from c.month)::int = any($1::int[]) and ($2::text[] is null or c.region_code = any($2)) ${and}
   ) d
   where t.region_code = d.region_code and t.month = d.month and t.fixmedins_code = d.fixmedins_code`,
  `update ind_region_month t set per_visit_mom = d.mom, per_visit_yoy = d.yoy
   from (
     select c.region_code, c.month, c.per_visit / nullif(p.per_visit, 0) - 1 as mom, c.per_visit / nullif(y.per_visit, 0) - 1 as yoy
     from ind_region_month c
     left join ind_region_month p on p.region_code = c.region_code and p.month = (c.month - interval '1 month')::date
     left join ind_region_month y on y.region_code = c.region_code and y.month = (c.month - interval '1 year')::date
     where extract(year from c.month)::int = any($1::int[]) and ($2::text[] is null or c.region_code = any($2))
   ) d
   where t.region_code = d.region_code and t.month = d.month`,
];
const DERIVED = derived();

/**
 * A full rebuild writes ind_visits (~1 row per settlement) into an empty table: building its indexes once
 * afterwards costs less than maintaining them row by row (at 1M settlements: 9.5 s insert + 5.9 s index builds
 * instead of 23.5 s). The same holds for the two large rollups, person-month (~0.7 per settlement) and
 * item-month (~0.4), whose rows arrive in hash or partition order, not index order. The definitions are read
 * from the catalogue, so the migrations stay their only source. Inside the transaction: a failure restores
 * the indexes with everything else.
 */
async function withoutIndexes(c: pg.ClientBase, tables: string[], fn: () => Promise<void>): Promise<void> {
  const r = await c.query<{ name: string; def: string }>(
    `select i.indexname as name, i.indexdef as def from pg_indexes i
      where i.schemaname = current_schema() and i.tablename = any($1)
        and not exists (select 1 from pg_constraint k where k.conname = i.indexname)`,
    [tables],
  );
  for (const x of r.rows) await c.query(`drop index "${x.name.replace(/"/g, '')}"`);
  await fn();
  for (const x of r.rows) await c.query(x.def);
}

/**
 * A full rebuild's INSERT … SELECT run as CREATE TABLE AS + INSERT of its rows: Postgres plans no parallel workers for an
 * INSERT, but does for the query of a CREATE TABLE AS, so the scan, join and grouping run on every core (at 1M
 * settlements the institution rollup 4.4 → 2.3 s, its 21k rows then copied in milliseconds). Rollups whose rows are
 * few gain most; the visits' features (1M rows, which would be written twice) and the items (below) are inserted as before.
 */
async function insertInParallel(c: pg.ClientBase, insert: string, params: unknown[]): Promise<number> {
  const m = /^\s*insert into (\w+) \(([^)]*)\)\s*(select[\s\S]*)$/i.exec(insert);
  if (!m) throw new Error(`insertInParallel: not an INSERT … SELECT: ${insert.slice(0, 80)}`);
  const [, table, cols] = m as unknown as [string, string, string, string];
  await c.query(`create temp table rollup_rows (${cols}) on commit drop as ${m[3]}`, params);
  const n = (await c.query(`insert into ${table} (${cols}) select ${cols} from rollup_rows`)).rowCount ?? 0;
  await c.query('drop table rollup_rows');
  return n;
}

function shiftMonth(m: string, k: number): string {
  const [y, mo] = m.split('-').map(Number) as [number, number];
  const i = y * 12 + (mo - 1) + k;
  return `${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`;
}

/** Contiguous runs of months as [from, to) date ranges, so that each run is one statement with partition pruning. */
function monthRuns(months: string[]): Array<[string, string]> {
  const next = (m: string) => shiftMonth(m, 1);
  const runs: Array<[string, string]> = [];
  for (const m of months) {
    const last = runs[runs.length - 1];
    if (last && last[1] === monthDate(m)) last[1] = monthDate(next(m));
    else runs.push([monthDate(m), monthDate(next(m))]);
  }
  return runs;
}

/** Contiguous runs of days ('YYYY-MM-DD') as [from, to) date ranges. */
export function dayRuns(days: string[]): Array<[string, string]> {
  const next = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  const runs: Array<[string, string]> = [];
  for (const d of [...new Set(days)].sort()) {
    const last = runs[runs.length - 1];
    if (last && last[1] === d) last[1] = next(d);
    else runs.push([d, next(d)]);
  }
  return runs;
}

/**
 * A day's refresh. The changed days' features go to a scratch table; the visits of those days that differ from
 * ind_visits are deleted and the new ones inserted, and the keys of both (the groups they belong to) are kept in
 * ind_touched. Every rollup then re-derives exactly those groups (an institution's, doctor's, person's month, an
 * institution's week and items, the region's month) with the rebuild's own GROUP BY — the rows a full rebuild writes,
 * for the work of the groups a day touched.
 */
const DAY_RANGE = `setl_time >= $1::date::timestamp at time zone 'Asia/Shanghai' and setl_time < $3::date::timestamp at time zone 'Asia/Shanghai'
  and month >= date_trunc('month', $1::date)::date and month < $3::date and ${R}`;
const TOUCHED = `create temp table ind_touched (region_code char(6), month date, week date, fixmedins_code text, dr_codg text, psn_no text,
  setl_id text, setl_time timestamptz, added boolean) on commit drop`;
/** a changed visit's groups, and the visit itself (added: inserted by the refresh, not removed) */
const touchedCols = (added: boolean) => `region_code, month, date_trunc('week', setl_time)::date, fixmedins_code, dr_codg, psn_no, setl_id, setl_time, ${added}`;
const DAY_DELETE = `
with d as (
  delete from ind_visits v where ${DAY_RANGE}
    and not exists (select 1 from ind_visits_new n where n.region_code = v.region_code and n.setl_id = v.setl_id and n.setl_time = v.setl_time and ${same('n', 'v')})
  returning ${touchedCols(false)}
) insert into ind_touched select * from d`;
const DAY_INSERT = `
with i as (
  insert into ind_visits (${VISIT_COLS})
  select ${VISIT_COLS} from ind_visits_new n
  -- the person too (a visit is one person's): the probe then goes through the (region, person, time) index
  where not exists (select 1 from ind_visits v where v.month = n.month and v.region_code = n.region_code and v.psn_no = n.psn_no
    and v.setl_id = n.setl_id and v.setl_time = n.setl_time)
  returning ${touchedCols(true)}
) insert into ind_touched select * from i`;
const keyed = (cols: string) => `(${cols}) in (select distinct ${cols} from ind_touched where ${cols.split(', ').map((x) => `${x} is not null`).join(' and ')})`;
const IN_TOUCHED_MONTHS = `month = any($1::date[])`;
const TOUCHED_REGROUP: Array<[string, string, string]> = [
  ['ind_institution_month', 'region_code, month, fixmedins_code', instRollup(`${IN_TOUCHED_MONTHS} and ${keyed('region_code, month, fixmedins_code')}`)],
  ['ind_doctor_month', 'region_code, month, dr_codg', doctorRollup(`${IN_TOUCHED_MONTHS} and ${keyed('region_code, month, dr_codg')}`)],
  ['ind_person_month', 'region_code, month, psn_no', personRollup(`${IN_TOUCHED_MONTHS} and ${keyed('region_code, month, psn_no')}`)],
];
/**
 * the items of the institutions whose visits changed or whose fee lines lie on a changed day (a line may change alone),
 * and the persons of those lines (the rules reading drug lines re-run for them)
 */
const ITEM_KEYS = `
insert into ind_touched (region_code, month, fixmedins_code, psn_no)
select distinct f.admdvs, date_trunc('month', f.setl_time)::date, f.fixmedins_code, f.psn_no from fee_details f
where f.setl_time >= $1::date::timestamp at time zone 'Asia/Shanghai' and f.setl_time < $3::date::timestamp at time zone 'Asia/Shanghai'
  and ($2::text[] is null or f.admdvs = any($2))`;

/**
 * A batch that only inserted new settlements (scope.insertsOnly) and changed no visit the rollups hold: the item rollup
 * gains the fee lines of the visits the refresh added, and nothing else changes. Sums and counts add up exactly and the
 * name and type are maxima, so the rows equal a regrouping of the institutions' months (the property test checks both
 * paths), for the work of the day's lines instead of every line of every touched institution's month.
 */
const ITEMS_NEW = `
select f.admdvs as region_code, date_trunc('month', f.setl_time)::date as month, f.fixmedins_code, f.hilist_code, max(f.hilist_name) as hilist_name,
  max(f.med_chrgitm_type) as med_chrgitm_type, coalesce(sum(f.det_item_fee_sumamt), 0) as amount, count(*)::int as lines
from fee_details f join ind_touched t on t.added and t.region_code = f.admdvs and t.setl_id = f.setl_id and t.setl_time = f.setl_time
where f.setl_time >= $1::date::timestamp at time zone 'Asia/Shanghai' and f.setl_time < $3::date::timestamp at time zone 'Asia/Shanghai'
  and ($2::text[] is null or f.admdvs = any($2))
group by 1, 2, 3, 4`;
/** the visits the refresh added (an insert-only batch's) */
const DAY_ADDED = `create temp table day_added on commit drop as
select n.* from ind_visits_new n join ind_touched t on t.added and t.region_code = n.region_code and t.setl_id = n.setl_id and t.setl_time = n.setl_time`;
/** their diagnoses (one row per visit; summed by addTo) */
const DX_NEW = `select region_code, month, fixmedins_code, dise_codg, 1 as visits, medfee as amount from day_added`;

/**
 * The added visits' institution- and doctor-months gain their sums: counts and amounts add, the exact ln moments add,
 * maxima (type, level, fee class) and minima (a doctor's institution) combine, the ratios follow from the new sums, and
 * distinct persons grow by the persons whose only visits to the group are added ones (their visits to it in ind_visits,
 * which holds the added ones now, probed by the person index). The rows a regrouping writes, for the work of the day's
 * visits (the property test checks both paths).
 */
const newPersons = (col: string) => `
create temp table day_new_${col} on commit drop as
select a.region_code, a.month, a.${col}, count(*)::int as persons from (
  select region_code, month, ${col}, psn_no, count(*) as k from day_added where ${col} is not null group by 1, 2, 3, 4
) a
where (select count(*) from ind_visits v where v.region_code = a.region_code and v.psn_no = a.psn_no and v.month = a.month
    and v.setl_time >= a.month::timestamp at time zone 'Asia/Shanghai' and v.setl_time < (a.month + interval '1 month') at time zone 'Asia/Shanghai'
    and v.${col} = a.${col}) = a.k
group by 1, 2, 3`;
const ADDED_SUMS = `count(*)::int as visits, coalesce(max(p.persons), 0) as persons, sum(medfee) as total_amt, sum(ownpay) as ownpay_amt,
  sum(fund) as fund_amt, sum(exam_amt) as exam_amt, sum(drug_amt) as drug_amt`;
const SUM_COLS = ['visits', 'persons', 'total_amt', 'ownpay_amt', 'fund_amt', 'exam_amt', 'drug_amt'];
const addedSums = (a: string, i?: string): Sums => {
  const x = (c: string) => (i ? `${i}.${c} + ${a}.${c}` : `${a}.${c}`);
  return { visits: x('visits'), persons: x('persons'), total: x('total_amt'), ownpay: x('ownpay_amt'), fund: x('fund_amt'), exam: x('exam_amt'), drug: x('drug_amt') };
};
const plus = (cols: string[]) => cols.map((c) => `${c} = i.${c} + a.${c}`).join(', ');
const instPeerKey = (t: string, fc: string, lv: string) => `${t} || ':' || coalesce('fc' || (${fc})::text, 'lv' || (${lv})::text)`;
const INST_ADD = [
  newPersons('fixmedins_code'),
  `create temp table inst_add on commit drop as
   select d.region_code, d.month, d.fixmedins_code, max(d.fixmedins_type) as fixmedins_type, max(d.hosp_lv) as hosp_lv, max(d.fee_class) as fee_class,
     ${ADDED_SUMS}, ${LN_SUM} as ln_sum, ${LN_SQ} as ln_sq, ${rxDaysCounts()}
   from day_added d left join day_new_fixmedins_code p using (region_code, month, fixmedins_code)
   group by 1, 2, 3`,
  `update ind_institution_month i set fixmedins_type = greatest(i.fixmedins_type, a.fixmedins_type), hosp_lv = greatest(i.hosp_lv, a.hosp_lv),
     fee_class = greatest(i.fee_class, a.fee_class),
     peer_key = ${instPeerKey('greatest(i.fixmedins_type, a.fixmedins_type)', 'greatest(i.fee_class, a.fee_class)', 'greatest(i.hosp_lv, a.hosp_lv)')},
     ${plus([...SUM_COLS, 'ln_sum', 'ln_sq', ...RX_DAYS_COLS.split(', ')])},
     ${ratios(addedSums('a', 'i')).map(([c, e]) => `${c} = ${e}`).join(', ')}
   from inst_add a where i.region_code = a.region_code and i.month = a.month and i.fixmedins_code = a.fixmedins_code`,
  `insert into ind_institution_month (region_code, month, fixmedins_code, fixmedins_type, hosp_lv, fee_class, peer_key, ${COLS}, ln_sum, ln_sq, ${RX_DAYS_COLS})
   select a.region_code, a.month, a.fixmedins_code, a.fixmedins_type, a.hosp_lv, a.fee_class, ${instPeerKey('a.fixmedins_type', 'a.fee_class', 'a.hosp_lv')},
     ${SUM_COLS.map((c) => `a.${c}`).join(', ')}, ${ratios(addedSums('a')).map(([, e]) => e).join(', ')}, a.ln_sum, a.ln_sq, ${RX_DAYS_COLS.split(', ').map((c) => `a.${c}`).join(', ')}
   from inst_add a
   where not exists (select 1 from ind_institution_month i where i.region_code = a.region_code and i.month = a.month and i.fixmedins_code = a.fixmedins_code)`,
];
// a doctor's peer key is max(type) || ':lv' || max(level): the kept key's parts combine with the added visits'
const DOCTOR_ADD = [
  newPersons('dr_codg'),
  `create temp table doctor_add on commit drop as
   select d.region_code, d.month, d.dr_codg, min(d.fixmedins_code) as fixmedins_code, max(d.fixmedins_type) as t, max(d.hosp_lv) as lv,
     ${ADDED_SUMS}, count(*) filter (where d.n_drug_lines > 0)::int as rx_count, sum(d.drug_amt) as rx_amt
   from day_added d left join day_new_dr_codg p using (region_code, month, dr_codg)
   where d.dr_codg is not null
   group by 1, 2, 3`,
  `update ind_doctor_month i set fixmedins_code = least(i.fixmedins_code, a.fixmedins_code),
     peer_key = greatest(split_part(i.peer_key, ':lv', 1), a.t) || ':lv' || greatest(split_part(i.peer_key, ':lv', 2)::int, a.lv)::text,
     ${plus([...SUM_COLS, 'rx_count', 'rx_amt'])},
     ${ratios(addedSums('a', 'i')).map(([c, e]) => `${c} = ${e}`).join(', ')}
   from doctor_add a where i.region_code = a.region_code and i.month = a.month and i.dr_codg = a.dr_codg`,
  `insert into ind_doctor_month (region_code, month, dr_codg, fixmedins_code, peer_key, ${COLS}, rx_count, rx_amt)
   select a.region_code, a.month, a.dr_codg, a.fixmedins_code, a.t || ':lv' || a.lv::text,
     ${SUM_COLS.map((c) => `a.${c}`).join(', ')}, ${ratios(addedSums('a')).map(([, e]) => e).join(', ')}, a.rx_count, a.rx_amt
   from doctor_add a
   where not exists (select 1 from ind_doctor_month i where i.region_code = a.region_code and i.month = a.month and i.dr_codg = a.dr_codg)`,
];

/**
 * An additive rollup gains rows: `parts` (each a select of the table's columns, e.g. one per run of days) summed to one
 * row per key in a scratch table, then each sum added to its key's row and the keys not there yet inserted. `nullable`
 * keys compare through coalesce (= stays hashable: IS NOT DISTINCT FROM made the planner loop over every item of each
 * institution); one source row per key (an UPDATE … FROM with two source rows for a target applies only one of them).
 */
async function addTo(
  c: pg.ClientBase,
  t: { table: string; keys: string[]; nullable?: string; sums: string[]; maxes?: string[] },
  parts: Array<[string, unknown[]]>,
): Promise<void> {
  const maxes = t.maxes ?? [];
  const cols = [...t.keys, ...maxes, ...t.sums].join(', ');
  const scratch = `${t.table}_add`;
  await c.query(`create temp table ${scratch} on commit drop as select ${cols} from ${t.table} where false`);
  for (const [q, params] of parts) await c.query(`insert into ${scratch} (${cols}) ${q}`, params);
  await c.query(`create temp table ${scratch}_n on commit drop as
    select ${[...t.keys, ...maxes.map((m) => `max(${m}) as ${m}`), ...t.sums.map((x) => `sum(${x}) as ${x}`)].join(', ')}
    from ${scratch} group by ${t.keys.join(', ')}`);
  await c.query(`analyze ${scratch}_n`);
  const same = t.keys.map((k) => (k === t.nullable ? `coalesce(i.${k}, '') = coalesce(n.${k}, '')` : `i.${k} = n.${k}`)).join(' and ');
  const set = [...t.sums.map((x) => `${x} = i.${x} + n.${x}`), ...maxes.map((m) => `${m} = greatest(i.${m}, n.${m})`)].join(', ');
  await c.query(`update ${t.table} i set ${set} from ${scratch}_n n where ${same}`);
  await c.query(`insert into ${t.table} (${cols}) select ${cols} from ${scratch}_n n where not exists (select 1 from ${t.table} i where ${same})`);
}
const ITEM_SUMS = { table: 'ind_item_month', keys: ['region_code', 'month', 'fixmedins_code', 'hilist_code'], nullable: 'hilist_code', sums: ['amount', 'lines'], maxes: ['hilist_name', 'med_chrgitm_type'] };
const DX_SUMS = { table: 'ind_dx_month', keys: ['region_code', 'month', 'fixmedins_code', 'dise_codg'], nullable: 'dise_codg', sums: ['visits', 'amount'] };
/** a person's year gains the added visits' sums; its category is the maximum, as personYear and personRollup take it */
const PERSON_YEAR_SUMS = { table: 'ind_person_year', keys: ['region_code', 'year', 'psn_no'], sums: ['visits', 'total_amt', 'ownpay_amt', 'fund_amt'], maxes: ['psn_type'] };
const PERSON_YEAR_NEW = `select region_code, make_date(extract(year from month)::int, 1, 1) as year, psn_no, psn_type, 1 as visits, medfee as total_amt,
  ownpay as ownpay_amt, fund as fund_amt from day_added`;

/**
 * Distinct persons per period after a day's batch, by difference: only the touched persons' months can have changed, so
 * a period's count moves by how many of them it gains or loses. Their year masks (as PERIODS_INSERT makes them) are
 * taken before and after the person rollup is regrouped; $1 period keys, $2 years from, $3 years to.
 */
const personMasks = (table: string) => `
create temp table ${table} on commit drop as
select p.region_code, extract(year from p.month)::int as y, p.psn_no, bit_or(1 << (extract(month from p.month)::int - 1)) as mask
from ${TOUCHED_PERSON_MONTHS('$1::date', '$2::date')}
group by 1, 2, 3`;
const PERIODS_DELTA = `
create temp table ind_period_delta on commit drop as
with k as (select * from unnest($1::text[], $2::int[], $3::int[]) as k(key, y, mask)),
hits as (
  select p.region_code, k.key, 1 as n from pm_new p join k on k.y = p.y and p.mask & k.mask <> 0
  union all
  select p.region_code, k.key, -1 from pm_old p join k on k.y = p.y and p.mask & k.mask <> 0
)
select region_code, key, sum(n)::int as delta from hits group by 1, 2 having sum(n) <> 0`;

async function refreshPeriodsByDelta(c: pg.ClientBase, months: string[], measure: () => Promise<void>): Promise<void> {
  const p = periodsOf(months);
  await c.query(personMasks('pm_old'), p.span);
  await measure();
  await c.query(personMasks('pm_new'), p.span);
  await c.query(PERIODS_DELTA, [p.keys, p.years, p.masks]);
  await c.query(`update ind_region_period r set persons = r.persons + d.delta from ind_period_delta d where d.region_code = r.region_code and d.key = r.period_key`);
  await c.query(`insert into ind_region_period (region_code, period_key, persons)
    select d.region_code, d.key, d.delta from ind_period_delta d
    where not exists (select 1 from ind_region_period r where r.region_code = d.region_code and r.period_key = d.key)`);
  await c.query(`delete from ind_region_period r using ind_period_delta d where d.region_code = r.region_code and d.key = r.period_key and r.persons = 0`);
}

async function refreshDays(c: pg.ClientBase, days: string[], regions: string[] | null, insertsOnly: boolean): Promise<RefreshResult> {
  const runs = dayRuns(days);
  const months = normaliseMonths(days);
  const mdates = months.map(monthDate);
  await analyzeStaleFacts(c, [...new Set(months.flatMap((m) => [0, 1, 2, 3].map((k) => shiftMonth(m, -k))))], true);
  await c.query(VISITS_SCRATCH);
  await c.query(TOUCHED);
  let visits = 0;
  for (const [from, to] of runs) visits += (await c.query(features('ind_visits_new'), [from, regions, to])).rowCount ?? 0;
  let removed = 0;
  for (const [from, to] of runs) removed += (await c.query(DAY_DELETE, [from, regions, to])).rowCount ?? 0;
  await c.query(DAY_INSERT);
  // additive: the batch inserted only, and no visit the rollups hold changed or went (a changed fee line changes its visit)
  const additive = insertsOnly && removed === 0;
  if (!additive) for (const [from, to] of runs) await c.query(ITEM_KEYS, [from, regions, to]);
  await c.query('analyze ind_touched');
  const tm = await c.query<{ m: string; r: string }>(`select distinct to_char(month, 'YYYY-MM') as m, region_code as r from ind_touched`);
  const tMonths = normaliseMonths(tm.rows.map((x) => x.m));
  const tRegions = [...new Set(tm.rows.map((x) => x.r))];
  if (additive) await c.query(DAY_ADDED);
  const regroup = async () => {
    for (const [table, cols, insert] of TOUCHED_REGROUP) {
      // an insert-only batch adds to its institutions' and doctors' months; a person's month is a few visits, regrouped
      if (additive && table !== 'ind_person_month') continue;
      await c.query(`delete from ${table} where ${IN_TOUCHED_MONTHS} and ${keyed(cols)}`, [mdates]);
      await c.query(insert, [mdates]);
    }
    if (additive) for (const q of [...INST_ADD, ...DOCTOR_ADD]) await c.query(q);
    // the touched persons' years: an insert-only batch's visits added to them, otherwise regrouped from their months
    // (every month of the year probed for each person: 0.44–0.70 s of a 1M-settlement day's refresh; adding, 0.17 s)
    if (additive) return addTo(c, PERSON_YEAR_SUMS, [[PERSON_YEAR_NEW, []]]);
    const years = [...new Set(tMonths.map((m) => `${m.slice(0, 4)}-01-01`))].sort();
    await c.query(`${PERSON_YEAR_DELETE} and ${TOUCHED_PERSONS}`, [years, tRegions]);
    await c.query(personYear(years, TOUCHED_PERSON_MONTHS(...yearSpan(years))), [years, tRegions]);
  };
  if (tMonths.length) await refreshPeriodsByDelta(c, tMonths, regroup);
  else await regroup();
  if (tMonths.length) {
    const p = [tMonths.map(monthDate), tRegions];
    await c.query(`delete from ind_region_month where ${IN_MONTH}`, p);
    await c.query(REGION_ROLLUP_DAY, p);
    if (additive) {
      // the new lines' and visits' sums, each added to its item's and diagnosis's row
      await addTo(c, ITEM_SUMS, runs.map(([from, to]) => [ITEMS_NEW, [from, regions, to]]));
      await addTo(c, DX_SUMS, [[DX_NEW, []]]);
    }
    else {
      // items and diagnoses of the touched institutions' months: their fee lines and visits of those months are grouped again
      const touchedInst = keyed('region_code, month, fixmedins_code');
      await c.query(`delete from ind_dx_month where ${IN_TOUCHED_MONTHS} and ${touchedInst}`, [p[0]]);
      await c.query(dxRollup(`${IN_TOUCHED_MONTHS} and ${touchedInst}`), [p[0]]);
      await c.query(`delete from ind_item_month where ${IN_TOUCHED_MONTHS} and ${touchedInst}`, [p[0]]);
      for (const m of tMonths) {
        await c.query(items(`and (f.admdvs, f.fixmedins_code) in
          (select distinct region_code, fixmedins_code from ind_touched where fixmedins_code is not null and month = $1::date)`), [monthDate(m), tRegions, monthDate(shiftMonth(m, 1))]);
      }
    }
    await c.query(`delete from ind_institution_week where ${keyed('region_code, week, fixmedins_code')}`);
    const wk = await c.query<{ from: string; to: string }>(
      `select to_char(min(week), 'YYYY-MM-DD') as from, to_char(max(week) + 7, 'YYYY-MM-DD') as to from ind_touched where week is not null`,
    );
    const w = wk.rows[0];
    if (w?.from && w.to) await c.query(weeks(`and ${keyed('region_code, week, fixmedins_code').replace('(region_code, week,', "(region_code, date_trunc('week', setl_time)::date,")}`), [w.from, tRegions, w.to]);
    const years = [...new Set(tMonths.flatMap((m) => [Number(m.slice(0, 4)), Number(m.slice(0, 4)) + 1]))];
    // an institution's growth and budget use read its own months only: those of the touched institutions
    for (const q of derived(`and (c.region_code, c.fixmedins_code) in (select distinct region_code, fixmedins_code from ind_touched where fixmedins_code is not null)`)) {
      await c.query(q, [years, tRegions]);
    }
  }
  const ps = await c.query<{ p: string }>('select distinct psn_no as p from ind_touched where psn_no is not null');
  return { months: tMonths.length ? tMonths : months, regions: regions ?? 'all', visits, persons: ps.rows.map((x) => x.p) };
}

/**
 * Refreshes the rollups for the scope's months and regions (all months and regions with `full`).
 * Set-based: one feature pass per contiguous run of months (one for a full rebuild), then each rollup
 * is one GROUP BY over ind_visits for all affected months. Growth of the month after an affected
 * month is re-derived too (its MoM reads the affected month).
 */
export async function refreshIndicators(db: Db, scope: PipelineScope): Promise<RefreshResult> {
  return inTransaction(db, async (c) => {
    const full = scope.full === true;
    const regions = full || scope.regionCodes.length === 0 ? null : [...new Set(scope.regionCodes)];
    // On Citus a day's scope is refreshed as its months: the day path's scratch tables live on the coordinator and its
    // RETURNING clauses compute weeks in the session's time zone, both of which Citus refuses (docs/scale-out.md)
    if (!full && scope.days?.length && !(await isDistributed(c))) {
      const r = await refreshDays(c, scope.days, regions, scope.insertsOnly === true);
      scope.persons = r.persons;
      return r;
    }
    const months = full ? await partitionMonths(c) : normaliseMonths(scope.months);
    // the affected months and the 3 before them (rules look back up to 90 days)
    await analyzeStaleFacts(c, full ? null : [...new Set(months.flatMap((m) => [0, 1, 2, 3].map((k) => shiftMonth(m, -k))))]);
    const mdates = months.map(monthDate);
    if (full) await c.query(`truncate ${ROLLUP_TABLES.join(', ')}`);
    else for (const t of MONTH_TABLES) if (t !== 'ind_visits') await c.query(`delete from ${t} where ${IN_MONTH}`, [mdates, regions]);
    let visits = 0;
    let written = 0;
    const runs = monthRuns(months);
    if (full) {
      await withoutIndexes(c, ['ind_visits'], async () => {
        for (const [from, to] of runs) visits += (await c.query(features('ind_visits'), [from, regions, to])).rowCount ?? 0;
      });
      written = visits;
    } else if (await isDistributed(c)) {
      // Citus: the scratch table would be local to the coordinator and cannot be anti-joined with the shards; the
      // months are rewritten instead (the same rows, see above), each shard its own regions
      await c.query(`delete from ind_visits where ${IN_MONTH}`, [mdates, regions]);
      for (const [from, to] of runs) visits += (await c.query(features('ind_visits'), [from, regions, to])).rowCount ?? 0;
      written = visits;
    } else {
      await c.query(VISITS_SCRATCH);
      for (const [from, to] of runs) visits += (await c.query(features('ind_visits_new'), [from, regions, to])).rowCount ?? 0;
      written += (await c.query(VISITS_DELETE_CHANGED, [mdates, regions])).rowCount ?? 0;
      written += (await c.query(VISITS_INSERT_CHANGED, [mdates])).rowCount ?? 0;
    }
    // the rows just written are visible to ANALYZE in this transaction, and the rollups and rules plan with them;
    // a change of under 10 % of the months' visits leaves the statistics as they are (autovacuum's own threshold)
    if (written > 0.1 * visits) await c.query('analyze ind_visits');
    // (on Citus the shards group in parallel already, where the rows stay: a CREATE TABLE AS would bring them to the coordinator)
    const parallel = full && !(await isDistributed(c));
    const insert = (q: string, params: unknown[]) => (parallel ? insertInParallel(c, q, params) : c.query(q, params));
    const rollups = async () => {
      if (months.length) for (const q of ROLLUPS) await insert(q, [mdates, regions]);
      // (the items' 400k groups of 3.3M lines: partial groupings in the workers and a final one cost more than they save)
      for (const [from, to] of runs) await c.query(ITEMS, [from, regions, to]);
    };
    if (full) await withoutIndexes(c, ['ind_person_month', 'ind_item_month', 'ind_dx_month'], rollups);
    else await rollups();
    // the persons' years of the months (whole years: a month's change moves its year's sums)
    const pyears = [...new Set(months.map((m) => `${m.slice(0, 4)}-01-01`))].sort();
    if (!full) await c.query(PERSON_YEAR_DELETE, [pyears, regions]);
    if (pyears.length) await insert(personYear(pyears), [pyears, regions]);
    for (const [from, to] of runs) {
      await c.query(WEEKS_DELETE, [from, regions, to]);
      await insert(WEEKS_INSERT, [from, regions, to]);
    }
    const years = [...new Set(months.flatMap((m) => [Number(m.slice(0, 4)), Number(m.slice(0, 4)) + 1]))];
    await refreshPeriods(c, months, regions, full);
    if (months.length) for (const q of DERIVED) await c.query(q, [years, regions]);
    await c.query(`analyze ${ROLLUP_TABLES.filter((t) => t !== 'ind_visits').join(', ')}`);
    return { months, regions: regions ?? 'all', visits };
  });
}
