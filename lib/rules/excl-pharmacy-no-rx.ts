import { exclusionRule } from './exclusion';

export const exclPharmacyNoRx = exclusionRule({
  id: 'EXCL-PHARMACY-NO-RX',
  nameZh: '药店购药无定点机构处方由统筹支付',
  bit: 2,
  what: '在零售药店购药但无定点医疗机构处方',
  basis: [{ doc: '晋市医保发〔2022〕22号', clause: '四 不予支付第10项', text: '未在门诊统筹定点医疗机构开具处方,直接在零售药店购药的' }],
});
