import { peerOutlier } from './sql-parts';
import type { Rule } from './types';

/** Cost per person (人均费用) far above peers. */
export const indPercap: Rule = {
  id: 'IND-PERCAP',
  nameZh: '人均费用偏高',
  resultType: 'suspicious',
  window: 'month',
  scenario: '医院门诊、定点药店',
  stage: 'post',
  subject: 'institution',
  severity: 'low',
  thresholds: ['peerPercentile', 'robustZ', 'minVolume', 'minPeerSize'],
  unit: 'yuan',
  peer: { group: '同统筹区同类同级机构（同月；同级不足时为同类型）', percentileKey: 'peerPercentile', zKey: 'robustZ', source: { table: 'ind_institution_month', subjectColumn: 'fixmedins_code', metric: 'per_capita', window: 'month', volume: { column: 'persons', minKey: 'minVolume' } } },
  template: '{subject} {period} 人均费用 {value}，{extra.peer_group}机构中位数 {median}，位于第 {pct} 百分位，稳健 z 值 {z}（阈值：第 {th.peerPercentile%} 百分位且 z ≥ {th.robustZ}）；依据 {basis}',
  sql: peerOutlier({ table: 'ind_institution_month', subjectType: 'institution', subjectColumn: 'fixmedins_code', metric: 'per_capita', volume: 'persons' }),
};
