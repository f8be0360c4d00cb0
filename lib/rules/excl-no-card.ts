import { exclusionRule } from './exclusion';

export const exclNoCard = exclusionRule({
  id: 'EXCL-NO-CARD',
  nameZh: '未持医保凭证结算由统筹支付',
  bit: 4,
  what: '未持医保电子凭证或社会保障卡',
  basis: [{ doc: '晋市医保发〔2022〕22号', clause: '四 不予支付第9项', text: '在门诊统筹定点医药机构但未持医保电子凭证或社会保障卡就医、购药结算的' }],
});
