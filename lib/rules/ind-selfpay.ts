import { BASIS, peerOutlier } from './sql-parts';
import type { Rule } from './types';

/** Out-of-catalogue (全自费) share of cost far above peers: fulamt_ownpay_amt / medfee_sumamt. */
export const indSelfpay: Rule = {
  id: 'IND-SELFPAY',
  nameZh: '自费（目录外）费用比例偏高',
  basis: [BASIS.monitoring, BASIS.nanchang42, { doc: '晋市医保发〔2022〕22号', clause: '七.1', text: '严格控制目录外费用占比' }],
  resultType: 'suspicious',
  window: 'month',
  scenario: '医院门诊、定点药店',
  stage: 'post',
  subject: 'institution',
  severity: 'medium',
  thresholds: ['peerPercentile', 'robustZ', 'ratioMinVolume', 'selfpayMinRatio', 'minPeerSize'],
  unit: 'percent',
  peer: { table: 'ind_institution_month', subjectColumn: 'fixmedins_code', metric: 'ownpay_ratio' },
  template: '{subject} {period} 自费（目录外）费用比例 {value}，{extra.peer_group}机构中位数 {median}，位于第 {pct} 百分位，稳健 z 值 {z}（阈值：第 {th.peerPercentile%} 百分位、z ≥ {th.robustZ} 且 ≥ 中位数 {th.selfpayMinRatio} 倍）；依据 {basis}',
  sql: peerOutlier({ table: 'ind_institution_month', subjectType: 'institution', subjectColumn: 'fixmedins_code', metric: 'ownpay_ratio', volume: 'visits',
    minVolumeKey: 'ratioMinVolume',
    minRatioKey: 'selfpayMinRatio' }),
};
