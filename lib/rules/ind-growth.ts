import { BASIS, MONTH_PERIOD, th } from './sql-parts';
import type { Rule } from './types';

/**
 * Per-visit cost growth month on month ≥ threshold, and (where the peer group is large enough to rank)
 * at or above the peer percentile of growth. Small bases are left out (minimum visits both months).
 */
export const indGrowth: Rule = {
  id: 'IND-GROWTH',
  nameZh: '次均费用增长过快',
  basis: [BASIS.monitoring, BASIS.nanchang42],
  resultType: 'suspicious',
  window: 'month',
  scenario: '医院门诊、定点药店',
  stage: 'post',
  subject: 'institution',
  severity: 'medium',
  thresholds: ['growthMom', 'growthMinVisitsPrev', 'minVolume', 'minPeerSize', 'peerPercentile'],
  unit: 'percent',
  peer: { table: 'ind_institution_month', subjectColumn: 'fixmedins_code', metric: 'per_visit_mom' },
  template:
    '{subject} {period} 次均费用 {extra.per_visit} 元，较上月 {extra.prev_per_visit} 元增长 {value}，同级同类机构增长中位数 {median}，位于第 {pct} 百分位，超过阈值 {threshold}；依据 {basis}',
  sql: `
with base as (
  select c.region_code, c.month, c.peer_key, c.fixmedins_code as subject_id, c.visits,
    c.per_visit / nullif(p.per_visit, 0) - 1 as v, c.per_visit, p.per_visit as prev_per_visit, c.total_amt
  from ind_institution_month c
  join ind_institution_month p on p.region_code = c.region_code and p.fixmedins_code = c.fixmedins_code and p.month = (c.month - interval '1 month')::date
  where c.month = any($1::date[]) and c.region_code = any($2::text[]) and c.visits >= ${th('minVolume')} and p.visits >= ${th('growthMinVisitsPrev')}
    and p.per_visit > 0
),
ranked as (
  select b.*, count(*) over w as peer_n, percent_rank() over (w order by v) as pct from base b
  window w as (partition by region_code, month, peer_key)
),
med as (select region_code, month, peer_key, percentile_cont(0.5) within group (order by v) as med from base group by 1, 2, 3)
select r.region_code, 'institution' as subject_type, r.subject_id, ${MONTH_PERIOD},
  r.v as value, ${th('growthMom')} as threshold, m.med as peer_median, case when r.peer_n >= ${th('minPeerSize')} then r.pct end as percentile,
  r.peer_n, r.visits as n,
  jsonb_build_object('per_visit', to_char(r.per_visit / 100.0, 'FM999999990.00'), 'prev_per_visit', to_char(r.prev_per_visit / 100.0, 'FM999999990.00'), 'peer_key', r.peer_key) as extra
from ranked r join med m using (region_code, month, peer_key)
where r.v >= ${th('growthMom')} and (r.peer_n < ${th('minPeerSize')} or r.pct >= ${th('peerPercentile')})`,
};
