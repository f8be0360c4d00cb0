/**
 * A batch is marked running before its file is read and done/failed when its transaction ends. A process killed in
 * between (kill -9, out of memory, a power cut) leaves it 进行中 for ever, although its transaction was rolled back
 * and nothing of it was loaded. This marks such batches failed.
 *
 * A batch is left alone when it may still be alive: while any ingest holds the load lock (ingestFiles takes
 * `ofm:ingest` for its whole transaction, so a live load is seen however long it runs), and for a short while after it
 * was started (a CLI opening its files, an upload still arriving, have not taken the lock yet).
 */
import type { Db } from '../db/client';

/** how long a fresh batch may go without the load lock (opening files, an upload arriving) before it counts as stale */
export const STALE_AFTER_SECONDS = 120;

export const STALE_MESSAGE = '导入进程意外中止（服务器或命令行进程被终止），本批次未导入任何数据，请重新导入 the ingest process ended without finishing';

/** Marks as failed the running batches no live ingest owns; returns their ids. */
export async function finishStaleBatches(db: Db, opts: { olderThanSeconds?: number } = {}): Promise<number[]> {
  const client = await db.$client.connect();
  try {
    await client.query('begin');
    // held only by a load in progress; not to be had means one runs, and its batches are not stale
    const free = await client.query<{ ok: boolean }>("select pg_try_advisory_xact_lock(hashtext('ofm:ingest')) as ok");
    if (!free.rows[0]?.ok) {
      await client.query('rollback');
      return [];
    }
    const r = await client.query<{ id: string }>(
      `update ingest_batches set status = 'failed', message = $1, finished_at = now()
       where status = 'running' and started_at < now() - make_interval(secs => $2) returning id`,
      [STALE_MESSAGE, opts.olderThanSeconds ?? STALE_AFTER_SECONDS],
    );
    await client.query('commit');
    return r.rows.map((x) => Number(x.id)).sort((a, b) => a - b);
  } catch (e) {
    await client.query('rollback').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
}
