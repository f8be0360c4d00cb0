import { th } from './sql-parts';
import type { Rule, VisitCondition } from './types';
import { visitGroup, visitLocal } from './visit-group';

const visit: VisitCondition = {
  where: `chronic and max_days > ${th('rxDaysChronicWarn')} and max_days <= ${th('rxDaysChronicMax')}`,
  value: 'max(max_days)',
  threshold: th('rxDaysChronicWarn'),
};

/** Chronic-disease prescriptions over one month but within three: a warning. */
export const rxDaysChrWarn: Rule = {
  id: 'RX-DAYS-CHR-WARN',
  nameZh: '慢性病处方超一般天数（提醒）',
  resultType: 'suspicious',
  window: 'visit',
  scenario: '医院门诊、定点药店',
  stage: 'post',
  subject: 'institution',
  severity: 'low',
  thresholds: ['rxDaysChronicWarn', 'rxDaysChronicMax'],
  unit: 'days',
  template: '{subject} {period} 有 {n} 笔慢性病处方用药天数超过一般 {threshold}、未超过最长 90 天（最长 {value}），请核实长期处方管理；依据 {basis}',
  visit,
  local: visitLocal('institution', visit.where),
  sql: visitGroup({ subject: 'institution', ...visit }),
};
