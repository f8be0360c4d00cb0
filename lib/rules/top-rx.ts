import { IN_SCOPE, peerOutlier, th } from './sql-parts';
import type { Rule } from './types';

/**
 * 晋市医保发〔2022〕22号 七.2 names doctors ranked high by prescription count and amount (数量及金额): the count
 * must be a peer outlier (percentile and robust z) and the amount at least at the peer median (rxAmountMinPercentile).
 * A price rise at the whole institution lifts amounts only; a busy but ordinary doctor lifts neither far.
 *
 * Doctors of the same type and level of institution differ in workload mostly because their institutions differ in
 * size: the only doctor of a clinic three times the size of its peers ranks top every month. So the count must also
 * be a multiple (rxColleagueRatio) of the average of the doctor's colleagues at the same institution that month; a
 * doctor without colleagues is not ranked here — their volume is the institution's, watched by IND-PERCAP and
 * IND-GROWTH.
 */
const colleagues = `(select d.*, sum(rx_count) over w - rx_count as others_rx, count(*) over w - 1 as others_n
  from ind_doctor_month d where ${IN_SCOPE} window w as (partition by region_code, month, fixmedins_code)) d`;

const query = peerOutlier({
  table: colleagues,
  subjectType: 'doctor',
  subjectColumn: 'dr_codg',
  metric: 'rx_count',
  volume: 'rx_count',
  minRatioKey: 'rxMinRatio',
  extra: `jsonb_build_object('metric', '处方数量', 'rx_count', rx_count, 'rx_amt', to_char(rx_amt / 100.0, 'FM999999990.00'),
    'amt_pct', percent_rank() over (partition by region_code, month, peer_key order by rx_amt),
    'fixmedins_code', fixmedins_code, 'colleagues', others_n,
    'colleague_avg', case when others_n > 0 then round(others_rx::numeric / others_n, 1) end)`,
  // The minimum count applies to the flagged doctor, not to the peer group: quiet doctors are peers too.
  and: `v >= ${th('rxMinCount')} and (extra ->> 'amt_pct')::float8 >= ${th('rxAmountMinPercentile')}
    and (extra ->> 'colleagues')::int > 0 and v >= (extra ->> 'colleague_avg')::float8 * ${th('rxColleagueRatio')}`,
});

/** Doctors ranked high by prescription amount or count among peers (same region, institution type and level). */
export const topRx: Rule = {
  id: 'TOP-RX',
  nameZh: '医师处方数量或金额排名靠前',
  resultType: 'suspicious',
  window: 'month',
  scenario: '医院门诊',
  stage: 'post',
  subject: 'doctor',
  severity: 'medium',
  thresholds: ['peerPercentile', 'robustZ', 'rxMinCount', 'rxAmountMinPercentile', 'rxMinRatio', 'rxColleagueRatio', 'minPeerSize'],
  unit: 'count',
  // the ranked statistic is the prescription count (the amount is a further condition, in the explanation)
  peer: { group: '同统筹区同类同级机构的医师（同月）', percentileKey: 'peerPercentile', zKey: 'robustZ', source: { table: 'ind_doctor_month', subjectColumn: 'dr_codg', metric: 'rx_count', window: 'month', volume: { column: 'rx_count', minKey: 'minVolume' } } },
  template:
    '{subject} {period} 开具处方 {extra.rx_count} 张、金额 {extra.rx_amt} 元，处方数量在{extra.peer_group}机构医师中位于第 {pct} 百分位，稳健 z 值 {z}，处方金额位于第 {extra.amt_pct} 百分位；同机构其他 {extra.colleagues} 名医师当月平均 {extra.colleague_avg} 张（阈值：数量第 {th.peerPercentile%} 百分位、z ≥ {th.robustZ} 且 ≥ 中位数 {th.rxMinRatio} 倍、≥ 同机构其他医师平均 {th.rxColleagueRatio} 倍，金额不低于第 {th.rxAmountMinPercentile%} 百分位）；依据 {basis}',
  sql: query,
};
