/**
 * `npm run worker` (also started by `npm start`): the pg-boss worker that sends the weekly digest.
 * Uses DATABASE_URL, or the embedded Postgres under DATA_DIR like the app. Stops cleanly on
 * SIGINT/SIGTERM (in-flight sends finish; the sent log covers a hard kill).
 */
import { closeDb, databaseUrl, getDb } from '../db/client';
import { runMigrations } from '../db/migrate';
import { startMailWorker } from './jobs';
import { defaultTransport } from './transport';

async function main() {
  const url = await databaseUrl();
  const db = await getDb();
  await runMigrations(db);
  const transport = defaultTransport();
  const worker = await startMailWorker({ url, db, transport });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await worker.stop().catch(() => undefined);
    transport.close();
    await closeDb().catch(() => undefined);
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch(async (e: unknown) => {
  console.error(`[mail] 邮件任务启动失败 worker failed: ${(e as Error)?.stack ?? String(e)}`);
  await closeDb().catch(() => undefined);
  process.exit(1);
});
