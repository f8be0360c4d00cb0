/**
 * scoped() (lib/db/scoped.ts) on a plain pg client: the same transaction-local app.regions / app.user_id / app.actor
 * and the same switch to the app role, so row-level security limits every query to the actor's regions. The
 * real-time check runs many small statements per call; this starts the transaction, sets the scope and switches role
 * in one round trip (the values are validated: region codes are 6 digits, names are quoted literals).
 */
import type pg from 'pg';
import type { Db } from '../db/client';
import type { Actor } from '../db/scoped';
import { env } from '../env';

const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;

export async function withScope<T>(db: Db, actor: Actor, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  for (const r of actor.regions) if (r !== '*' && !/^\d{6}$/.test(r)) throw new Error(`invalid region ${r}`);
  const role = env().APP_DB_ROLE;
  const c = await db.$client.connect();
  let ok = false;
  try {
    await c.query(
      `begin; select set_config('app.regions', ${lit(actor.regions.join(','))}, true), set_config('app.user_id', ${lit(String(actor.userId ?? ''))}, true), set_config('app.actor', ${lit(actor.name)}, true);${actor.role === 'system' ? '' : ` set local role "${role.replace(/"/g, '')}";`}`,
    );
    const out = await fn(c);
    await c.query('commit');
    ok = true;
    return out;
  } finally {
    if (!ok) await c.query('rollback').catch(() => undefined);
    c.release();
  }
}
