/**
 * A per-process cache for pages whose data changes only when a batch lands, a recompute runs or an alert's status
 * changes (the overview): 20 inspectors opening it at once then read one computation instead of twenty.
 *
 * Keyed by the actor's region set and role (what RLS lets them see), the page's parameters and the data version —
 * the sequence `ofm_data_version`, bumped after every pipeline run and recompute has committed (`bumpDataVersion`), and
 * the newest alert event the actor can see (verdicts, assignments, raised/withdrawn alerts). The version is read inside
 * the actor's own scoped transaction, so a cached value is never shared across region sets and never older than the
 * data the reader could see. Concurrent requests for one key share one computation.
 */
import { sql } from 'drizzle-orm';
import type { Db, Tx } from '../db/client';
import type { Actor } from '../db/scoped';

const MAX_ENTRIES = 200;
const entries = new Map<string, { version: string; value: Promise<unknown> }>();

/** The data version as this transaction sees it. */
export async function dataVersion(tx: Tx): Promise<string> {
  const { rows } = await tx.execute<{ v: string }>(
    sql`select (select last_value from ofm_data_version)::text || ':' || coalesce((select max(id) from alert_events), 0)::text as v`,
  );
  return rows[0]?.v ?? '';
}

/** After a batch's pipeline or a recompute has committed: cached pages are recomputed on their next request. */
export async function bumpDataVersion(db: Db): Promise<void> {
  await db.$client.query(`select nextval('ofm_data_version')`);
}

export function cacheKey(actor: Actor, page: string, params: unknown): string {
  return JSON.stringify([page, actor.role, [...actor.regions].sort(), params]);
}

/** fn's value for this key and data version, computed once per version (inside the caller's scoped transaction). */
export async function cachedByVersion<T>(tx: Tx, key: string, fn: () => Promise<T>): Promise<T> {
  const version = await dataVersion(tx);
  const hit = entries.get(key);
  if (hit && hit.version === version) return hit.value as Promise<T>;
  const value = fn();
  entries.delete(key);
  if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value as string);
  entries.set(key, { version, value });
  value.catch(() => entries.delete(key));
  return value;
}

/** for tests */
export function clearPageCache(): void {
  entries.clear();
}
