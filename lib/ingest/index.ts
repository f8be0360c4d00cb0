/**
 * ingestFiles: parse (stream) → zod per row → COPY into temporary staging tables → ONE transaction
 * that merges everything (see merge.ts) and records the batches and their rejected rows.
 * The CLI `ingest`, the HTTP upload route, `demo` and the bench all call this.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { InputError } from '../errors';
import { afterIngest } from '../pipeline/after-ingest';
import { detectKind, type Kind } from './columns';
import { CopyWriter } from './copy';
import { merge } from './merge';
import { openFile, type Format } from './parse';
import { createStaging, detailLine, doctorLine, dropStaging, institutionLine, personLine, settlementLine, STAGING } from './staging';
import { validateRow, type RowError } from './validate';

export type { RowError } from './validate';

export interface IngestOptions {
  format?: string;
  strict?: boolean;
  userId?: number | null;
  /** names shown in errors and batch history (default: the file's base name) */
  displayNames?: string[];
  /** existing ingest_batches ids to use (the HTTP route creates them before the upload finishes) */
  batchIds?: number[];
  /** run afterIngest (re-adjudication, indicators, rules) for the affected months; default true */
  pipeline?: boolean;
  onProgress?: (rows: number) => void;
}

export interface IngestResult {
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
  errors: RowError[];
  reversed: number;
  batches: number[];
  files: Array<{ file: string; kind: Kind; format: Format; encoding: string; rows: number }>;
  months: string[];
  regions: string[];
  strict: boolean;
  /** true when --strict discarded the batch because of rejected rows */
  rolledBack: boolean;
  errorsTotal: number;
  pipeline?: Array<{ step: string; ms: number }>;
}

/** Rejected rows kept in memory (and in ingest_errors); beyond this only the count grows. */
const MAX_ERRORS = 20_000;
const PROGRESS_EVERY = 25_000;

