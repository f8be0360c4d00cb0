/**
 * Row locks that work on one Postgres and on Citus alike. Citus takes FOR UPDATE only in a query of one shard (an
 * equality on the distribution column), so rows found by id are locked region by region: first their regions (sorted,
 * the same order for every caller, so two transactions never wait on each other crosswise), then one locking query
 * per region with the caller's own filter.
 */
import { sql } from 'drizzle-orm';
import type { Tx } from './client';

export async function regionsOfIds(tx: Tx, table: 'alerts' | 'cases', ids: number[]): Promise<string[]> {
  if (!ids.length) return [];
  const r = await tx.execute<{ r: string }>(
    sql`select distinct region_code::text as r from ${sql.identifier(table)} where id = any(${sql.param(ids)}::bigint[]) order by 1`,
  );
  return r.rows.map((x) => x.r);
}

/** Runs `lock(region)` for each region of `ids` in order and joins the rows. */
export async function lockByRegion<T>(tx: Tx, table: 'alerts' | 'cases', ids: number[], lock: (region: string) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (const region of await regionsOfIds(tx, table, ids)) out.push(...(await lock(region)));
  return out;
}
