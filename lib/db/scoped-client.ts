/**
 * scoped() for code that runs raw SQL with positional parameters (the rule queries, lib/rules/run.ts): one
 * transaction on one pooled client, `app.regions` set and the role switched to the app role, so row-level security
 * limits every read to the actor's regions. `readOnly` makes Postgres refuse any write (a back-test changes nothing).
 * `tx` is a drizzle handle on the same client and transaction (for the audit row of a write).
 */
import { drizzle } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import type { Db, Tx } from './client';
import * as schema from './schema';
import { scopeStatements, type Actor } from './scoped';

export async function scopedClient<T>(db: Db, actor: Actor, fn: (c: pg.PoolClient, tx: Tx) => Promise<T>, opts: { readOnly?: boolean } = {}): Promise<T> {
  const c = await db.$client.connect();
  try {
    await c.query(opts.readOnly ? 'begin transaction read only' : 'begin');
    for (const q of scopeStatements(actor)) await c.query(q);
    // drizzle on this client: the audit helper takes a transaction handle; it only inserts through it
    const tx = drizzle(c, { schema }) as unknown as Tx;
    const out = await fn(c, tx);
    await c.query('commit');
    return out;
  } catch (e) {
    await c.query('rollback').catch(() => undefined);
    throw e;
  } finally {
    c.release();
  }
}
