import { th } from './sql-parts';
import type { Rule, VisitCondition } from './types';
import { visitGroup, visitLocal } from './visit-group';

const visit: VisitCondition = { where: `chronic and max_days > ${th('rxDaysChronicMax')}`, value: 'max(max_days)', threshold: th('rxDaysChronicMax') };

/** Chronic-disease prescriptions longer than 3 months (90 days): a clear violation. */
export const rxDaysChr: Rule = {
  id: 'RX-DAYS-CHR',
  nameZh: '慢性病处方超最长天数',
  resultType: 'violation',
  window: 'visit',
  scenario: '医院门诊、定点药店',
  stage: 'post',
  subject: 'institution',
  severity: 'high',
  thresholds: ['rxDaysChronicMax'],
  unit: 'days',
  template: '{subject} {period} 有 {n} 笔慢性病处方用药天数超过最长 {threshold}（最长 {value}），涉及统筹支付 {amount}；依据 {basis}',
  visit,
  local: visitLocal('institution', visit.where),
  sql: visitGroup({ subject: 'institution', ...visit }),
};
