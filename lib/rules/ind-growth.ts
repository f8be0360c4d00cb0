import { BASIS, MONTH_PERIOD, th } from './sql-parts';
import type { Rule } from './types';

/**
 * Per-visit cost growth month on month ≥ threshold AND far outside this month's growth of the region's
 * institutions of the same type (robust z of the growth ≥ growthRobustZ): a winter peak or a price change
 * moves every institution, a jump in one does not. Growth is a ratio, comparable across levels, so the
 * peer group is region × type (wider than level, enough institutions to rank). Both months need a
 * minimum of visits: the mean of a few visits swings by chance.
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
  thresholds: ['growthMom', 'growthRobustZ', 'growthMinVisits', 'growthMinVisitsPrev', 'minPeerSize'],
  unit: 'percent',
  peer: { table: 'ind_institution_month', subjectColumn: 'fixmedins_code', metric: 'per_visit_mom' },
  template:
    '{subject} {period} 次均费用 {extra.per_visit} 元，较上月 {extra.prev_per_visit} 元增长 {value}（阈值 {threshold}），同统筹区同类机构当月增长中位数 {median}，稳健 z 值 {z}，位于第 {pct} 百分位；依据 {basis}',
  sql: `
with base as (
  select c.region_code, c.month, c.fixmedins_type as grp, c.fixmedins_code as subject_id, c.visits,
    c.per_visit / nullif(p.per_visit, 0) - 1 as v, c.per_visit, p.per_visit as prev_per_visit
  from ind_institution_month c
  join ind_institution_month p on p.region_code = c.region_code and p.fixmedins_code = c.fixmedins_code and p.month = (c.month - interval '1 month')::date
  where c.month = any($1::date[]) and c.region_code = any($2::text[]) and c.visits >= ${th('growthMinVisits')} and p.visits >= ${th('growthMinVisitsPrev')}
    and p.per_visit > 0
),
ranked as (
  select b.*, count(*) over w as peer_n, percent_rank() over (w order by v) as pct from base b
  window w as (partition by region_code, month, grp)
),
med as (select region_code, month, grp, percentile_cont(0.5) within group (order by v) as med from base group by 1, 2, 3),
mad as (
  select b.region_code, b.month, b.grp, percentile_cont(0.5) within group (order by abs(b.v - m.med)) as mad
  from base b join med m using (region_code, month, grp) group by 1, 2, 3
)
select r.region_code, 'institution' as subject_type, r.subject_id, ${MONTH_PERIOD},
  r.v as value, ${th('growthMom')} as threshold, m.med as peer_median, r.pct as percentile,
  case when d.mad > 0 then (r.v - m.med) / (1.4826 * d.mad) end as robust_z, r.peer_n, r.visits as n,
  jsonb_build_object('per_visit', to_char(r.per_visit / 100.0, 'FM999999990.00'), 'prev_per_visit', to_char(r.prev_per_visit / 100.0, 'FM999999990.00'), 'peer', r.grp, 'mad', d.mad) as extra
from ranked r join med m using (region_code, month, grp) join mad d using (region_code, month, grp)
where r.v >= ${th('growthMom')} and r.peer_n >= ${th('minPeerSize')} and d.mad > 0 and (r.v - m.med) / (1.4826 * d.mad) >= ${th('growthRobustZ')}`,
};
