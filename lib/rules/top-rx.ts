import { BASIS, peerOutlier } from './sql-parts';
import type { Rule } from './types';

const amount = peerOutlier({
  table: 'ind_doctor_month',
  subjectType: 'doctor',
  subjectColumn: 'dr_codg',
  metric: 'rx_amt',
  volume: 'rx_count',
  extra: `jsonb_build_object('metric', '处方金额', 'rx_count', rx_count, 'rx_amt', to_char(rx_amt / 100.0, 'FM999999990.00'))`,
});
const count = peerOutlier({
  table: 'ind_doctor_month',
  subjectType: 'doctor',
  subjectColumn: 'dr_codg',
  metric: 'rx_count',
  volume: 'rx_count',
  extra: `jsonb_build_object('metric', '处方数量', 'rx_count', rx_count, 'rx_amt', to_char(rx_amt / 100.0, 'FM999999990.00'))`,
});

/** Doctors ranked high by prescription amount or count among peers (same region, institution type and level). */
export const topRx: Rule = {
  id: 'TOP-RX',
  nameZh: '医师处方数量或金额排名靠前',
  basis: [BASIS.monitoring, BASIS.regulation38],
  resultType: 'suspicious',
  window: 'month',
  scenario: '医院门诊',
  stage: 'post',
  subject: 'doctor',
  severity: 'medium',
  thresholds: ['peerPercentile', 'robustZ', 'minVolume', 'minPeerSize'],
  unit: 'count',
  peer: { table: 'ind_doctor_month', subjectColumn: 'dr_codg', metric: 'rx_amt' },
  template:
    '{subject} {period} 开具处方 {extra.rx_count} 张、金额 {extra.rx_amt} 元，按{extra.metric}在同级同类机构医师中位于第 {pct} 百分位，稳健 z 值 {z}（阈值：第 90 百分位且 z ≥ 3）；依据 {basis}',
  sql: `select distinct on (region_code, subject_id, period_key) * from ((${amount}) union all (${count})) u order by region_code, subject_id, period_key, robust_z desc`,
};
