import { peerOutlier } from './sql-parts';
import type { Rule } from './types';

/** Exam (03) + lab (04) share of cost far above peers. */
export const indExam: Rule = {
  id: 'IND-EXAM',
  nameZh: '检查化验费用占比偏高',
  resultType: 'suspicious',
  window: 'month',
  scenario: '医院门诊',
  stage: 'post',
  subject: 'institution',
  severity: 'medium',
  thresholds: ['peerPercentile', 'robustZ', 'ratioMinVolume', 'examMinRatio', 'minPeerSize'],
  unit: 'percent',
  peer: { group: '同统筹区同类同级机构（同月；同级不足时为同类型）', percentileKey: 'peerPercentile', zKey: 'robustZ', source: { table: 'ind_institution_month', subjectColumn: 'fixmedins_code', metric: 'exam_share', window: 'month', volume: { column: 'visits', minKey: 'ratioMinVolume' }, filter: `fixmedins_type = 'hospital'` } },
  template: '{subject} {period} 检查化验费用占比 {value}，{extra.peer_group}机构中位数 {median}，位于第 {pct} 百分位，稳健 z 值 {z}（阈值：第 {th.peerPercentile%} 百分位、z ≥ {th.robustZ} 且 ≥ 中位数 {th.examMinRatio} 倍）；依据 {basis}',
  sql: peerOutlier({
    table: 'ind_institution_month',
    subjectType: 'institution',
    subjectColumn: 'fixmedins_code',
    metric: 'exam_share',
    volume: 'visits',
    minVolumeKey: 'ratioMinVolume',
    minRatioKey: 'examMinRatio',
    filter: `fixmedins_type = 'hospital'`,
  }),
};
