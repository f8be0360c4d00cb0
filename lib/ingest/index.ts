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
import { isDistributed } from '../db/distribute';
import { InputError } from '../errors';
import { bumpDataVersion } from '../dashboard/cache';
import { afterIngest } from '../pipeline/after-ingest';
import { detectKind, type Kind } from './columns';
import { DetailLoader, keysInByteOrder, SettlementLoader, type FileDuplicates } from './claims';
import { CopyWriter, dropSpareSlabs } from './copy';
import { duplicateWarnings, MergeState, mergeMasters, mergeReversals, tracer } from './merge';
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
  /** rows that loaded but should be looked at: a setl_id or feedetl_sn twice or more in one file (the last row kept) */
  warnings: RowError[];
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
 * so ~700k settlements of a batch are held; the fee lines of any further settlements look theirs up in the facts.
 * With 96 MB a 10M-settlement file peaked at 356 MB RSS (the index full, beside the slabs and the heap of the lookups);
 * 40 MB and 32 MB of spare slabs (copy.ts) kept the first 3M settlements of that file at 292 MB by the trace's samples
 * (350 before), the ingest's goal being 300 MB whatever the file's size.
 */
const SETTLEMENT_INDEX_BYTES = 40 << 20;
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
    // generic plans for the prepared statements; not on Citus, which needs the parameters' values to plan a multi-shard query
    if (!(await isDistributed(client))) await client.query('set local plan_cache_mode = force_generic_plan');
    await createStaging(client);
    const st = new MergeState(tracer(client), names, staged);
    st.allowed = opts.regions && !opts.regions.includes('*') ? new Set(opts.regions) : null;
    // the database's own check of what this transaction writes (drizzle/0014_ingest_isolation.sql)
    // (SET LOCAL rather than set_config: on Citus it reaches the workers, where the shards' triggers read it)
    if (st.allowed) await client.query(`set local app.write_regions = ${client.escapeLiteral([...st.allowed].join(','))}`);
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
      if (claims?.dups.byKey.size) {
        const rejectedRows = new Set([...errors, ...st.rejects].filter((e) => e.file === o.name).map((e) => e.row));
        const field = o.kind === 'settlements' ? 'setl_id' : 'feedetl_sn';
        const rows = await duplicateRows(o.file, opts.format, o.name, o.kind, field, claims.dups, st.allowed, openedFiles);
        for (const [key, list] of rows) st.warnings.push(...duplicateWarnings(o.name, field, key, list.filter((r) => !rejectedRows.has(r))));
      }
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

    // the days whose visits changed, when they are all the batch changed (null: a master row changed whole months)
    const days = st.wholeMonths.size ? null : [...st.days].filter((d) => /^\d{4}-\d{2}-\d{2}$/.test(d)).sort();
    const m = { perBatch: st.perBatch, reversed: st.reversed, months: [...st.months].sort(), regions: [...st.regions].sort(), days };
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
           region_codes = $8, months = $9, message = $10, days = $11, finished_at = now() where id = $1`,
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
          m.days,
        ],
      ]);
    }
    if (rollback) await client.query('begin');
    for (const [q, p] of recordSql) await client.query(q, p);
    const warnings = st.warnings.slice(0, MAX_ERRORS);
    const listed = [...errors.map((e) => ({ e, severity: 'error' })), ...warnings.map((e) => ({ e, severity: 'warning' }))];
    for (let k = 0; k < listed.length; k += 2000) {
      const chunk = listed.slice(k, k + 2000);
      await client.query(
        `insert into ingest_errors (batch_id, file, row, field, message, value, severity)
         select b.id, e.file, e.row, e.field, e.message, e.value, e.severity
         from unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $8::text[]) as e(file, row, field, message, value, severity)
         join unnest($6::bigint[], $7::text[]) as b(id, name) on b.name = e.file`,
        [
          chunk.map((x) => x.e.file),
          chunk.map((x) => x.e.row),
          chunk.map((x) => x.e.field),
          chunk.map((x) => x.e.message),
          chunk.map((x) => x.e.value ?? null),
          batchIds,
          names,
          chunk.map((x) => x.severity),
        ],
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
      warnings,
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
      const steps = await afterIngest(db, {
        months: m.months,
        regionCodes: m.regions,
        batchId: batchIds[0],
        days: m.days ?? undefined,
        insertsOnly: updated === 0 && result.reversed === 0,
      });
      result.pipeline = steps.map((s) => ({ step: s.step, ms: s.ms }));
    } else if (!rollback) await bumpDataVersion(db); // master data (names, budgets) shows on cached pages too
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

/**
 * The rows of each key a file holds twice or more. The loaders know them when one chunk holds the key more than once;
 * when the merge found a key that an earlier chunk of the file loaded, the rows are read back from the file, keys only
 * (a row number kept for every key while loading would cost ~50 MB at 1M fee lines): only such files are read twice.
 */
async function duplicateRows(
  file: string,
  format: string | undefined,
  name: string,
  kind: Kind,
  field: 'setl_id' | 'feedetl_sn',
  dups: FileDuplicates,
  allowed: ReadonlySet<string> | null,
  openedFiles: ParsedFile[],
): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  const again = new Set<string>();
  for (const [key, d] of dups.byKey) {
    if (d.earlier) again.add(key);
    else out.set(key, d.rows);
  }
  if (!again.size) return out;
  const p = await openFile(file, format);
  openedFiles.push(p);
  for await (const batch of p.rows) {
    for (const pr of batch) {
      const raw = pr.values[field];
      const key = typeof raw === 'string' ? raw.trim() : typeof raw === 'number' ? String(raw) : null;
      if (key === null || !again.has(key)) continue;
      // the rows the load took as this key: valid, of a writable region, not a reversal row
      const r = validateRow(kind, name, pr.row, pr.values);
      if (!r.ok) continue;
      const v = r.value as { admdvs?: string; refd_setl_flag?: boolean | null };
      if (kind === 'settlements' && v.refd_setl_flag) continue;
      if (allowed && v.admdvs !== undefined && !allowed.has(v.admdvs)) continue;
      const rows = out.get(key);
      if (rows) rows.push(pr.row);
      else out.set(key, [pr.row]);
    }
  }
  return out;
}
