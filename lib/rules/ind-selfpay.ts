import { peerOutlier } from './sql-parts';
import type { Rule } from './types';

/** Out-of-catalogue (全自费) share of cost far above peers: fulamt_ownpay_amt / medfee_sumamt. */
export const indSelfpay: Rule = {
  id: 'IND-SELFPAY',
  nameZh: '自费（目录外）费用比例偏高',
  resultType: 'suspicious',
  window: 'month',
  scenario: '医院门诊、定点药店',
  stage: 'post',
  subject: 'institution',
  severity: 'medium',
  thresholds: ['peerPercentile', 'robustZ', 'ratioMinVolume', 'selfpayMinRatio', 'minPeerSize'],
  unit: 'percent',
  peer: { group: '同统筹区同类同级机构（同月；同级不足时为同类型）', percentileKey: 'peerPercentile', zKey: 'robustZ', source: { table: 'ind_institution_month', subjectColumn: 'fixmedins_code', metric: 'ownpay_ratio', window: 'month', volume: { column: 'visits', minKey: 'ratioMinVolume' } } },
  template: '{subject} {period} 自费（目录外）费用比例 {value}，{extra.peer_group}机构中位数 {median}，位于第 {pct} 百分位，稳健 z 值 {z}（阈值：第 {th.peerPercentile%} 百分位、z ≥ {th.robustZ} 且 ≥ 中位数 {th.selfpayMinRatio} 倍）；依据 {basis}',
  sql: peerOutlier({ table: 'ind_institution_month', subjectType: 'institution', subjectColumn: 'fixmedins_code', metric: 'ownpay_ratio', volume: 'visits',
    minVolumeKey: 'ratioMinVolume',
    minRatioKey: 'selfpayMinRatio' }),
};
