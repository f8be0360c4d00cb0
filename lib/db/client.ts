/**
 * The one place that hands out a database client. With DATABASE_URL it uses that server
 * unchanged; without it, the embedded Postgres under DATA_DIR (started on first use).
 * Queries take the client as an argument (`fn(db, params)`), so tests point them at their own database.
 */
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { dataDir, env } from '../env';
import { ensureEmbedded, type EmbeddedHandle } from './embedded';
import { runMigrations } from './migrate';
import * as schema from './schema';

export type Db = NodePgDatabase<typeof schema> & { $client: pg.Pool };
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type DbOrTx = Db | Tx;

// int8 columns (money in fen, counts) come back as JS numbers: fen totals stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
// `date` columns stay ISO strings (no time-zone shift).
pg.types.setTypeParser(pg.types.builtins.DATE, (v) => v);

interface State {
  db?: Promise<Db>;
  embedded?: EmbeddedHandle;
  url?: string;
}
const g = globalThis as unknown as { __ofmDb?: State };
const state: State = (g.__ofmDb ??= {});

export async function databaseUrl(): Promise<string> {
  if (state.url) return state.url;
  const fromEnv = env().DATABASE_URL;
  if (fromEnv) {
    state.url = fromEnv;
  } else {
    state.embedded = await ensureEmbedded(dataDir());
    state.url = state.embedded.url;
  }
  return state.url;
}

export function createDb(url: string, max = 10): Db {
  const pool = new pg.Pool({ connectionString: url, max, options: '-c timezone=Asia/Shanghai' });
  pool.on('error', () => undefined);
  return drizzle(pool, { schema }) as Db;
}

export function getDb(): Promise<Db> {
  state.db ??= databaseUrl().then(async (url) => {
    const db = createDb(url);
    // The embedded server is ready for any first command (a new user's `ingest` or `demo`, as after `npm start`): a
    // cluster without the schema is migrated once. A DATABASE_URL server is used unchanged (`db migrate` is explicit).
    if (state.embedded) {
      const r = await db.$client.query<{ missing: boolean }>(`select to_regclass('public.settlements') is null as missing`);
      if (r.rows[0]?.missing) await runMigrations(db);
    }
    return db;
  });
  return state.db;
}

/** Ends the pool and, for the embedded server, stops it when this process started it and is the last user. */
export async function closeDb(): Promise<void> {
  const pending = state.db;
  state.db = undefined;
  if (pending) {
    const db = await pending.catch(() => undefined);
    await db?.$client.end().catch(() => undefined);
  }
  const embedded = state.embedded;
  state.embedded = undefined;
  state.url = undefined;
  await embedded?.release();
}
