import { exclusionRule } from './exclusion';

export const exclSuspended = exclusionRule({
  id: 'EXCL-SUSPENDED',
  nameZh: '待遇暂停期间发生费用由统筹支付',
  bit: 8,
  what: '标记为医保待遇暂停期间',
});
