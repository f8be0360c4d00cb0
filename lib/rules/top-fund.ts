import { BASIS, th, YEAR_PERIOD } from './sql-parts';
import type { Rule } from './types';

/** Insured persons whose fund use in a year is far above peers (same region and person category). */
export const topFund: Rule = {
  id: 'TOP-FUND',
  nameZh: '参保人统筹基金使用额偏高',
  basis: [BASIS.monitoring, BASIS.regulation41],
  resultType: 'suspicious',
  window: 'year',
  scenario: '医院门诊、定点药店',
  stage: 'post',
  subject: 'insured',
  severity: 'medium',
  thresholds: ['topFundPercentile', 'robustZ', 'topFundMinFundFen', 'minPeerSize'],
  unit: 'yuan',
  peer: { table: 'ind_person_month', subjectColumn: 'psn_no', metric: 'fund_amt' },
  template:
    '{subject} {period} 年度统筹基金支付 {value}（{extra.visits} 次就诊），同统筹区同类人员中位数 {median}，位于第 {pct} 百分位，稳健 z 值 {z}（阈值：第 95 百分位且 z ≥ 3）；依据 {basis}',
  sql: `
with yrs as (select distinct date_trunc('year', m)::date as y from unnest($1::date[]) m),
base as (
  select region_code, date_trunc('year', month)::date as y, psn_no, left(max(psn_type), 2) as grp, sum(fund_amt)::float8 as v, sum(visits)::int as visits
  from ind_person_month
  where region_code = any($2::text[]) and date_trunc('year', month)::date in (select y from yrs)
  group by 1, 2, 3
),
ranked as (select b.*, count(*) over w as peer_n, percent_rank() over (w order by v) as pct from base b window w as (partition by region_code, y, grp)),
med as (select region_code, y, grp, percentile_cont(0.5) within group (order by v) as med from base group by 1, 2, 3),
mad as (
  select b.region_code, b.y, b.grp, percentile_cont(0.5) within group (order by abs(b.v - m.med)) as mad
  from base b join med m using (region_code, y, grp) group by 1, 2, 3
),
scored as (
  select r.*, m.med, d.mad, case when d.mad > 0 then (r.v - m.med) / (1.4826 * d.mad) when r.v > m.med then 99 else 0 end as z
  from ranked r join med m using (region_code, y, grp) join mad d using (region_code, y, grp)
)
select region_code, 'insured' as subject_type, psn_no as subject_id, ${YEAR_PERIOD},
  v as value, ${th('topFundPercentile')} as threshold, med as peer_median, pct as percentile, z as robust_z, peer_n, visits as n, v::bigint as amount,
  jsonb_build_object('visits', visits, 'group', grp, 'mad', mad) as extra
from scored
where peer_n >= ${th('minPeerSize')} and pct >= ${th('topFundPercentile')} and z >= ${th('robustZ')} and v >= ${th('topFundMinFundFen')}`,
};
