/**
 * Indicators per subject (institution, doctor, insured person, region) over a period, from the
 * monthly rollups: the institution / doctor / person lists and the 指标 explorer. One statement sums
 * the period and the period before (for growth), derives every ratio from the sums, ranks the
 * subjects (percent_rank among all subjects in scope) and returns one page.
 * Persons per institution are distinct per month in the rollup, so over a quarter "persons" is the
 * sum of monthly persons (人次·月) and per-capita cost is per person-month; the labels say so.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import type { Period } from './period';
import { inRegions } from './scope';

import { METRIC_IDS, METRICS, metricsFor, type MetricId, type SubjectKind } from './metrics';

export * from './metrics';

interface Source {
  table: string;
  id: string;
  persons: boolean;
  rx: boolean;
  /** extra columns kept per subject */
  extra: string;
  name: string;
  join: string;
}

const SOURCES: Record<SubjectKind, Source> = {
  institution: {
    table: 'ind_institution_month',
    id: 'fixmedins_code',
    persons: true,
    rx: false,
    extra: `max(t.fixmedins_type) as kind, max(t.hosp_lv)::int as level, max(t.peer_key) as peer_key, null::text as parent`,
    name: 'n.fixmedins_name',
    join: 'left join institutions n on n.region_code = r.region_code and n.fixmedins_code = r.id',
  },
  doctor: {
    table: 'ind_doctor_month',
    id: 'dr_codg',
    persons: true,
    rx: true,
    extra: `null::text as kind, null::int as level, max(t.peer_key) as peer_key, max(t.fixmedins_code) as parent`,
    name: 'n.dr_name',
    join: 'left join doctors n on n.region_code = r.region_code and n.dr_codg = r.id',
  },
  insured: {
    table: 'ind_person_month',
    id: 'psn_no',
    persons: false,
    rx: false,
    extra: `max(t.psn_type) as kind, max(t.institutions)::int as level, null::text as peer_key, null::text as parent`,
    name: 'null::text',
    join: '',
  },
  region: {
    table: 'ind_region_month',
    id: 'region_code',
    persons: true,
    rx: false,
    extra: `null::text as kind, max(t.institutions)::int as level, null::text as peer_key, null::text as parent`,
    name: 'n.name',
    join: 'left join regions n on n.code = r.id',
  },
};

export interface SubjectRow {
  regionCode: string;
  id: string;
  name: string | null;
  /** institution type / person type */
  kind: string | null;
  /** hospital level (institutions), most institutions in a month (persons), institutions (regions) */
  level: number | null;
  peerKey: string | null;
  /** the doctor's institution */
  parent: string | null;
  metrics: Record<MetricId, number | null>;
  /** 0..1 percent rank of the ranked metric among all subjects in scope */
  percentile: number | null;
}

export interface SubjectQuery {
  kind: SubjectKind;
  period: Period;
  prev: Period;
  regions: string[] | null;
  sort?: MetricId | 'id' | 'name';
  desc?: boolean;
  /** the metric percentiles are computed on (defaults to the sort metric, else perVisit) */
  rankBy?: MetricId;
  page?: number;
  pageSize?: number;
  /** free text over code and name */
  q?: string;
  /** only these subject ids */
  ids?: string[];
  /** only subjects of this peer group (institutions, doctors) */
  peerKey?: string;
  /** only subjects with at least this many visits in the period */
  minVisits?: number;
}

export interface SubjectPage {
  rows: SubjectRow[];
  total: number;
  page: number;
  pageSize: number;
}

function metricSql(id: MetricId): SQL {
  return sql.raw(`(${METRICS[id].expr})::float8`);
}

