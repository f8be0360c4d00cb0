import { forSubjects, MONTH_PERIOD, th } from './sql-parts';
import type { Rule } from './types';

/** Exclusion reasons (adjudication `excluded`) that an EXCL-* rule already raises from the claim's flags. */
export const EXCLUDED_BY_FLAG = ['non_designated', 'pharmacy_no_rx', 'suspended', 'inpatient_overlap', 'no_card', 'arrears', 'out_of_area_temporary', 'separate_benefit'];

/** A visit `v` whose settled fund payment differs from its adjudication `a` beyond the tolerance. */
const DIFFERS = `
  -- a claim whose settled hifp_pay was not supplied cannot be compared
  a.error is null and a.settled_fund_pay is not null and abs(v.fund - a.fund_pay) > ${th('payDiffToleranceFen')}
  -- a claim re-adjudication excluded for a claim flag is raised by its EXCL-* rule with its own clause;
  -- one fault, one alert (below-deductible / over-cap differences stay here)
  and (a.excluded is null or a.excluded not in (${EXCLUDED_BY_FLAG.map((x) => `'${x}'`).join(', ')}))`;

/** Settled fund payment (hifp_pay) differs from the re-adjudicated amount under the policy in force. */
export const payDiff: Rule = {
  id: 'PAY-DIFF',
  nameZh: '统筹支付与政策重算结果不符',
  resultType: 'violation',
  window: 'visit',
  scenario: '医院门诊、定点药店',
  stage: 'post',
  subject: 'institution',
  severity: 'high',
  thresholds: ['payDiffToleranceFen'],
  unit: 'yuan',
  template: '{subject} {period} 有 {n} 笔结算的统筹支付与按政策重算结果相差超过 {threshold}（多付 {extra.overpaid_n} 笔，净差额 {value}），多付金额 {amount}；依据 {basis}',
  local: {
    // a day's batch re-adjudicates the whole year of every person with a changed visit ($6): any of their visits'
    // difference may have changed, not only those of the changed days
    changed: `select distinct v.fixmedins_code as subject_id from ind_visits v
      join adjudications a on a.admdvs = v.region_code and a.setl_id = v.setl_id and a.setl_time = v.setl_time
      where v.month = any($1::date[]) and v.region_code = any($2::text[]) and v.psn_no = any($6::text[])
        and a.setl_time >= $4::date::timestamp at time zone 'Asia/Shanghai' and a.setl_time < $5::date::timestamp at time zone 'Asia/Shanghai' and ${DIFFERS}`,
  },
  sql: `
select v.region_code, 'institution' as subject_type, v.fixmedins_code as subject_id, ${MONTH_PERIOD},
  sum(v.fund - a.fund_pay)::float8 as value, ${th('payDiffToleranceFen')} as threshold, count(*)::int as n,
  sum(greatest(v.fund - a.fund_pay, 0))::bigint as amount, array_agg(v.setl_id order by v.setl_time, v.setl_id) as setl_ids,
  jsonb_build_object('overpaid_n', count(*) filter (where v.fund > a.fund_pay), 'underpaid_n', count(*) filter (where v.fund < a.fund_pay),
    'policy_ids', array_agg(distinct a.policy_id), 'diffs', jsonb_object_agg(v.setl_id, v.fund - a.fund_pay)) as extra
from ind_visits v
join adjudications a on a.admdvs = v.region_code and a.setl_id = v.setl_id and a.setl_time = v.setl_time
where v.month = any($1::date[]) and v.region_code = any($2::text[]) and ${forSubjects('v.fixmedins_code')}
  and a.setl_time >= $4::date::timestamp at time zone 'Asia/Shanghai'
  and a.setl_time < $5::date::timestamp at time zone 'Asia/Shanghai'
  and ${DIFFERS}
group by v.region_code, v.fixmedins_code, v.month`,
};
