import { exclusionRule } from './exclusion';

export const exclInpatient = exclusionRule({
  id: 'EXCL-INPATIENT',
  nameZh: '住院期间门诊费用由统筹支付',
  bit: 16,
  what: '发生在住院期间',
  basis: [{ doc: '南昌市门诊共济实施细则（征求意见稿）', clause: '第十五条（二）', text: '在住院期间发生的医疗费用' }],
});
