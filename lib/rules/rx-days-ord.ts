import { th } from './sql-parts';
import type { Rule, VisitCondition } from './types';
import { visitGroup, visitLocal } from './visit-group';

const visit: VisitCondition = { where: `not chronic and max_days > ${th('rxDaysOrdinaryMax')}`, value: 'max(max_days)', threshold: th('rxDaysOrdinaryMax') };

/** Ordinary prescriptions longer than the maximum (14 days): a clear violation. */
export const rxDaysOrd: Rule = {
  id: 'RX-DAYS-ORD',
  nameZh: '普通疾病处方超最长天数',
  resultType: 'violation',
  window: 'visit',
  scenario: '医院门诊、定点药店',
  stage: 'post',
  subject: 'institution',
  severity: 'high',
  thresholds: ['rxDaysOrdinaryMax'],
  unit: 'days',
  template: '{subject} {period} 有 {n} 笔普通疾病处方用药天数超过最长 {threshold}（最长 {value}），涉及统筹支付 {amount}；依据 {basis}',
  visit,
  local: visitLocal('institution', visit.where),
  sql: visitGroup({ subject: 'institution', ...visit }),
};
