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

export async function scoped<T>(db: Db, actor: Actor, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.execute(
      sql`select set_config('app.regions', ${actor.regions.join(',')}, true), set_config('app.user_id', ${String(actor.userId ?? '')}, true), set_config('app.actor', ${actor.name}, true)`,
    );
    if (actor.role !== 'system') await tx.execute(sql.raw(`set local role ${env().APP_DB_ROLE}`));
    return fn(tx);
  });
}