export async function listSubjects(tx: DbOrTx, q: SubjectQuery): Promise<SubjectPage> {
  const src = SOURCES[q.kind];
  const allowed = metricsFor(q.kind);
  const sort = q.sort && (q.sort === 'id' || q.sort === 'name' || allowed.includes(q.sort)) ? q.sort : 'perVisit';
  const rankBy: MetricId = q.rankBy && allowed.includes(q.rankBy) ? q.rankBy : sort !== 'id' && sort !== 'name' ? sort : 'perVisit';
  const pageSize = Math.min(Math.max(q.pageSize ?? 50, 1), 500);
  const page = Math.max(q.page ?? 1, 1);
  const cur = sql.param(q.period.months);
  const prev = sql.param(q.prev.months);
  const all = sql.param([...q.prev.months, ...q.period.months]);
  const idCol = sql.raw(`t.${src.id}`);
  const persons = src.persons ? sql.raw('t.persons') : sql.raw('0');
  const rx = src.rx ? sql.raw('t.rx_count') : sql.raw('0');
  const metricCols = sql.join(
    allowed.map((id) => sql`${metricSql(id)} as ${sql.identifier(`m_${id}`)}`),
    sql`, `,
  );
  const conds: SQL[] = [sql`t.month = any(${all}::date[])`, inRegions('t.region_code', q.regions)];
  if (q.ids?.length) conds.push(sql`${idCol} = any(${sql.param(q.ids)}::text[])`);
  if (q.peerKey && (q.kind === 'institution' || q.kind === 'doctor')) conds.push(sql`t.peer_key = ${q.peerKey}`);
  const text = q.q?.trim();
  const textCond = text ? sql`(r.id ilike ${`%${text}%`} or coalesce(${sql.raw(src.name)}, '') ilike ${`%${text}%`})` : sql`true`;
  const sortExpr = sort === 'id' ? sql`r.id` : sort === 'name' ? sql.raw(src.name) : sql.identifier(`m_${sort}`);
  const dir = q.desc === false ? sql`asc` : sql`desc`;
  const { rows } = await tx.execute<Record<string, unknown>>(sql`
    with agg as (
      select t.region_code, ${idCol} as id,
        coalesce(sum(t.visits) filter (where t.month = any(${cur}::date[])), 0)::float8 as c_visits,
        coalesce(sum(${persons}) filter (where t.month = any(${cur}::date[])), 0)::float8 as c_persons,
        coalesce(sum(t.total_amt) filter (where t.month = any(${cur}::date[])), 0)::float8 as c_total,
        coalesce(sum(t.fund_amt) filter (where t.month = any(${cur}::date[])), 0)::float8 as c_fund,
        coalesce(sum(t.ownpay_amt) filter (where t.month = any(${cur}::date[])), 0)::float8 as c_ownpay,
        coalesce(sum(t.exam_amt) filter (where t.month = any(${cur}::date[])), 0)::float8 as c_exam,
        coalesce(sum(t.drug_amt) filter (where t.month = any(${cur}::date[])), 0)::float8 as c_drug,
        coalesce(sum(${rx}) filter (where t.month = any(${cur}::date[])), 0)::float8 as c_rx,
        sum(t.visits) filter (where t.month = any(${prev}::date[]))::float8 as p_visits,
        sum(t.total_amt) filter (where t.month = any(${prev}::date[]))::float8 as p_total,
        sum(t.fund_amt) filter (where t.month = any(${prev}::date[]))::float8 as p_fund,
        ${sql.raw(src.extra)}
      from ${sql.raw(src.table)} t
      where ${sql.join(conds, sql` and `)}
      group by t.region_code, ${idCol}
    ), m as (
      select agg.region_code, agg.id, agg.kind, agg.level, agg.peer_key, agg.parent, ${metricCols}
      from agg where c_visits >= ${Math.max(q.minVisits ?? 1, 1)}
    ), r as (
      select m.*, percent_rank() over (order by ${sql.identifier(`m_${rankBy}`)} nulls first) as pct from m
    )
    select r.*, ${sql.raw(src.name)} as name, count(*) over () as n_total
    from r ${sql.raw(src.join)}
    where ${textCond}
    order by ${sortExpr} ${dir} nulls last, r.id
    limit ${pageSize} offset ${(page - 1) * pageSize}`);
  const total = Number(rows[0]?.n_total ?? 0);
  return {
    rows: rows.map((r) => ({
      regionCode: String(r.region_code),
      id: String(r.id),
      name: (r.name as string | null) ?? null,
      kind: (r.kind as string | null) ?? null,
      level: r.level === null || r.level === undefined ? null : Number(r.level),
      peerKey: (r.peer_key as string | null) ?? null,
      parent: (r.parent as string | null) ?? null,
      metrics: Object.fromEntries(METRIC_IDS.map((id) => [id, r[`m_${id}`] === null || r[`m_${id}`] === undefined ? null : Number(r[`m_${id}`])])) as Record<MetricId, number | null>,
      percentile: r.pct === null || r.pct === undefined ? null : Number(r.pct),
    })),
    total,
    page,
    pageSize,
  };
}

export interface Distribution {
  n: number;
  min: number | null;
  max: number | null;
  mean: number | null;
  p10: number | null;
  p25: number | null;
  p50: number | null;
  p75: number | null;
  p90: number | null;
  p95: number | null;
  /** 20 equal-width bins between min and max */
  bins: Array<{ from: number; to: number; n: number }>;
}

