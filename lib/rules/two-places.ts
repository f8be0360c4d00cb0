import { forPersons, MONTH_PERIOD, th } from './sql-parts';
import type { Rule } from './types';

/**
 * The rule's core over any set of visits (`source` with ind_visits' columns region_code, psn_no, month, setl_id,
 * setl_time, inst_city, fund): each visit with the person's previous one (p_id, p_time, p_city); a hit when the two
 * are in different cities (first 4 digits) within twoPlacesMinutes. Monitoring reads ind_visits; the real-time check
 * the person's recent visits with the encounter being checked (lib/realtime).
 */
export const twoPlacesRows = (source: string) => `
  select region_code, psn_no, month, setl_id, setl_time, inst_city, fund,
    lag(setl_id) over w as p_id, lag(setl_time) over w as p_time, lag(inst_city) over w as p_city
  from ${source}
  window w as (partition by region_code, psn_no order by setl_time, setl_id)`;
export const TWO_PLACES_HIT = `p_time is not null and left(inst_city, 4) <> left(p_city, 4)
    and setl_time - p_time <= ${th('twoPlacesMinutes')} * interval '1 minute'`;

/** One person settled in two different cities (first 4 digits of the institution's admdvs) within the limit. */
export const twoPlaces: Rule = {
  id: 'TWO-PLACES',
  nameZh: '同一参保人短时间内异地两处结算',
  resultType: 'suspicious',
  window: 'hour',
  scenario: '医院门诊、定点药店、异地就医',
  stage: 'post',
  subject: 'insured',
  severity: 'high',
  thresholds: ['twoPlacesMinutes'],
  unit: 'minutes',
  personLocal: true,
  template: '{subject} {period} 有 {n} 次在不同城市的两笔结算相隔仅 {value}（阈值 {threshold}），本人不可能同时到场，疑似冒名就医；依据 {basis}',
  sql: `
with v as (${twoPlacesRows(`ind_visits where region_code = any($2::text[]) and ${forPersons('psn_no')}
    and (month = any($1::date[]) or month = any(array(select (m - interval '1 month')::date from unnest($1::date[]) m)))`)}),
hits as (
  select *, extract(epoch from setl_time - p_time) / 60 as minutes from v
  where month = any($1::date[]) and ${TWO_PLACES_HIT}
)
select region_code, 'insured' as subject_type, psn_no as subject_id, ${MONTH_PERIOD},
  min(minutes)::float8 as value, ${th('twoPlacesMinutes')} as threshold, count(*)::int as n, sum(fund)::bigint as amount,
  (select array_agg(distinct x order by x) from unnest(array_agg(setl_id) || array_agg(p_id)) x) as setl_ids,
  jsonb_build_object('cities', (select array_agg(distinct c) from unnest(array_agg(inst_city) || array_agg(p_city)) c)) as extra
from hits group by region_code, psn_no, month`,
};
