import { exclusionRule } from './exclusion';

export const exclArrears = exclusionRule({
  id: 'EXCL-ARREARS',
  nameZh: '欠费或待遇等待期费用由统筹支付',
  bit: 32,
  what: '发生在医保欠费期间或待遇等待期',
});
