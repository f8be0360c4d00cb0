/**
 * The limit a full recompute is measured against (`recompute_vs_limit`): one hand-written GROUP BY pass over the facts
 * (lib/indicators/bench.ts) plus a raw COPY of exactly the rows the recompute wrote — adjudications, every rollup and
 * the alerts — into empty copies of their tables (same columns, indexes and constraints), timed in the same run.
 * Whatever the recompute does beyond reading the facts once and writing its result once shows as the ratio above 1.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import type { Db } from '../db/client';
import { ROLLUP_TABLES } from '../indicators/refresh';

export const RECOMPUTE_WRITES = ['adjudications', ...ROLLUP_TABLES, 'alerts'];

export async function timeRecomputeWritesCopy(db: Db, dir: string): Promise<{ ms: number; rows: number }> {
  const c = await db.$client.connect();
  let ms = 0;
  let rows = 0;
  try {
    for (const t of RECOMPUTE_WRITES) {
      const file = path.join(dir, `limit-${t}.copy`);
      const copy = `bench_limit_${t}`;
      await pipeline(c.query(copyTo(`copy (select * from ${t}) to stdout`)), fs.createWriteStream(file));
      await c.query(`drop table if exists ${copy}`);
      await c.query(`create table ${copy} (like ${t} including all)`);
      try {
        const t0 = performance.now();
        await c.query('begin');
        const s = c.query(copyFrom(`copy ${copy} from stdin`));
        await pipeline(fs.createReadStream(file, { highWaterMark: 1 << 20 }), s);
        await c.query('commit');
        ms += performance.now() - t0;
        rows += s.rowCount ?? 0;
      } finally {
        await c.query(`drop table if exists ${copy}`);
        fs.rmSync(file, { force: true });
      }
    }
  } finally {
    c.release();
  }
  return { ms, rows };
}
