import { forSubjects, IN_SCOPE, MONTH_PERIOD, th } from './sql-parts';
import type { Rule } from './types';

/** A doctor with more settled visits in one day than a person can see. */
export const drDayLoad: Rule = {
  id: 'DR-DAY-LOAD',
  nameZh: '医师单日接诊量异常',
  resultType: 'suspicious',
  window: 'day',
  scenario: '医院门诊',
  stage: 'post',
  subject: 'doctor',
  severity: 'medium',
  thresholds: ['doctorDayMax'],
  unit: 'count',
  template: '{subject} {period} 有 {extra.days} 天单日开单结算超过 {threshold}（最多 {value}），合计 {n} 人次，疑似虚构诊疗；依据 {basis}',
  // a doctor's finding counts their own visits per day: a changed day can alert only the doctors over the limit that day
  local: { changed: `select distinct dr_codg as subject_id from d where dr_codg is not null group by region_code, dr_codg, setl_time::date having count(*) > ${th('doctorDayMax')}` },
  sql: `
with d as (
  select region_code, dr_codg, month, setl_time::date as day, count(*)::int as k, sum(fund) as fund
  from ind_visits where ${IN_SCOPE} and ${forSubjects('dr_codg')} and dr_codg is not null
  group by region_code, dr_codg, month, setl_time::date
  having count(*) > ${th('doctorDayMax')}
)
select region_code, 'doctor' as subject_type, dr_codg as subject_id, ${MONTH_PERIOD},
  max(k)::float8 as value, ${th('doctorDayMax')} as threshold, sum(k)::int as n, sum(fund)::bigint as amount,
  jsonb_build_object('days', count(*), 'dates', array_agg(day order by day)) as extra
from d group by region_code, dr_codg, month`,
};