async function sha256(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

const LINE = {
  settlements: settlementLine,
  details: detailLine,
  institutions: institutionLine,
  doctors: doctorLine,
  persons: personLine,
} as const;

export async function createBatch(db: Db, fileName: string, opts: { userId?: number | null; strict?: boolean; format?: string }): Promise<number> {
  const r = await db.execute<{ id: number }>(
    sql`insert into ingest_batches (file_name, file_sha256, kind, format, status, strict, user_id)
        values (${fileName}, '', 'unknown', ${opts.format ?? ''}, 'running', ${opts.strict ? 1 : 0}, ${opts.userId ?? null}) returning id`,
  );
  const id = r.rows[0]?.id;
  if (id === undefined) throw new Error('could not create ingest batch');
  return id;
}

export async function ingestFiles(db: Db, files: string[], opts: IngestOptions = {}): Promise<IngestResult> {
  if (!files.length) throw new InputError('没有文件 no file given', { field: 'file' });
  const names = files.map((f, i) => opts.displayNames?.[i] ?? path.basename(f));
  const errors: RowError[] = [];
  let errorsTotal = 0;
  let rejected = 0;
  let hasReversals = false;
  const staged = new Map<number, number>();
  const batchIds: number[] = [];
  const fileInfo: IngestResult['files'] = [];

  // Open every file first: a file whose kind cannot be recognised stops the whole run before anything is written.
  const opened = [];
  for (let i = 0; i < files.length; i++) {
    const file = files[i] as string;
    const p = await openFile(file, opts.format).catch((e: unknown) => {
      if (e instanceof InputError) throw new InputError(e.message, { ...e.where, file: names[i] });
      throw new InputError(`无法读取文件 cannot read the file: ${(e as Error).message}`, { file: names[i] });
    });
    const kind = detectKind(p.fields);
    if (!kind)
      throw new InputError(
        `无法识别文件类型 cannot tell settlements, fee details or master data from the columns: ${p.fields.slice(0, 12).join(', ')}`,
        { file: names[i], row: 1, field: 'header' },
      );
    opened.push({ file, name: names[i] as string, parsed: p, kind, hash: sha256(file) });
  }

  const client = await db.$client.connect();
  let released = false;
  try {
    await client.query("set timezone = 'Asia/Shanghai'");
    await createStaging(client);
    for (let i = 0; i < opened.length; i++) {
      const o = opened[i];
      if (!o) continue;
      const batchId = opts.batchIds?.[i] ?? (await createBatch(db, o.name, opts));
      batchIds.push(batchId);
      await db.execute(sql`update ingest_batches set kind = ${o.kind}, format = ${o.parsed.format}, file_name = ${o.name} where id = ${batchId}`);
      const line = LINE[o.kind] as (f: number, r: number, b: number, v: never, e: Record<string, unknown> | null) => string;
      const writer = CopyWriter.open(client, `copy ${STAGING[o.kind].table} from stdin`);
      let rows = 0;
      let good = 0;
      const tStage = performance.now();
      let progress: Promise<unknown> = Promise.resolve();
      try {
        for await (const batch of o.parsed.rows)
        for (const pr of batch) {
          rows++;
          const r = validateRow(o.kind, o.name, pr.row, pr.values);
          if (r.ok) {
            if (o.kind === 'settlements' && (r.value as { refd_setl_flag: boolean | null }).refd_setl_flag) hasReversals = true;
            await writer.write(line(i, pr.row, batchId, r.value as never, r.extra));
            good++;
          } else {
            rejected++;
            errorsTotal += r.errors.length;
            for (const e of r.errors) if (errors.length < MAX_ERRORS) errors.push(e);
          }
          if (rows % PROGRESS_EVERY === 0) {
            const n = rows;
            opts.onProgress?.(n);
            progress = progress.then(() => db.execute(sql`update ingest_batches set rows = ${n} where id = ${batchId}`)).catch(() => undefined);
          }
        }
      } finally {
        await writer.end();
      }
      await progress;
      staged.set(batchId, good);
      if (process.env.OFM_INGEST_TRACE === '1') process.stderr.write(`[stage] ${o.name} ${rows} rows ${Math.round(performance.now() - tStage)} ms\n`);
      fileInfo.push({ file: o.name, kind: o.kind, format: o.parsed.format, encoding: o.parsed.encoding, rows });
      await db.execute(sql`update ingest_batches set rows = ${rows}, file_sha256 = ${await o.hash} where id = ${batchId}`);
      opts.onProgress?.(rows);
    }

    await client.query('begin');
    let m;
    try {
      m = await merge(client, names, staged, hasReversals);
    } catch (e) {
      await client.query('rollback');
      throw e;
    }
    for (const e of m.rejects) {
      errorsTotal++;
      if (errors.length < MAX_ERRORS) errors.push(e);
    }
    rejected += m.rejects.length;
    const strict = opts.strict ?? false;
    const rollback = strict && rejected > 0;
    if (rollback) await client.query('rollback');

    let inserted = 0;
    let updated = 0;
    let unchanged = 0;
    const recordSql: Array<[string, unknown[]]> = [];
    for (const id of batchIds) {
      const c = m.perBatch.get(id) ?? { inserted: 0, updated: 0, unchanged: 0, reversed: 0 };
      const un = Math.max(0, (staged.get(id) ?? 0) - c.inserted - c.updated);
      const fileIdx = batchIds.indexOf(id);
      const rej = errors.filter((e) => e.file === names[fileIdx]);
      const rejRows = new Set(rej.map((e) => e.row)).size;
      if (!rollback) {
        inserted += c.inserted;
        updated += c.updated;
        unchanged += un;
      }
      recordSql.push([
        `update ingest_batches set status = $2, inserted = $3, updated = $4, unchanged = $5, rejected = $6, reversed = $7,
           region_codes = $8, months = $9, message = $10, finished_at = now() where id = $1`,
        [
          id,
          rollback ? 'rejected' : 'done',
          rollback ? 0 : c.inserted,
          rollback ? 0 : c.updated,
          rollback ? 0 : un,
          rejRows,
          rollback ? 0 : c.reversed,
          m.regions,
          m.months,
          rollback ? `严格模式：有 ${rejected} 行被拒绝，整批未导入 strict: ${rejected} rejected rows, nothing loaded` : null,
        ],
      ]);
    }
    if (rollback) await client.query('begin');
    for (const [q, p] of recordSql) await client.query(q, p);
    for (let k = 0; k < errors.length; k += 2000) {
      const chunk = errors.slice(k, k + 2000);
      await client.query(
        `insert into ingest_errors (batch_id, file, row, field, message, value)
         select b.id, e.file, e.row, e.field, e.message, e.value
         from unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[]) as e(file, row, field, message, value)
         join unnest($6::bigint[], $7::text[]) as b(id, name) on b.name = e.file`,
        [chunk.map((e) => e.file), chunk.map((e) => e.row), chunk.map((e) => e.field), chunk.map((e) => e.message), chunk.map((e) => e.value ?? null), batchIds, names],
      );
    }
    await client.query('commit');
    await dropStaging(client).catch(() => undefined);
    client.release();
    released = true;

    const result: IngestResult = {
      inserted,
      updated,
      unchanged,
      rejected,
      errors,
      reversed: rollback ? 0 : m.reversed,
      batches: batchIds,
      files: fileInfo,
      months: m.months,
      regions: m.regions,
      strict,
      rolledBack: rollback,
      errorsTotal,
    };
    if (!rollback && (opts.pipeline ?? true) && inserted + updated + result.reversed > 0 && m.months.length) {
      const steps = await afterIngest(db, { months: m.months, regionCodes: m.regions, batchId: batchIds[0] });
      result.pipeline = steps.map((s) => ({ step: s.step, ms: s.ms }));
    }
    return result;
  } catch (e) {
    for (const id of batchIds)
      await db.execute(sql`update ingest_batches set status = 'failed', message = ${(e as Error).message.slice(0, 500)}, finished_at = now() where id = ${id}`).catch(() => undefined);
    throw e;
  } finally {
    if (!released) {
      // the connection may be mid-COPY or mid-transaction: do not hand it back to the pool
      client.release(true);
    }
  }
}
