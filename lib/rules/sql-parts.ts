/** SQL fragments shared by the rule queries ($1 months, $2 regions, $3 thresholds jsonb). */

/** A threshold value from $3. */
export const th = (key: string) => `(($3::jsonb ->> '${key}')::float8)`;

export const MONTH_PERIOD = `to_char(month, 'YYYY-MM') as period_key, month as period_start, (month + interval '1 month' - interval '1 day')::date as period_end`;
export const YEAR_PERIOD = `to_char(y, 'YYYY') as period_key, y as period_start, (y + interval '1 year' - interval '1 day')::date as period_end`;

export const IN_SCOPE = `month = any($1::date[]) and region_code = any($2::text[])`;

/** Basis shared by many rules. */
export const BASIS = {
  regulation38: {
    doc: '《医疗保障基金使用监督管理条例》',
    clause: '第三十八条',
    text: '定点医药机构分解住院、挂床住院，违反诊疗规范过度诊疗、过度检查、分解处方、超量开药、重复开药，重复收费、超标准收费、分解项目收费，将不属于医疗保障基金支付范围的医药费用纳入医疗保障基金结算',
  },
  regulation40: {
    doc: '《医疗保障基金使用监督管理条例》',
    clause: '第四十条',
    text: '定点医药机构诱导、协助他人冒名或者虚假就医、购药，伪造、变造医疗文书，虚构医药服务项目等骗取医疗保障基金支出',
  },
  regulation41: {
    doc: '《医疗保障基金使用监督管理条例》',
    clause: '第四十一条',
    text: '个人将本人的医疗保障凭证交由他人冒名使用，重复享受医疗保障待遇，利用享受医疗保障待遇的机会转卖药品',
  },
  rxLimit: {
    doc: '晋市医保发〔2022〕22号',
    clause: '四 备注3；七.1',
    text: '普通疾病门诊处方量一般在7天内，最长不超过14天；慢性疾病门诊处方量一般在1个月内，最长不超过3个月',
  },
  monitoring: {
    doc: '晋市医保发〔2022〕22号',
    clause: '七.2',
    text: '对基金使用较多的参保人员、开具处方数量及金额排名靠前的医师、人均费用较高的医药机构实施定期预警和重点监控，将次均费用增长、自付（自费）费用比例、检查费用占比等指标列为监控指标',
  },
  nanchang42: {
    doc: '南昌市门诊共济实施细则（征求意见稿）',
    clause: '第四十二条',
    text: '常态化监测普通门诊医药费用增长快、次均费用高、患者自费比例高、检查费用占比高等异常指标',
  },
  hunan8: {
    doc: '湘政办发〔2022〕12号',
    clause: '二（八）',
    text: '加强对门诊就诊率、转诊率、次均费用、费用结构等的考核；严肃查处造假欺诈、虚构医疗服务项目、过度诊疗、医保卡套现等欺诈骗保行为',
  },
  fraud73: {
    doc: '晋市医保发〔2022〕22号',
    clause: '七.3',
    text: '聚焦多开药、乱开药、乱检查、乱收费等违规行为和“假病人”“假病情”“假票据”以及变相健康体检、串换倒卖药品、冒用他人名义享受门诊统筹待遇等套取、骗取医保基金行为',
  },
} as const;

/**
 * Peer outlier query over a rollup table: per (region, month, peer group) median, MAD-based robust z
 * and percent_rank, computed in SQL. Subjects below the minimum volume are shown in the rollups but
 * not ranked; groups below the minimum size do not fire.
 */
export function peerOutlier(o: {
  table: string;
  subjectType: string;
  subjectColumn: string;
  metric: string;
  volume: string;
  filter?: string;
  extra?: string;
  /** further condition on the ranked row (columns v, pct, z, med, peer_n) */
  and?: string;
  /** threshold key of the minimum volume (default minVolume) */
  minVolumeKey?: string;
  /** threshold key of the minimum multiple of the peer median (effect size: with large volumes the MAD is tiny) */
  minRatioKey?: string;
}): string {
  return `
with base as (
  select region_code, month, peer_key, ${o.subjectColumn} as subject_id, (${o.metric})::float8 as v, ${o.volume} as volume,
    ${o.extra ?? `'{}'::jsonb`} as extra
  from ${o.table}
  where ${IN_SCOPE} and ${o.volume} >= ${th(o.minVolumeKey ?? 'minVolume')} and (${o.metric}) is not null ${o.filter ? `and ${o.filter}` : ''}
),
ranked as (
  select b.*, count(*) over w as peer_n, percent_rank() over (w order by v) as pct
  from base b window w as (partition by region_code, month, peer_key)
),
med as (
  select region_code, month, peer_key, percentile_cont(0.5) within group (order by v) as med from base group by 1, 2, 3
),
mad as (
  select b.region_code, b.month, b.peer_key, percentile_cont(0.5) within group (order by abs(b.v - m.med)) as mad
  from base b join med m using (region_code, month, peer_key) group by 1, 2, 3
),
scored as (
  select r.*, m.med, d.mad,
    case when d.mad > 0 then (r.v - m.med) / (1.4826 * d.mad) when r.v > m.med then 99 else 0 end as z
  from ranked r join med m using (region_code, month, peer_key) join mad d using (region_code, month, peer_key)
)
select region_code, '${o.subjectType}' as subject_type, subject_id, ${MONTH_PERIOD},
  v as value, med as peer_median, pct as percentile, z as robust_z, peer_n, volume as n,
  jsonb_build_object('peer_key', peer_key, 'mad', mad) || extra as extra
from scored
where peer_n >= ${th('minPeerSize')} and pct >= ${th('peerPercentile')} and z >= ${th('robustZ')}
  ${o.minRatioKey ? `and v >= med * ${th(o.minRatioKey)} and med > 0` : ''} ${o.and ? `and ${o.and}` : ''}`;
}
