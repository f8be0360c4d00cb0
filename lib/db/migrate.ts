import path from 'node:path';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import type { Db } from './client';
import { distribute, isDistributed } from './distribute';
import { ensureRegionRls } from './rls';

export const MIGRATIONS_DIR = path.resolve(process.cwd(), 'drizzle');

/** Applies drizzle/ migrations; already applied ones are skipped (drizzle's journal table), so it is idempotent. */
export async function runMigrations(db: Db): Promise<{ applied: number; total: number }> {
  const count = async () => {
    const r = await db.$client
      .query<{ n: number }>('select count(*)::int as n from drizzle.__drizzle_migrations')
      .catch(() => ({ rows: [{ n: 0 }] }));
    return r.rows[0]?.n ?? 0;
  };
  const before = await count();
  // One process at a time: an advisory lock serialises concurrent migrators (app start + CLI).
  const client = await db.$client.connect();
  try {
    await client.query('select pg_advisory_lock(724001)');
    await migrate(db, { migrationsFolder: MIGRATIONS_DIR });
    // Tables added by any migration get the region policy and the app role's grants (lib/db/rls.ts).
    await ensureRegionRls(db);
  } finally {
    await client.query('select pg_advisory_unlock(724001)').catch(() => undefined);
    client.release();
  }
  // a distributed database (db distribute) takes the tables these migrations added into its layout
  if (await isDistributed(db.$client)) await distribute(db);
  const after = await count();
  return { applied: after - before, total: after };
}
