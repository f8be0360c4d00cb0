import { exclusionRule } from './exclusion';

export const exclOutOfArea = exclusionRule({
  id: 'EXCL-OUT-OF-AREA',
  nameZh: '临时外出异地普通门诊费用由统筹支付',
  bit: 64,
  what: '临时外出人员在异地发生的普通门诊',
});
