import { exclusionRule } from './exclusion';

export const exclArrears = exclusionRule({
  id: 'EXCL-ARREARS',
  nameZh: '欠费或待遇等待期费用由统筹支付',
  bit: 32,
  what: '发生在医保欠费期间或待遇等待期',
  basis: [{ doc: '晋市医保发〔2022〕22号', clause: '四 不予支付第13项', text: '参保职工在医保欠费期间(或医保待遇等待期)所发生的普通门诊医药费用' }],
});
