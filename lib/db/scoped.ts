/**
 * Region scoping, enforced by Postgres row-level security.
 * Every read or write done for a person runs through `scoped(db, actor, fn)`: one transaction in
 * which `app.regions` / `app.user_id` are set and the role is switched to the app role, which
 * cannot bypass RLS. A query written without a region filter still sees only the actor's rows.
 * The RLS policies themselves live in the accounts migration (issue 10).
 */
import { sql } from 'drizzle-orm';
import { env } from '../env';
import type { Db, Tx } from './client';

export type Role = 'inspector' | 'reviewer' | 'admin' | 'viewer';

export interface Actor {
  userId: number | null;
  name: string;
  role: Role | 'system';
  /** region codes (6 digits) the actor may see; ['*'] for all */
  regions: string[];
}

/** Batch jobs (ingest, recompute, schedules) that act for no person. */
export const SYSTEM: Actor = { userId: null, name: 'system', role: 'system', regions: ['*'] };

/** A string literal for SET (which takes no parameters); doubles quotes, and backslashes in an E'' literal. */
export function literal(v: string): string {
  const q = `'${v.replace(/'/g, "''")}'`;
  return v.includes('\\') ? `E${q.replace(/\\/g, '\\\\')}` : q;
}

export async function scoped<T>(db: Db, actor: Actor, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    // SET LOCAL (not set_config): on Citus, with citus.propagate_set_commands = 'local' (db distribute), the settings
    // reach the workers, where the shards' policies read app.regions; one statement each, as Citus forwards its text
    await tx.execute(sql.raw(`set local app.regions = ${literal(actor.regions.join(','))}`));
    await tx.execute(sql.raw(`set local app.user_id = ${literal(String(actor.userId ?? ''))}`));
    await tx.execute(sql.raw(`set local app.actor = ${literal(actor.name)}`));
    if (actor.role !== 'system') await tx.execute(sql.raw(`set local role ${env().APP_DB_ROLE}`));
    return fn(tx);
  });
}
