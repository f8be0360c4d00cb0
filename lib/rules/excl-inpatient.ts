import { exclusionRule } from './exclusion';

export const exclInpatient = exclusionRule({
  id: 'EXCL-INPATIENT',
  nameZh: '住院期间门诊费用由统筹支付',
  bit: 16,
  what: '发生在住院期间',
});
