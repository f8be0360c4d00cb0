/**
 * ingestFiles: parse (stream) → validate each row (zod schema; fast path in validate.ts) → chunks of claims
 * COPYed straight into the facts when none of their keys is loaded, else through staging and the merge
 * (claims.ts, merge.ts), each chunk loaded while the next one is parsed, all in ONE transaction that also
 * records the batches and their rejected rows (a kill leaves all or nothing).
 * Order inside the transaction: master data files, settlement files, reversal rows, fee detail files.
 * The CLI `ingest`, the HTTP upload route, `demo` and the bench all call this.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { InputError } from '../errors';
import { afterIngest } from '../pipeline/after-ingest';
import { detectKind, type Kind } from './columns';
import { DetailLoader, keysInByteOrder, SettlementLoader } from './claims';
import { CopyWriter, dropSpareSlabs } from './copy';
import { MergeState, mergeMasters, mergeReversals, tracer } from './merge';
import { fileBlocks, openFile, type Format, type ParsedFile } from './parse';
import { SettlementIndex } from './setl-index';
import { createStaging, doctorLine, dropStaging, institutionLine, personLine, STAGING } from './staging';
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
  /**
   * Region codes the uploader may load (their account's regions). A row of any other region is rejected
   * with file, row and field; a fee line whose settlement belongs to another region too. Absent: all regions.
   */
  regions?: readonly string[];
  /** claims rows per merge chunk (default CHUNK_ROWS; tests use tiny chunks to cross chunk borders) */
  chunkRows?: number;
  /** memory for the settlements index the fee lines read (default SETTLEMENT_INDEX_BYTES; 0: look each one up in the facts) */
  settlementIndexBytes?: number;
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
/** Claims rows per merge chunk: big enough that per-chunk statements cost little, small enough to keep memory flat. */
const CHUNK_ROWS = Number(process.env.OFM_INGEST_CHUNK) || 40_000;
/**
 * Memory for the settlements index (setl-index.ts): ~60 bytes a settlement (57 MB at 971k, arrays' doubling included),
 * so ~1.5M settlements of a batch are held; the fee lines of any further settlements look theirs up in the facts.
 */
const SETTLEMENT_INDEX_BYTES = 96 << 20;
/** master data files first (claims never overwrite them), then settlements, then the details that need them */
const KIND_ORDER: Record<Kind, number> = { institutions: 0, doctors: 0, persons: 0, settlements: 1, details: 2 };

async function sha256(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const block of fileBlocks(file)) h.update(block);
  return h.digest('hex');
}

type MasterKind = 'institutions' | 'doctors' | 'persons';
const LINE: Record<MasterKind, unknown> = {
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
  // every file the batch opened is let go however it ends (one read to the end is closed already)
  const openedFiles: ParsedFile[] = [];
  try {
    return await runIngest(db, files, opts, openedFiles);
  } finally {
    await Promise.all(openedFiles.map((p) => p.close?.().catch(() => undefined)));
    dropSpareSlabs();
  }
}

