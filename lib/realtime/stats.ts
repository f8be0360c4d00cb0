/**
 * What the bureau's 事前事中审核 page shows of the real-time check, over a date range (Asia/Shanghai days): calls per
 * institution and day (paged on the server), the daily trend, the slowest calls. Read in the viewer's scope (RLS).
 */
import type pg from 'pg';

export interface RangeQuery {
  from: string;
  to: string;
}

const RANGE = `at >= $1::date::timestamp at time zone 'Asia/Shanghai' and at < ($2::date + 1)::timestamp at time zone 'Asia/Shanghai'`;

export interface Totals {
  calls: number;
  refused: number;
  warnings: number;
  p50_ms: number | null;
  p99_ms: number | null;
  institutions: number;
}

export async function totals(c: pg.ClientBase, q: RangeQuery): Promise<Totals> {
  const r = await c.query<Totals>(
    `select count(*)::int as calls, count(*) filter (where status <> 200)::int as refused, coalesce(sum(results), 0)::int as warnings,
        round((percentile_cont(0.5) within group (order by ms) filter (where status = 200))::numeric, 1)::float8 as p50_ms,
        round((percentile_cont(0.99) within group (order by ms) filter (where status = 200))::numeric, 1)::float8 as p99_ms,
        count(distinct (region_code, fixmedins_code))::int as institutions
       from rt_calls where ${RANGE}`,
    [q.from, q.to],
  );
  return r.rows[0] ?? { calls: 0, refused: 0, warnings: 0, p50_ms: null, p99_ms: null, institutions: 0 };
}

export interface DayPoint {
  day: string;
  calls: number;
  refused: number;
  warnings: number;
}

export async function perDay(c: pg.ClientBase, q: RangeQuery): Promise<DayPoint[]> {
  const r = await c.query<DayPoint>(
    `select to_char((at at time zone 'Asia/Shanghai')::date, 'YYYY-MM-DD') as day, count(*)::int as calls,
        count(*) filter (where status <> 200)::int as refused, coalesce(sum(results), 0)::int as warnings
       from rt_calls where ${RANGE} group by 1 order by 1`,
    [q.from, q.to],
  );
  return r.rows;
}

export interface InstDayRow {
  day: string;
  region_code: string;
  fixmedins_code: string;
  fixmedins_name: string | null;
  calls: number;
  c3101: number;
  c3102: number;
  c3103: number;
  refused: number;
  warnings: number;
  avg_ms: number;
  max_ms: number;
}

export const INST_DAY_SORTS = ['day', 'calls', 'warnings', 'refused', 'max_ms'] as const;
export type InstDaySort = (typeof INST_DAY_SORTS)[number];

export async function perInstitutionDay(
  c: pg.ClientBase,
  q: RangeQuery & { page: number; pageSize: number; sort: InstDaySort; institution?: string },
): Promise<{ rows: InstDayRow[]; total: number }> {
  const order = q.sort === 'day' ? 'day desc, calls desc' : `${q.sort} desc, day desc`;
  const r = await c.query<InstDayRow & { total: number }>(
    `with g as (
       select to_char((at at time zone 'Asia/Shanghai')::date, 'YYYY-MM-DD') as day, region_code, fixmedins_code, count(*)::int as calls,
         count(*) filter (where endpoint = '3101')::int as c3101, count(*) filter (where endpoint = '3102')::int as c3102,
         count(*) filter (where endpoint = '3103')::int as c3103, count(*) filter (where status <> 200)::int as refused,
         coalesce(sum(results), 0)::int as warnings, round(avg(ms)::numeric, 1)::float8 as avg_ms, round(max(ms)::numeric, 1)::float8 as max_ms
        from rt_calls where ${RANGE} and ($5::text is null or fixmedins_code = $5)
        group by 1, 2, 3
     )
     select g.*, i.fixmedins_name, count(*) over ()::int as total
       from g left join institutions i on i.region_code = g.region_code and i.fixmedins_code = g.fixmedins_code
      order by ${order}, g.fixmedins_code limit $3 offset $4`,
    [q.from, q.to, q.pageSize, (q.page - 1) * q.pageSize, q.institution ?? null],
  );
  return { rows: r.rows, total: r.rows[0]?.total ?? 0 };
}

export interface SlowCall {
  at: string;
  region_code: string;
  fixmedins_code: string;
  fixmedins_name: string | null;
  endpoint: string;
  status: number;
  ms: number;
  results: number;
  trig_scen: string | null;
}

export async function slowestCalls(c: pg.ClientBase, q: RangeQuery, n = 15): Promise<SlowCall[]> {
  const r = await c.query<SlowCall>(
    `select to_char(c.at at time zone 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI:SS') as at, c.region_code, c.fixmedins_code, i.fixmedins_name,
        c.endpoint, c.status, round(c.ms::numeric, 1)::float8 as ms, c.results, c.trig_scen
       from (select * from rt_calls where ${RANGE} order by ms desc limit $3) c
       left join institutions i on i.region_code = c.region_code and i.fixmedins_code = c.fixmedins_code
      order by c.ms desc`,
    [q.from, q.to, n],
  );
  return r.rows;
}
