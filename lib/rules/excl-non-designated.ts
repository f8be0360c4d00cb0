import { exclusionRule } from './exclusion';

export const exclNonDesignated = exclusionRule({
  id: 'EXCL-NON-DESIGNATED',
  nameZh: '非定点机构发生费用由统筹支付',
  bit: 1,
  what: '在非门诊统筹定点医药机构发生（非急诊抢救）',
});
