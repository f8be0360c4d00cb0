import { forSubjects, IN_SCOPE, MONTH_PERIOD, th } from './sql-parts';
import type { Rule } from './types';

/**
 * The rule's core over any set of visits (`source`: a relation with ind_visits' columns region_code, fixmedins_code,
 * psn_no, month, setl_id, setl_time, fund): each visit with k, the person's visits at that institution that day; a
 * visit is a hit when k reaches splitVisitMin. The monitoring query reads the scope's ind_visits; the real-time check
 * the person's visits that day with the encounter being checked (lib/realtime).
 */
export const splitVisitRows = (source: string) => `
  select region_code, fixmedins_code, psn_no, month, setl_time::date as day, setl_id, setl_time, fund,
    count(*) over (partition by region_code, fixmedins_code, psn_no, setl_time::date) as k
  from ${source}`;
export const SPLIT_VISIT_HIT = `k >= ${th('splitVisitMin')}`;

/** Same person, same institution, same day, ≥ 2 settlements: split visits / split charging. */
export const splitVisit: Rule = {
  id: 'SPLIT-VISIT',
  nameZh: '分解就诊（同人同机构同日多次结算）',
  resultType: 'suspicious',
  window: 'day',
  scenario: '医院门诊',
  stage: 'post',
  subject: 'institution',
  severity: 'medium',
  thresholds: ['splitVisitMin'],
  unit: 'count',
  template: '{subject} {period} 有 {extra.days} 人次·日同一参保人同日多次结算（单日最多 {value} 次，阈值 {threshold}），共 {n} 笔，统筹支付 {amount}；依据 {basis}',
  // an institution's finding counts its own visits per person and day: a changed day can alert only where it holds a split
  local: { changed: `select distinct fixmedins_code as subject_id from (${splitVisitRows('d')}) x where ${SPLIT_VISIT_HIT}` },
  sql: `
with v as (${splitVisitRows(`ind_visits where ${IN_SCOPE} and ${forSubjects('fixmedins_code')}`)})
select region_code, 'institution' as subject_type, fixmedins_code as subject_id, ${MONTH_PERIOD},
  max(k)::float8 as value, ${th('splitVisitMin')} as threshold, count(*)::int as n, sum(fund)::bigint as amount,
  array_agg(setl_id order by setl_time, setl_id) as setl_ids,
  jsonb_build_object('days', count(distinct (psn_no, day)), 'persons', count(distinct psn_no)) as extra
from v where ${SPLIT_VISIT_HIT}
group by region_code, fixmedins_code, month`,
};
