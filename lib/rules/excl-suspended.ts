import { exclusionRule } from './exclusion';

export const exclSuspended = exclusionRule({
  id: 'EXCL-SUSPENDED',
  nameZh: '待遇暂停期间发生费用由统筹支付',
  bit: 8,
  what: '标记为医保待遇暂停期间',
  basis: [{ doc: '南昌市门诊共济实施细则（征求意见稿）', clause: '第十五条（三）', text: '医保待遇暂停期间发生的医疗费用' }],
});