async function runIngest(db: Db, files: string[], opts: IngestOptions, openedFiles: ParsedFile[]): Promise<IngestResult> {
  const names = files.map((f, i) => opts.displayNames?.[i] ?? path.basename(f));
  const errors: RowError[] = [];
  let errorsTotal = 0;
  let rejected = 0;
  const staged = new Map<number, number>();
  const batchIds: number[] = [];
  const fileInfo: Array<IngestResult['files'][number] | undefined> = [];

  // Open every file first: a file whose kind cannot be recognised stops the whole run before anything is written.
  const opened: Array<{ file: string; name: string; parsed: ParsedFile; kind: Kind; hash: Promise<string> }> = [];
  for (let i = 0; i < files.length; i++) {
    const file = files[i] as string;
    const p = await openFile(file, opts.format, names[i]).catch((e: unknown) => {
      if (e instanceof InputError) throw new InputError(e.message, { ...e.where, file: names[i] });
      throw new InputError(`无法读取文件 cannot read the file: ${(e as Error).message}`, { file: names[i] });
    });
    openedFiles.push(p);
    const kind = detectKind(p.fields);
    if (!kind)
      throw new InputError(
        `无法识别文件类型 cannot tell settlements, fee details or master data from the columns: ${p.fields.slice(0, 12).join(', ')}`,
        { file: names[i], row: 1, field: 'header' },
      );
    opened.push({ file, name: names[i] as string, parsed: p, kind, hash: sha256(file) });
  }
  for (let i = 0; i < opened.length; i++) {
    const o = opened[i];
    if (!o) continue;
    const batchId = opts.batchIds?.[i] ?? (await createBatch(db, o.name, opts));
    batchIds.push(batchId);
    await db.execute(sql`update ingest_batches set kind = ${o.kind}, format = ${o.parsed.format}, file_name = ${o.name} where id = ${batchId}`);
  }
  const rank = (i: number) => KIND_ORDER[opened[i]?.kind ?? 'details'];
  const order = opened.map((_, i) => i).sort((a, b) => rank(a) - rank(b) || a - b);

  const client = await db.$client.connect();
  let released = false;
  const trace = process.env.OFM_INGEST_TRACE === '1';
  try {
    await client.query("set timezone = 'Asia/Shanghai'");
    await client.query('begin');
    // one ingest at a time: the fast path's "is this key loaded?" must not race another batch loading it (claims.ts)
    await client.query("select pg_advisory_xact_lock(hashtext('ofm:ingest'))");
    await client.query('set local plan_cache_mode = force_generic_plan');
    await createStaging(client);
    const st = new MergeState(tracer(client), names, staged);
    st.allowed = opts.regions && !opts.regions.includes('*') ? new Set(opts.regions) : null;
    st.byteOrderKeys = await keysInByteOrder(client);
    const indexBytes = opts.settlementIndexBytes ?? SETTLEMENT_INDEX_BYTES;
    st.setlIndex = indexBytes > 0 ? new SettlementIndex(indexBytes) : null;
    let mastersStaged = false;
    let reversalsDone = false;

    for (const i of order) {
      const o = opened[i];
      const batchId = batchIds[i];
      if (!o || batchId === undefined) continue;
      if (o.kind !== 'settlements' && o.kind !== 'details' && !mastersStaged) mastersStaged = true;
      if (o.kind === 'settlements' || o.kind === 'details') {
        if (mastersStaged) {
          await mergeMasters(st);
          mastersStaged = false;
        }
        if (o.kind === 'details' && !reversalsDone) {
          await mergeReversals(st);
          reversalsDone = true;
        }
      }
      const claims = o.kind === 'settlements' ? new SettlementLoader(client, st, i, batchId) : o.kind === 'details' ? new DetailLoader(client, st, i, batchId) : null;
      // master data: one COPY for the whole file into staging; claims: chunks, each loaded while the next is parsed
      const masterLine = claims ? null : (LINE[o.kind as MasterKind] as (f: number, r: number, b: number, v: never) => string);
      const writer = claims ? null : CopyWriter.open(client, `copy ${STAGING[o.kind].table} from stdin`);
      const chunkRows = opts.chunkRows ?? CHUNK_ROWS;
      if (!staged.has(batchId)) staged.set(batchId, 0);
      let rows = 0;
      let good = 0;
      const tStage = performance.now();
      let progress: Promise<unknown> = Promise.resolve();
      try {
        for await (const batch of o.parsed.rows) {
          for (const pr of batch) {
            rows++;
            const r = validateRow(o.kind, o.name, pr.row, pr.values);
            if (r.ok && st.allowed) {
              const v = r.value as { admdvs?: string; region_code?: string };
              const [field, code] = v.admdvs !== undefined ? ['admdvs', v.admdvs] : ['region_code', v.region_code];
              if (code !== undefined && !st.allowed.has(code)) {
                rejected++;
                errorsTotal++;
                if (errors.length < MAX_ERRORS)
                  errors.push({ file: o.name, row: pr.row, field, message: `统筹区 ${code} 不在本账号的权限范围内 region outside this account's regions`, value: code });
                continue;
              }
            }
            if (r.ok) {
              if (claims) claims.add(pr.row, r.value as never, r.extra);
              else if (writer && masterLine) await writer.write(masterLine(i, pr.row, batchId, r.value as never));
              good++;
            } else {
              rejected++;
              errorsTotal += r.errors.length;
              for (const e of r.errors) if (errors.length < MAX_ERRORS) errors.push(e);
            }
            // let the socket and the chunk being loaded (claims.ts) move: a parse batch can hold the event loop for ~50 ms
            if (claims && rows % 512 === 0) await new Promise(setImmediate);
            if (rows % PROGRESS_EVERY === 0) {
              const n = rows;
              opts.onProgress?.(n);
              progress = progress.then(() => db.execute(sql`update ingest_batches set rows = ${n} where id = ${batchId}`)).catch(() => undefined);
            }
          }
          if (claims && claims.rows >= chunkRows) await claims.flush();
        }
        await claims?.finish();
      } finally {
        await writer?.end();
      }
      await progress;
      staged.set(batchId, (staged.get(batchId) ?? 0) + good);
      if (trace) {
        const from = claims instanceof DetailLoader ? `, settlements from the index ${claims.fromIndex}, looked up ${claims.lookedUp}` : '';
        const idx = st.setlIndex ? `, index ${st.setlIndex.size} settlements ${Math.round(st.setlIndex.allocated / 1e6)} MB` : '';
        process.stderr.write(`[stage] ${o.name} ${rows} rows ${Math.round(performance.now() - tStage)} ms, waiting for the load ${Math.round(claims?.waited ?? 0)} ms${from}${idx}\n`);
      }
      fileInfo[i] = { file: o.name, kind: o.kind, format: o.parsed.format, encoding: o.parsed.encoding, rows };
      await db.execute(sql`update ingest_batches set rows = ${rows}, file_sha256 = ${await o.hash} where id = ${batchId}`);
      opts.onProgress?.(rows);
    }
    if (mastersStaged) await mergeMasters(st);
    if (!reversalsDone) await mergeReversals(st);

    const m = { perBatch: st.perBatch, reversed: st.reversed, months: [...st.months].sort(), regions: [...st.regions].sort() };
    for (const e of st.rejects) {
      errorsTotal++;
      if (errors.length < MAX_ERRORS) errors.push(e);
    }
    rejected += st.rejects.length;
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
      files: fileInfo.filter((f): f is IngestResult['files'][number] => f !== undefined),
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
