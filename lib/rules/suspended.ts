import type { Rule, VisitCondition } from './types';
import { visitGroup } from './visit-group';

const visit: VisitCondition = {
  where: `exists (select 1 from suspensions s where s.region_code = ind_visits.region_code and s.psn_no = ind_visits.psn_no
      and ind_visits.setl_time::date >= s.start_date and ind_visits.setl_time::date < s.end_date)`,
  value: 'sum(fund)',
  threshold: '0',
};

/** A claim dated inside a decided suspension of the person's networked settlement (suspensions table). */
export const suspended: Rule = {
  id: 'SUSPENDED',
  nameZh: '暂停联网结算期间仍发生结算',
  resultType: 'violation',
  window: 'visit',
  scenario: '医院门诊、定点药店',
  stage: 'post',
  subject: 'insured',
  severity: 'high',
  thresholds: [],
  unit: 'yuan',
  personLocal: true,
  template: '{subject} {period} 在暂停联网结算期间仍发生 {n} 笔结算，统筹支付 {amount}；依据 {basis}',
  visit,
  // a day's refresh re-runs it for the persons whose visits changed ($6, lib/rules/run.ts); the real-time check runs `visit`
  sql: visitGroup({ subject: 'insured', ...visit }),
};
