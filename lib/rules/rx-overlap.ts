import { forPersons, MONTH_PERIOD, th } from './sql-parts';
import type { Rule } from './types';

/**
 * The rule's core over any set of drug lines (`lines`: region_code, psn_no, hilist_code, setl_id, setl_time, days, amt):
 * each line with prev_end, the latest end of supply of the same person's and drug's earlier lines (not its own
 * visit's); a hit when that supply still runs more than rxOverlapDays into the line. Monitoring reads the fee lines of
 * the scope; the real-time check the person's lines of the look-back with the orders being checked (lib/realtime).
 */
export const overlapRows = (lines: string) => `
  select l.*, max(l.setl_time + l.days * interval '1 day') over (partition by region_code, psn_no, hilist_code order by setl_time, setl_id
    range between unbounded preceding and current row exclude group) as prev_end
  from ${lines} l`;
export const RX_OVERLAP_HIT = `prev_end - setl_time > ${th('rxOverlapDays')} * interval '1 day'`;

/**
 * Same person, same drug (hilist_code): the supply of an earlier visit still runs more than N days
 * into a later visit. Reads the drug lines (with a 90-day look-back) once; one alert per person-month.
 *
 * Written for one sort of the drug lines (at 1M settlements: 2.0M lines, 9–10 s → 6–7 s, same alerts):
 * - lines are not grouped per settlement first: the window frame excludes the current settlement's own
 *   lines (`range … exclude group`, peers = same time and setl_id), so a drug billed twice in one visit
 *   never overlaps itself, as the grouping guaranteed;
 * - reversed settlements are anti-joined (a few) instead of joining every line to ind_visits;
 * - the sort keys are compared as "C" (codes are ASCII; the database's C.UTF-8 goes through strcoll);
 * - `admdvs = any($2::bpchar[])`: admdvs is char(6), and against text[] the column is cast and its
 *   statistics are lost (the planner expected 1,510 of 231,879 lines a month and chose an on-disk sort
 *   after a nested plan).
 */
const DRUG_LINE = `f.med_chrgitm_type in ('09', '10', '11') and f.hilist_code is not null and f.medc_days > 0`;
const LINE_RANGE = `f.setl_time >= $4::date::timestamp at time zone 'Asia/Shanghai' - ${th('rxOverlapLookbackDays')} * interval '1 day'
    and f.setl_time < $5::date::timestamp at time zone 'Asia/Shanghai'`;

export const rxOverlap: Rule = {
  id: 'RX-OVERLAP',
  nameZh: '重复开药（同药供药期重叠）',
  resultType: 'suspicious',
  window: '90 days',
  scenario: '医院门诊、定点药店',
  stage: 'post',
  subject: 'insured',
  severity: 'medium',
  thresholds: ['rxOverlapDays', 'rxOverlapLookbackDays'],
  unit: 'days',
  personLocal: true,
  template: '{subject} {period} 有 {n} 笔购药与此前同一药品的供药期重叠超过 {threshold}（最长重叠 {value}），涉及药品 {extra.drugs}；依据 {basis}',
  sql: `
with lines as (
  -- everyone ($6 null): every drug line of the scope, the reversed settlements' anti-joined
  select f.admdvs as region_code, f.psn_no collate "C" as psn_no, f.hilist_code collate "C" as hilist_code,
    f.setl_id collate "C" as setl_id, f.setl_time, f.medc_days as days, f.det_item_fee_sumamt as amt
  from fee_details f
  where $6::text[] is null and f.admdvs = any($2::bpchar[]) and ${DRUG_LINE} and ${LINE_RANGE}
    and not exists (select 1 from settlements s where s.admdvs = f.admdvs and s.setl_id = f.setl_id and s.setl_time = f.setl_time
      and (s.reversed or s.refd_setl_flag))
  union all
  -- some persons (a day's batch): their valid visits (ind_visits, by person: region as char(6), so that the index is
  -- used) and each visit's lines probed by its key (LATERAL: with a few thousand visits estimated the planner hashed
  -- every drug line of the look-back instead; 600 → 250 ms for a day's 3.6k persons at 1M settlements)
  select f.admdvs, f.psn_no collate "C", f.hilist_code collate "C", f.setl_id collate "C", f.setl_time, f.medc_days, f.det_item_fee_sumamt
  from ind_visits v cross join lateral (
    select * from fee_details f where f.admdvs = v.region_code and f.setl_id = v.setl_id and f.setl_time = v.setl_time and ${DRUG_LINE} and ${LINE_RANGE}
    offset 0 -- (kept a subquery: flattened into the join, it was hashed again)
  ) f
  where v.region_code = any($2::bpchar[]) and ${forPersons('v.psn_no')} and $6::text[] is not null
    and v.setl_time >= $4::date::timestamp at time zone 'Asia/Shanghai' - ${th('rxOverlapLookbackDays')} * interval '1 day'
    and v.setl_time < $5::date::timestamp at time zone 'Asia/Shanghai'
),
seq as (${overlapRows('lines')}),
hits as (
  select *, date_trunc('month', setl_time)::date as month, extract(epoch from prev_end - setl_time) / 86400 as overlap from seq
  where ${RX_OVERLAP_HIT}
    and date_trunc('month', setl_time)::date = any($1::date[])
)
select region_code, 'insured' as subject_type, psn_no as subject_id, ${MONTH_PERIOD},
  round(max(overlap))::float8 as value, ${th('rxOverlapDays')} as threshold, count(distinct setl_id)::int as n, sum(amt)::bigint as amount,
  array_agg(distinct setl_id order by setl_id) as setl_ids, jsonb_build_object('drugs', string_agg(distinct hilist_code, '、')) as extra
from hits group by region_code, psn_no, month`,
};
