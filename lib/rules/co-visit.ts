import { forSubjects, th } from './sql-parts';
import type { Rule } from './types';

/** Pairs of persons who visit the same institution on the same days again and again within a quarter. */
export const coVisit: Rule = {
  id: 'CO-VISIT',
  nameZh: '结伴就医（多名参保人反复同日同机构就诊）',
  resultType: 'suspicious',
  window: 'quarter',
  scenario: '医院门诊、定点药店',
  stage: 'post',
  subject: 'institution',
  severity: 'medium',
  thresholds: ['coVisitMinDays'],
  unit: 'count',
  template: '{subject} {period} 有 {n} 对参保人在同一天同机构就诊达 {value} 天及以上（阈值 {threshold}），涉及 {extra.persons} 人，疑似组织结伴就医；依据 {basis}',
  // An institution's finding pairs its own visitors. A pair's count of common days changes only through a day both
  // visited it: on a changed day, the pairs of that day's visitors (their days of the quarter there) are the ones a
  // batch can lift to the threshold; a pair that lost a day could only fall, and its institution is already alerted.
  local: {
    changed: `
with p as (select distinct region_code, fixmedins_code, psn_no from d),
v as (
  select distinct i.region_code, i.fixmedins_code, i.psn_no, i.setl_time::date as day
  from ind_visits i join p on p.region_code = i.region_code and p.psn_no = i.psn_no and p.fixmedins_code = i.fixmedins_code
  where i.month >= date_trunc('quarter', $4::date)::date and i.month < (date_trunc('quarter', $5::date - 1) + interval '3 months')::date
),
-- the pairs of each institution's day, unnested from the day's visitors: a join of v to itself was planned as a nested
-- loop over a CTE estimated at one row (29M comparisons, 5 s for a day at 1M settlements)
g as (select region_code, fixmedins_code, day, array_agg(psn_no) as ps from v group by 1, 2, 3)
select distinct g.fixmedins_code as subject_id
from g cross join lateral unnest(g.ps) a(p) cross join lateral unnest(g.ps) b(p)
where a.p < b.p
group by g.region_code, g.fixmedins_code, a.p, b.p having count(*) >= ${th('coVisitMinDays')}`,
  },
  sql: `
with v as (
  -- quarter bounds as constants ($4, $5) so that the row estimate is right (a guessed 143 rows made the
  -- planner nest loops over the pairs: 10 s at 100k settlements)
  select distinct region_code, fixmedins_code, psn_no, setl_time::date as day, date_trunc('quarter', month)::date as q
  from ind_visits
  where $1::date[] is not null and region_code = any($2::text[]) and ${forSubjects('fixmedins_code')} and month >= date_trunc('quarter', $4::date)::date
    and month < (date_trunc('quarter', $5::date - 1) + interval '3 months')::date
),
frequent as (
  select * from (select v.*, count(*) over (partition by region_code, fixmedins_code, psn_no, q) as k from v) x
  where k >= ${th('coVisitMinDays')}
),
pairs as (
  select a.region_code, a.fixmedins_code, a.q, a.psn_no as p1, b.psn_no as p2, count(*)::int as days
  from frequent a join frequent b on a.region_code = b.region_code and a.fixmedins_code = b.fixmedins_code and a.day = b.day and a.psn_no < b.psn_no
  group by 1, 2, 3, 4, 5 having count(*) >= ${th('coVisitMinDays')}
)
select region_code, 'institution' as subject_type, fixmedins_code as subject_id,
  to_char(q, 'YYYY-"Q"Q') as period_key, q as period_start, (q + interval '3 months' - interval '1 day')::date as period_end,
  max(days)::float8 as value, ${th('coVisitMinDays')} as threshold, count(*)::int as n,
  jsonb_build_object('persons', (select count(distinct x) from unnest(array_agg(p1) || array_agg(p2)) x),
    'pairs', jsonb_agg(jsonb_build_object('a', p1, 'b', p2, 'days', days) order by days desc)) as extra
from pairs group by region_code, fixmedins_code, q`,
};
