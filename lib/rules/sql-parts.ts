/** SQL fragments shared by the rule queries ($1 months, $2 regions, $3 thresholds jsonb). */

/** A threshold value from $3. */
export const th = (key: string) => `(($3::jsonb ->> '${key}')::float8)`;

export const MONTH_PERIOD = `to_char(month, 'YYYY-MM') as period_key, month as period_start, (month + interval '1 month' - interval '1 day')::date as period_end`;
export const YEAR_PERIOD = `to_char(y, 'YYYY') as period_key, y as period_start, (y + interval '1 year' - interval '1 day')::date as period_end`;

export const IN_SCOPE = `month = any($1::date[]) and region_code = any($2::text[])`;

/**
 * A person-local (or subject-local) rule's condition on its subject column: $6 the subjects to re-run (null: all). Postgres must know the
 * type of every parameter it is given, so $3, $4 and $5 (always given, never null) are named here for the rules that do not
 * read them otherwise.
 */
export const forSubjects = (col: string) => `($6::text[] is null or ${col} = any($6::text[])) and $3::jsonb is not null and $4::date is not null and $5::date is not null`;

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

/** The persons' condition of a person-local rule. */
export const forPersons = forSubjects;
