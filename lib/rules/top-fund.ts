import { th, YEAR_PERIOD } from './sql-parts';
import type { Rule } from './types';

/**
 * Insured persons whose outpatient use in a year is far above peers (same region, same person category
 * 在职/退休). The fund paid is bounded by the annual cap, so many ordinary heavy users (chronic,
 * retired) end the year at the cap; what sets an abuser apart is the demand behind it. Persons are
 * therefore ranked by their policy-range cost (符合政策范围费用 = total − 全自费, not capped), on a log
 * scale (money is right-skewed): robust z = (ln v − median ln v) / (1.4826·MAD), and the multiple of the
 * peer median. All three conditions must hold: percentile, log robust z and multiple, plus a minimum
 * fund paid so that small sums never rank.
 */
export const topFund: Rule = {
  id: 'TOP-FUND',
  nameZh: '参保人统筹基金使用额偏高',
  resultType: 'suspicious',
  window: 'year',
  scenario: '医院门诊、定点药店',
  stage: 'post',
  subject: 'insured',
  severity: 'medium',
  thresholds: ['topFundPercentile', 'topFundLogZ', 'topFundMinRatio', 'topFundMinFundFen', 'minPeerSize'],
  unit: 'yuan',
  // ranked by the year's policy-range cost among persons of the same category (extra.group), as the query does
  peer: { group: '同统筹区同类人员（在职/退休，同年）', percentileKey: 'topFundPercentile', zKey: 'topFundLogZ', source: { table: 'ind_person_month', subjectColumn: 'psn_no', metric: 'total_amt - ownpay_amt', window: 'year' } },
  template:
    '{subject} {period} 年度政策范围内医疗费用 {extra.inscp} 元（{extra.visits} 次就诊），为同统筹区同类人员中位数 {extra.peer_inscp} 元的 {extra.ratio} 倍，位于第 {pct} 百分位，对数稳健 z 值 {z}；统筹基金已支付 {amount}（阈值：第 {th.topFundPercentile%} 百分位、z ≥ {th.topFundLogZ} 且 ≥ 中位数 {th.topFundMinRatio} 倍）；依据 {basis}',
  sql: `
with yrs as (select distinct date_trunc('year', m)::date as y from unnest($1::date[]) m),
base as (
  -- the person's year (ind_person_year, kept by the indicator refresh): grouping the year's person-months here cost a
  -- day's batch as much as a full recompute
  select region_code, year as y, psn_no, left(psn_type, 2) as grp, fund_amt::float8 as fund, (total_amt - ownpay_amt)::float8 as inscp, visits
  from ind_person_year
  where region_code = any($2::text[]) and year in (select y from yrs)
),
pos as (select *, ln(inscp) as lv from base where inscp > 0),
med as (select region_code, y, grp, count(*) as peer_n, percentile_cont(0.5) within group (order by lv) as med from pos group by 1, 2, 3),
-- materialized, as the groups' medians are: inlined, the planner re-ran the grouping for each candidate (20 s)
mad as materialized (
  select b.region_code, b.y, b.grp, percentile_cont(0.5) within group (order by abs(b.lv - m.med)) as mad
  from pos b join med m using (region_code, y, grp) group by 1, 2, 3
),
-- Only a person at or above the minimum multiple of the median can alert, and every person costing as much as such a
-- candidate is one too: a candidate's percent_rank, (persons below it) ÷ (n − 1), counts the candidates at or above it
-- (RANGE: ties included) instead of ranking every person of the group (a sort of the year's 110k persons by four keys
-- cost 0.45 of this rule's 0.9 s at 1M settlements, for a day's batch as for a full run; the same alerts, compared row by row)
cand as (
  select b.*, m.peer_n, m.med, b.inscp / exp(m.med) as ratio from pos b join med m using (region_code, y, grp)
  where b.inscp / exp(m.med) >= ${th('topFundMinRatio')}
),
ranked as (
  select c.*, (c.peer_n - count(*) over (partition by region_code, y, grp order by inscp desc range between unbounded preceding and current row))::float8
    / nullif(c.peer_n - 1, 0) as pct
  from cand c
),
scored as (
  select r.*, d.mad, case when d.mad > 0 then (r.lv - r.med) / (1.4826 * d.mad) when r.lv > r.med then 99 else 0 end as z
  from ranked r join mad d using (region_code, y, grp)
)
select region_code, 'insured' as subject_type, psn_no as subject_id, ${YEAR_PERIOD},
  -- value, threshold and median in the same unit (policy-range cost, fen): the threshold is the multiple of the
  -- median the person had to reach; the fund paid is the amount at stake
  inscp as value, exp(med) * ${th('topFundMinRatio')} as threshold, exp(med) as peer_median, pct as percentile, z as robust_z, peer_n, visits as n, fund::bigint as amount,
  jsonb_build_object('visits', visits, 'group', grp, 'mad', mad, 'inscp', to_char(inscp / 100.0, 'FM999999990.00'),
    'peer_inscp', to_char(exp(med) / 100.0, 'FM999999990.00'), 'ratio', to_char(ratio, 'FM9990.0')) as extra
from scored
where peer_n >= ${th('minPeerSize')} and pct >= ${th('topFundPercentile')} and z >= ${th('topFundLogZ')} and ratio >= ${th('topFundMinRatio')}
  and fund >= ${th('topFundMinFundFen')}`,
};
