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

/** SQL: the whole-type peer group ('hospital:*') of a peer_key ('hospital:3'), where a subject whose own group is too small is ranked. */
export const widePeerKey = (peerKey: string) => `split_part(${peerKey}, ':', 1) || ':*'`;
export const isWidePeerKey = (key: string) => key.endsWith(':*');

/**
 * Peer outlier query over a rollup table: per (region, month, peer group) median, MAD-based robust z
 * and percent_rank, computed in SQL. Subjects below the minimum volume are shown in the rollups but
 * not ranked. The peer group is the subject's peer_key (type + level or fee class); where that group has
 * fewer than minPeerSize members, the subject is ranked among all subjects of its type in the region
 * ('<type>:*', said in the explanation) — a county with three level-3 hospitals still has a dozen hospitals
 * to compare with. Groups still below the minimum do not fire.
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
  select region_code, month, peer_key, ${widePeerKey('peer_key')} as wide_key, ${o.subjectColumn} as subject_id,
    (${o.metric})::float8 as v, ${o.volume} as volume, ${o.extra ?? `'{}'::jsonb`} as extra,
    count(*) over (partition by region_code, month, peer_key) as key_n
  from ${o.table}
  where ${IN_SCOPE} and ${o.volume} >= ${th(o.minVolumeKey ?? 'minVolume')} and (${o.metric}) is not null ${o.filter ? `and ${o.filter}` : ''}
),
-- every subject in two groups (its own, its whole type); it is judged in the one it is "chosen" for. No join of the
-- subjects to themselves: the planner cannot estimate these CTEs and nested such a join (minutes at 1M settlements).
pool as (
  select region_code, month, peer_key as grp, subject_id, v, volume, extra, peer_key, key_n >= ${th('minPeerSize')} as chosen from base
  union all
  select region_code, month, wide_key, subject_id, v, volume, extra, peer_key, key_n < ${th('minPeerSize')} from base
),
-- materialized: inlined, the window ran again for every group the planner nested it under
ranked as materialized (
  select p.*, count(*) over w as peer_n, percent_rank() over (w order by v) as pct
  from pool p window w as (partition by region_code, month, grp)
),
med as (
  select region_code, month, grp, percentile_cont(0.5) within group (order by v) as med from pool group by 1, 2, 3
),
mad as (
  select p.region_code, p.month, p.grp, percentile_cont(0.5) within group (order by abs(p.v - m.med)) as mad
  from pool p join med m using (region_code, month, grp) group by 1, 2, 3
),
-- the few subjects at or above the percentile in their chosen group, before joining the group statistics
cand as materialized (
  select * from ranked where chosen and pct >= ${th('peerPercentile')} and peer_n >= ${th('minPeerSize')}
),
scored as (
  select r.*, m.med, d.mad,
    case when d.mad > 0 then (r.v - m.med) / (1.4826 * d.mad) when r.v > m.med then 99 else 0 end as z
  from cand r join med m using (region_code, month, grp) join mad d using (region_code, month, grp)
)
select region_code, '${o.subjectType}' as subject_type, subject_id, ${MONTH_PERIOD},
  v as value, med as peer_median, pct as percentile, z as robust_z, peer_n, volume as n,
  jsonb_build_object('peer_key', grp, 'mad', mad,
    'peer_group', case when grp = peer_key then '同级同类' else '同类（同级同类不足 ' || ${th('minPeerSize')} || ' 家，放宽至同类型）' end) || extra as extra
from scored
where peer_n >= ${th('minPeerSize')} and pct >= ${th('peerPercentile')} and z >= ${th('robustZ')}
  ${o.minRatioKey ? `and v >= med * ${th(o.minRatioKey)} and med > 0` : ''} ${o.and ? `and ${o.and}` : ''}`;
}
