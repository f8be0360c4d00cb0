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

/**
 * The statements that scope a transaction to the actor: transaction-local app.regions / app.user_id / app.actor, and
 * the switch to the app role, which cannot bypass row-level security. SET LOCAL (not set_config): on Citus, with
 * citus.propagate_set_commands = 'local' (db distribute), the settings reach the workers, where the shards' policies
 * read app.regions; one statement each, as Citus forwards its text. Every raw-client scope (lib/db/scoped-client.ts,
 * the real-time check, the what-if) runs these same statements.
 */
export function scopeStatements(actor: Actor): string[] {
  const out = [
    `set local app.regions = ${literal(actor.regions.join(','))}`,
    `set local app.user_id = ${literal(String(actor.userId ?? ''))}`,
    `set local app.actor = ${literal(actor.name)}`,
  ];
  if (actor.role !== 'system') out.push(`set local role "${env().APP_DB_ROLE.replace(/"/g, '""')}"`);
  return out;
}

export async function scoped<T>(db: Db, actor: Actor, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    for (const q of scopeStatements(actor)) await tx.execute(sql.raw(q));
    return fn(tx);
  });
}
