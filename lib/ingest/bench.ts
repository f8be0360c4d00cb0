/**
 * Ingest throughput against raw COPY of the same rows into the same tables.
 * 1. truncate the facts, run ingestFiles on DIR/settlements.ndjson + DIR/details.ndjson (timed);
 * 2. dump the loaded rows (COPY TO, text format), truncate, COPY them back (timed): the limit.
 * ratio = copy_ms / ingest_ms (1 = as fast as raw COPY). Peak RSS is sampled during the ingest.
 *
 * `npx tsx lib/ingest/bench.ts DIR [--rows N]` runs it alone (DATABASE_URL or the embedded db);
 * with --rows it first generates about N settlements into DIR.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import type { Db } from '../db/client';
import { ingestFiles } from './index';

export interface IngestBench {
  rows: number;
  settlements: number;
  details: number;
  ingest_ms: number;
  copy_ms: number;
  ratio: number;
  peak_rss_mb: number;
}

const FACTS = ['settlements', 'fee_details'];

async function truncateFacts(db: Db) {
  await db.$client.query('truncate settlements, fee_details');
}

export async function benchIngest(db: Db, dir: string): Promise<IngestBench> {
  const files = ['settlements.ndjson', 'details.ndjson'].map((f) => path.join(dir, f));
  await truncateFacts(db);
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  const t0 = performance.now();
  const r = await ingestFiles(db, files, { pipeline: false });
  const ingestMs = performance.now() - t0;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  if (r.rejected) throw new Error(`bench data had ${r.rejected} rejected rows: ${JSON.stringify(r.errors.slice(0, 3))}`);

  // the same rows, dumped and copied back raw into the same (partitioned, indexed) tables
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ofm-bench-'));
  const client = await db.$client.connect();
  let copyMs = 0;
  const counts: Record<string, number> = {};
  try {
    for (const t of FACTS) {
      await pipeline(client.query(copyTo(`copy (select * from ${t}) to stdout`)), fs.createWriteStream(path.join(tmp, `${t}.tsv`)));
      counts[t] = Number((await client.query(`select count(*)::int as n from ${t}`)).rows[0]?.n ?? 0);
    }
    await client.query('truncate settlements, fee_details');
    await client.query('checkpoint').catch(() => undefined);
    const t1 = performance.now();
    for (const t of FACTS) await pipeline(fs.createReadStream(path.join(tmp, `${t}.tsv`), { highWaterMark: 1 << 20 }), client.query(copyFrom(`copy ${t} from stdin`)));
    copyMs = performance.now() - t1;
  } finally {
    client.release();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const settlements = counts.settlements ?? 0;
  const details = counts.fee_details ?? 0;
  return {
    rows: settlements + details,
    settlements,
    details,
    ingest_ms: Math.round(ingestMs),
    copy_ms: Math.round(copyMs),
    ratio: Math.round((copyMs / ingestMs) * 1000) / 1000,
    peak_rss_mb: Math.round(peak / 1e6),
  };
}

async function main() {
  const args = process.argv.slice(2);
  const dir = args[0];
  if (!dir) throw new Error('usage: tsx lib/ingest/bench.ts DIR [--rows N]');
  const rowsAt = args.indexOf('--rows');
  const { getDb, closeDb } = await import('../db/client');
  const db = await getDb();
  try {
    if (rowsAt >= 0) {
      const rows = Number(args[rowsAt + 1]);
      const { generate } = await import('../generate');
      // about 8.7 settlements per person-year
      await generate({ persons: Math.max(10, Math.round(rows / 8.7)), months: 12, seed: 42, out: dir });
    }
    console.log(JSON.stringify(await benchIngest(db, dir)));
  } finally {
    await closeDb();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.dirname, 'bench.ts')) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 2;
  });
}
