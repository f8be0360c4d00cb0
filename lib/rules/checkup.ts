import { th } from './sql-parts';
import type { Rule } from './types';
import { visitGroup, visitLocal } from './visit-group';

const WHERE = `n_lines > 0 and n_lines = n_exam_lines and n_exam_lines >= ${th('checkupMinLines')}`;

/** Visits made of exam (03) and lab (04) lines only, in a bundle: a health check-up billed to the fund. */
export const checkup: Rule = {
  id: 'CHECKUP',
  nameZh: '变相健康体检',
  resultType: 'suspicious',
  window: 'visit',
  scenario: '医院门诊',
  stage: 'post',
  subject: 'institution',
  severity: 'medium',
  thresholds: ['checkupMinLines'],
  unit: 'count',
  template: '{subject} {period} 有 {n} 笔就诊只有检查/化验项目（每笔至少 {threshold} 项，最多 {value} 项），无治疗和药品，疑似变相健康体检，统筹支付 {amount}；依据 {basis}',
  local: visitLocal('institution', WHERE),
  sql: visitGroup({
    subject: 'institution',
    where: WHERE,
    value: 'max(n_exam_lines)',
    threshold: th('checkupMinLines'),
  }),
};
