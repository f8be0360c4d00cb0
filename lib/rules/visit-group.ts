/** Visit-window rules aggregate their flagged visits per subject and month (one alert, its claims in evidence). */
import { forSubjects, IN_SCOPE, MONTH_PERIOD } from './sql-parts';

export function visitGroup(o: {
  /** condition on ind_visits rows */
  where: string;
  subject: 'institution' | 'insured' | 'doctor';
  /** aggregate giving the alert's value */
  value: string;
  threshold: string;
  extra?: string;
  /** amount at stake, fen (default: fund paid on the flagged claims) */
  amount?: string;
  resultType?: string;
}): string {
  const col = o.subject === 'institution' ? 'fixmedins_code' : o.subject === 'insured' ? 'psn_no' : 'dr_codg';
  return `
select region_code, '${o.subject}' as subject_type, ${col} as subject_id, ${MONTH_PERIOD},
  (${o.value})::float8 as value, (${o.threshold})::float8 as threshold, count(*)::int as n,
  (${o.amount ?? 'sum(fund)'})::bigint as amount, array_agg(setl_id order by setl_time, setl_id) as setl_ids,
  ${o.extra ?? `'{}'::jsonb`} as extra ${o.resultType ? `, ${o.resultType} as result_type` : ''}
from ind_visits
where ${IN_SCOPE} and ${forSubjects(col)} and ${o.subject === 'doctor' ? 'dr_codg is not null and ' : ''}(${o.where})
group by region_code, ${col}, month`;
}

/**
 * A visit rule is subject-local (RuleMeta.local): its finding for a subject groups that subject's own flagged visits,
 * so the subjects a changed day can alert are those with a flagged visit that day.
 */
export function visitLocal(subject: 'institution' | 'insured' | 'doctor', where: string): { changed: string } {
  const col = subject === 'institution' ? 'fixmedins_code' : subject === 'insured' ? 'psn_no' : 'dr_codg';
  return { changed: `select distinct ${col} as subject_id from d where ${col} is not null and (${where})` };
}
