/**
 * scoped() (lib/db/scoped.ts) on a plain pg client: the same transaction-local app.regions / app.user_id / app.actor
 * and the same switch to the app role, so row-level security limits every query to the actor's regions. The
 * real-time check runs many small statements per call; this starts the transaction, sets the scope and switches role
 * in one round trip (the values are validated: region codes are 6 digits, names are quoted literals). A failure of any
 * of them fails the message: the transaction is then aborted and rolled back below.
 */
import type pg from 'pg';
import type { Db } from '../db/client';
import { scopeStatements, type Actor } from '../db/scoped';

/**
 * `fast`: the real-time check's settings for its transaction — plan_cache_mode = force_generic_plan, so its named
 * statements are planned once per connection (a custom plan of the rules query over the partitioned facts took 40–130
 * ms to plan, every call); synchronous_commit = off, so the answer does not wait for the WAL flush (a crash may lose the
 * last moments of call logs and stored encounters, never make them inconsistent).
 */
export async function withScope<T>(db: Db, actor: Actor, fn: (c: pg.PoolClient) => Promise<T>, o: { fast?: boolean } = {}): Promise<T> {
  for (const r of actor.regions) if (r !== '*' && !/^\d{6}$/.test(r)) throw new Error(`invalid region ${r}`);
  const c = await db.$client.connect();
  let ok = false;
  try {
    // one simple-protocol message of several statements: one round trip instead of five or six
    const fast = o.fast ? ["select set_config('plan_cache_mode', 'force_generic_plan', true), set_config('synchronous_commit', 'off', true)"] : [];
    await c.query(['begin', ...scopeStatements(actor), ...fast].join('; '));
    const out = await fn(c);
    await c.query('commit');
    ok = true;
    return out;
  } finally {
    if (!ok) await c.query('rollback').catch(() => undefined);
    c.release();
  }
}
