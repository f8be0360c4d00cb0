import { BASIS } from './sql-parts';
import type { Rule } from './types';
import { visitGroup } from './visit-group';

/** A claim dated inside a decided suspension of the person's networked settlement (suspensions table). */
export const suspended: Rule = {
  id: 'SUSPENDED',
  nameZh: '暂停联网结算期间仍发生结算',
  basis: [
    { doc: '晋市医保发〔2022〕22号', clause: '七.3', text: '对违规享受门诊统筹待遇的参保人员，退还违规享受待遇金额，暂停医疗费用联网结算3个月至12个月' },
    { doc: '南昌市门诊共济实施细则（征求意见稿）', clause: '第十五条（三）', text: '医保待遇暂停期间发生的医疗费用' },
    BASIS.regulation41,
  ],
  resultType: 'violation',
  window: 'visit',
  scenario: '医院门诊、定点药店',
  stage: 'post',
  subject: 'insured',
  severity: 'high',
  thresholds: [],
  unit: 'yuan',
  template: '{subject} {period} 在暂停联网结算期间仍发生 {n} 笔结算，统筹支付 {amount}；依据 {basis}',
  sql: visitGroup({
    subject: 'insured',
    where: `exists (select 1 from suspensions s where s.region_code = ind_visits.region_code and s.psn_no = ind_visits.psn_no
      and ind_visits.setl_time::date >= s.start_date and ind_visits.setl_time::date < s.end_date)`,
    value: 'sum(fund)',
    threshold: '0',
  }),
};
