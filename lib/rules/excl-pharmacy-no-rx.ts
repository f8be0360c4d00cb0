import { exclusionRule } from './exclusion';

export const exclPharmacyNoRx = exclusionRule({
  id: 'EXCL-PHARMACY-NO-RX',
  nameZh: '药店购药无定点机构处方由统筹支付',
  bit: 2,
  what: '在零售药店购药但无定点医疗机构处方',
});
