import { MONTH_PERIOD, th } from './sql-parts';
import type { Rule } from './types';

/**
 * 次均费用增长 (晋市医保发〔2022〕22号 七.2, 南昌细则第四十二条), tested so that chance does not fire it:
 *  - the statistic is the growth of the typical visit's cost — the geometric mean, exp(mean ln cost) — over the
 *    institution's own baseline, its visits of the previous growthBaselineMonths months pooled. The arithmetic
 *    次均费用 of 50 visits swings by half when two expensive visits fall in one month, and a single previous month
 *    can itself be the odd one; both are shown, the test reads the robust one;
 *  - the rise must be unlikely by chance: Welch's t of the mean log cost, this month against the baseline, ≥
 *    growthMinT (at 4, about one chance finding in 30,000 institution-months);
 *  - and far outside this month's growth of the region's institutions of the same type (robust z ≥ growthRobustZ):
 *    a winter peak or a price change moves every institution, a jump in one does not.
 * Σ ln and Σ ln² per institution-month are kept in ind_institution_month, so this reads rollups only.
 */
const LN_VAR = (n: string, s: string, q: string) => `greatest((${q} - ${s} * ${s} / ${n}) / nullif(${n} - 1, 0), 0)`;

export const indGrowth: Rule = {
  id: 'IND-GROWTH',
  nameZh: '次均费用增长过快',
  resultType: 'suspicious',
  window: 'month',
  baselineMonthsKey: 'growthBaselineMonths',
  // growth is computed inside the query only: the page shows the group's numbers, not its distribution
  peer: { group: '同统筹区同类型机构（同月增长率）', zKey: 'growthRobustZ' },
  scenario: '医院门诊、定点药店',
  stage: 'post',
  subject: 'institution',
  severity: 'medium',
  thresholds: ['growthMom', 'growthMinT', 'growthBaselineMonths', 'growthRobustZ', 'growthMinVisits', 'growthMinVisitsPrev', 'minPeerSize'],
  unit: 'percent',
  template:
    '{subject} {period} 次均费用 {extra.per_visit} 元（上月 {extra.prev_per_visit} 元，环比 {extra.mom}）；单次就诊费用的几何均值 {extra.geo} 元，较前 {extra.base_months} 个月 {extra.base_n} 人次的 {extra.base_geo} 元增长 {value}（阈值 {threshold}），t 值 {extra.t}（≥ {th.growthMinT}，偶然出现的可能极小），同统筹区同类机构当月增长中位数 {median}，稳健 z 值 {z}，位于第 {pct} 百分位；依据 {basis}',
  sql: `
with m as (
  select region_code, month, fixmedins_code, fixmedins_type, visits, per_visit, ln_sum::float8 as ln_sum, ln_sq::float8 as ln_sq
  from ind_institution_month
  where region_code = any($2::text[]) and ln_sum is not null
    and month >= ($4::date - make_interval(months => ${th('growthBaselineMonths')}::int)) and month < $5::date
),
base as (
  select c.region_code, c.month, c.fixmedins_type as grp, c.fixmedins_code as subject_id, c.visits, c.per_visit, c.ln_sum, c.ln_sq,
    max(b.per_visit) filter (where b.month = (c.month - interval '1 month')::date) as prev_per_visit,
    sum(b.visits) as base_n, sum(b.ln_sum) as base_s, sum(b.ln_sq) as base_q, count(*) as base_months
  from m c
  join m b on b.region_code = c.region_code and b.fixmedins_code = c.fixmedins_code
    and b.month >= (c.month - make_interval(months => ${th('growthBaselineMonths')}::int)) and b.month < c.month
  where c.month = any($1::date[]) and c.visits >= ${th('growthMinVisits')}
  group by 1, 2, 3, 4, 5, 6, 7, 8
  having sum(b.visits) >= ${th('growthMinVisitsPrev')}
),
scored as (
  select b.*, exp(x.mc - x.mb) - 1 as v, exp(x.mb) as base_geo, exp(x.mc) as geo,
    case when x.se > 0 then (x.mc - x.mb) / x.se when x.mc > x.mb then 99 else 0 end as t
  from base b,
    lateral (select ln_sum / visits as mc, base_s / base_n as mb,
      sqrt(${LN_VAR('visits', 'ln_sum', 'ln_sq')} / visits + ${LN_VAR('base_n', 'base_s', 'base_q')} / base_n) as se) x
),
ranked as (
  select s.*, count(*) over w as peer_n, percent_rank() over (w order by v) as pct from scored s
  window w as (partition by region_code, month, grp)
),
med as (select region_code, month, grp, percentile_cont(0.5) within group (order by v) as med from scored group by 1, 2, 3),
mad as (
  select s.region_code, s.month, s.grp, percentile_cont(0.5) within group (order by abs(s.v - m.med)) as mad
  from scored s join med m using (region_code, month, grp) group by 1, 2, 3
)
select r.region_code, 'institution' as subject_type, r.subject_id, ${MONTH_PERIOD},
  r.v as value, ${th('growthMom')} as threshold, m.med as peer_median, r.pct as percentile,
  case when d.mad > 0 then (r.v - m.med) / (1.4826 * d.mad) end as robust_z, r.peer_n, r.visits as n,
  jsonb_build_object('per_visit', to_char(r.per_visit / 100.0, 'FM999999990.00'), 'prev_per_visit', to_char(r.prev_per_visit / 100.0, 'FM999999990.00'),
    'mom', case when r.prev_per_visit > 0 then to_char((r.per_visit / r.prev_per_visit - 1) * 100, 'FM99990.0') || '%' end,
    'geo', to_char(r.geo / 100.0, 'FM999999990.00'), 'base_geo', to_char(r.base_geo / 100.0, 'FM999999990.00'),
    'base_months', r.base_months, 'base_n', r.base_n, 't', to_char(r.t, 'FM9990.0'), 'peer', r.grp, 'mad', d.mad) as extra
from ranked r join med m using (region_code, month, grp) join mad d using (region_code, month, grp)
where r.v >= ${th('growthMom')} and r.t >= ${th('growthMinT')} and r.peer_n >= ${th('minPeerSize')} and d.mad > 0
  and (r.v - m.med) / (1.4826 * d.mad) >= ${th('growthRobustZ')}`,
};
