import { th } from './sql-parts';
import type { Rule, VisitCondition } from './types';
import { visitGroup, visitLocal } from './visit-group';

const visit: VisitCondition = {
  where: `not chronic and max_days > ${th('rxDaysOrdinaryWarn')} and max_days <= ${th('rxDaysOrdinaryMax')}`,
  value: 'max(max_days)',
  threshold: th('rxDaysOrdinaryWarn'),
};

/** Ordinary prescriptions over the general limit (7 days) but within the maximum: a warning. */
export const rxDaysOrdWarn: Rule = {
  id: 'RX-DAYS-ORD-WARN',
  nameZh: '普通疾病处方超一般天数（提醒）',
  resultType: 'suspicious',
  window: 'visit',
  scenario: '医院门诊、定点药店',
  stage: 'post',
  subject: 'institution',
  severity: 'low',
  thresholds: ['rxDaysOrdinaryWarn', 'rxDaysOrdinaryMax'],
  unit: 'days',
  template: '{subject} {period} 有 {n} 笔普通疾病处方用药天数超过一般 {threshold}、未超过最长 14 天（最长 {value}），请核实病情需要；依据 {basis}',
  visit,
  local: visitLocal('institution', visit.where),
  sql: visitGroup({ subject: 'institution', ...visit }),
};
