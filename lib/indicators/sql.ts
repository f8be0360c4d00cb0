/** Small helpers shared by the indicator refresh and the rules: one pg connection, months as dates. */
import type pg from 'pg';
import type { Db } from '../db/client';

/**
 * The settings of a refresh's transaction. Monthly partitions: let the planner aggregate and join partition by partition.
 * JIT compiles every rule query anew (≈ 100–300 ms each) and buys little on these scans: off.
 */
export const SESSION_SETTINGS =
  "set local enable_partitionwise_aggregate = on; set local enable_partitionwise_join = on; set local work_mem = '64MB'; set local jit = off";

/** Runs fn on one connection inside a transaction (rollback on error). */
export async function inTransaction<T>(db: Db, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const c = await db.$client.connect();
  try {
    await c.query('begin');
    await c.query(SESSION_SETTINGS);
    const r = await fn(process.env.OFM_SQL_TRACE === '1' ? traced(c) : c);
    await c.query('commit');
    return r;
  } catch (e) {
    await c.query('rollback').catch(() => undefined);
    throw e;
  } finally {
    c.release();
  }
}

/** OFM_SQL_TRACE=1: each statement's time and first words on stderr (where a refresh spends its time) */
function traced(c: pg.PoolClient): pg.PoolClient {
  const query = c.query.bind(c) as (...a: unknown[]) => Promise<unknown>;
  return new Proxy(c, {
    get(t, k) {
      if (k !== 'query') return Reflect.get(t, k) as unknown;
      return async (...a: unknown[]) => {
        const t0 = performance.now();
        const r = await query(...a);
        const text = typeof a[0] === 'string' ? a[0] : '';
        process.stderr.write(`${(performance.now() - t0).toFixed(0).padStart(7)} ms  ${text.replace(/\s+/g, ' ').trim().slice(0, 110)}\n`);
        return r;
      };
    },
  });
}

/** 'YYYY-MM' → 'YYYY-MM-01' */
export function monthDate(m: string): string {
  if (!/^\d{4}-\d{2}$/.test(m)) throw new Error(`bad month ${m}`);
  return `${m}-01`;
}

export function normaliseMonths(months: string[]): string[] {
  return [...new Set(months.map((m) => m.slice(0, 7)))].sort();
}

/** Months (YYYY-MM) whose settlements partition holds rows (an empty partition is skipped without a scan). */
export async function partitionMonths(c: pg.ClientBase): Promise<string[]> {
  const r = await c.query<{ m: string; part: string }>(
    `select substring(k.relname from 'settlements_(\\d{6})$') as m, k.relname as part
       from pg_inherits i join pg_class p on p.oid = i.inhparent join pg_class k on k.oid = i.inhrelid
      where p.relname = 'settlements' order by 1`,
  );
  const out: string[] = [];
  for (const x of r.rows) {
    if (!x.m) continue;
    const e = await c.query<{ e: boolean }>(`select exists (select 1 from "${x.part.replace(/"/g, '')}") as e`);
    if (e.rows[0]?.e) out.push(`${x.m.slice(0, 4)}-${x.m.slice(4, 6)}`);
  }
  return out;
}

/**
 * ANALYZE the fact partitions of the given months whose statistics are missing or stale (more than
 * 10 % of rows changed since the last analyze). Right after a bulk load autovacuum has not run yet,
 * and without statistics the planner nests loops over whole partitions (measured: 39 s instead of 1 s
 * for 17k settlements). Sampling a partition costs a few tens of ms.
 * `neverOnly`: only partitions never analyzed (a day's refresh: a day changes a few percent of a month, whose
 * partitions autovacuum analyzes on its own threshold; sampling four months' facts cost it about 1.5 s at 1M).
 */
export async function analyzeStaleFacts(c: pg.ClientBase, months: string[] | null, neverOnly = false): Promise<string[]> {
  const r = await c.query<{ rel: string }>(
    `select k.relname as rel
       from pg_class k left join pg_stat_user_tables s on s.relid = k.oid
      where k.relkind = 'r' and k.relname ~ '^(settlements|fee_details|adjudications)_[0-9]{6}$'
        and ($1::text[] is null or right(k.relname, 6) = any($1))
        and (k.reltuples < 0 or (not $2 and coalesce(s.n_mod_since_analyze, 0) > 0.1 * greatest(k.reltuples, 1000)))`,
    [months ? months.map((m) => m.replace('-', '')) : null, neverOnly],
  );
  for (const x of r.rows) await c.query(`analyze "${x.rel.replace(/"/g, '')}"`);
  return r.rows.map((x) => x.rel);
}