/** Percentiles and a histogram of one metric over every subject in scope. */
export async function metricDistribution(tx: DbOrTx, q: Omit<SubjectQuery, 'sort' | 'page' | 'pageSize' | 'q'> & { metric: MetricId }): Promise<Distribution> {
  const src = SOURCES[q.kind];
  const cur = sql.param(q.period.months);
  const prev = sql.param(q.prev.months);
  const all = sql.param([...q.prev.months, ...q.period.months]);
  const persons = src.persons ? sql.raw('t.persons') : sql.raw('0');
  const rx = src.rx ? sql.raw('t.rx_count') : sql.raw('0');
  const conds: SQL[] = [sql`t.month = any(${all}::date[])`, inRegions('t.region_code', q.regions)];
  if (q.peerKey && (q.kind === 'institution' || q.kind === 'doctor')) conds.push(sql`t.peer_key = ${q.peerKey}`);
  const { rows } = await tx.execute<Record<string, number | null>>(sql`
    with agg as (
      select
        coalesce(sum(t.visits) filter (where t.month = any(${cur}::date[])), 0)::float8 as c_visits,
        coalesce(sum(${persons}) filter (where t.month = any(${cur}::date[])), 0)::float8 as c_persons,
        coalesce(sum(t.total_amt) filter (where t.month = any(${cur}::date[])), 0)::float8 as c_total,
        coalesce(sum(t.fund_amt) filter (where t.month = any(${cur}::date[])), 0)::float8 as c_fund,
        coalesce(sum(t.ownpay_amt) filter (where t.month = any(${cur}::date[])), 0)::float8 as c_ownpay,
        coalesce(sum(t.exam_amt) filter (where t.month = any(${cur}::date[])), 0)::float8 as c_exam,
        coalesce(sum(t.drug_amt) filter (where t.month = any(${cur}::date[])), 0)::float8 as c_drug,
        coalesce(sum(${rx}) filter (where t.month = any(${cur}::date[])), 0)::float8 as c_rx,
        sum(t.visits) filter (where t.month = any(${prev}::date[]))::float8 as p_visits,
        sum(t.total_amt) filter (where t.month = any(${prev}::date[]))::float8 as p_total,
        sum(t.fund_amt) filter (where t.month = any(${prev}::date[]))::float8 as p_fund
      from ${sql.raw(src.table)} t
      where ${sql.join(conds, sql` and `)}
      group by t.region_code, ${sql.raw(`t.${src.id}`)}
    ), v as (select ${metricSql(q.metric)} as v from agg where c_visits >= ${Math.max(q.minVisits ?? 1, 1)}),
    s as (
      select count(v)::int as n, min(v) as min, max(v) as max, avg(v) as mean,
        percentile_cont(array[0.1, 0.25, 0.5, 0.75, 0.9, 0.95]) within group (order by v) as p
      from v where v is not null
    )
    select s.n, s.min, s.max, s.mean, s.p[1] as p10, s.p[2] as p25, s.p[3] as p50, s.p[4] as p75, s.p[5] as p90, s.p[6] as p95,
      (select coalesce(json_agg(json_build_object('b', b, 'n', n) order by b), '[]'::json) from (
         select least(width_bucket(v, s.min, s.max + 1e-9, 20), 20) as b, count(*)::int as n from v where v is not null and s.max > s.min group by 1) h) as bins
    from s`);
  const r = rows[0] as (Record<string, number | null> & { bins?: unknown }) | undefined;
  const min = r?.min ?? null;
  const max = r?.max ?? null;
  const rawBins = (r?.bins ?? []) as Array<{ b: number; n: number }>;
  const width = min !== null && max !== null && max > min ? (max - min) / 20 : 0;
  const counts = new Map(rawBins.map((b) => [b.b, b.n]));
  const bins = width ? Array.from({ length: 20 }, (_, i) => ({ from: (min ?? 0) + i * width, to: (min ?? 0) + (i + 1) * width, n: counts.get(i + 1) ?? 0 })) : [];
  const num = (k: string) => (r?.[k] === null || r?.[k] === undefined ? null : Number(r[k]));
  return { n: Number(r?.n ?? 0), min, max, mean: num('mean'), p10: num('p10'), p25: num('p25'), p50: num('p50'), p75: num('p75'), p90: num('p90'), p95: num('p95'), bins };
}

/** Open (not dismissed) alert counts for a page of subjects. */
export async function alertCounts(tx: DbOrTx, subjectType: string, ids: string[], period?: Period): Promise<Map<string, { alerts: number; high: number }>> {
  if (!ids.length) return new Map();
  const when = period ? sql`and period_start >= ${period.from}::date and period_start <= ${period.end}::date` : sql``;
  const { rows } = await tx.execute<{ subject_id: string; alerts: number; high: number }>(sql`
    select subject_id, count(*)::int as alerts, count(*) filter (where severity = 'high')::int as high from alerts
    where subject_type = ${subjectType} and subject_id = any(${sql.param(ids)}::text[]) and status not in ('dismissed', 'withdrawn') ${when}
    group by subject_id`);
  return new Map(rows.map((r) => [r.subject_id, { alerts: r.alerts, high: r.high }]));
}
