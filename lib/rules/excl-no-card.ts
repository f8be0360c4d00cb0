import { exclusionRule } from './exclusion';

export const exclNoCard = exclusionRule({
  id: 'EXCL-NO-CARD',
  nameZh: '未持医保凭证结算由统筹支付',
  bit: 4,
  what: '未持医保电子凭证或社会保障卡',
});
