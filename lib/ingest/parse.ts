/**
 * Streaming readers for CSV (UTF-8, UTF-8 with BOM, GBK/GB18030 detected), XLSX and NDJSON.
 * Each yields records keyed by NHSA field name plus the line number a person sees in an editor
 * (NDJSON: 1-based line; CSV/XLSX: 1-based, the header being line 1). Files are never read whole.
 */
import { isUtf8 } from 'node:buffer';
import fs from 'node:fs';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { analyse } from 'chardet';
import { parse as csvParse } from 'csv-parse';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { InputError } from '../errors';
import { canonicalField, keyTestByPosition } from './columns';
import { limit, LIMITS, sizeText } from './limits';
import { checkXlsx } from './xlsx-guard';

export type Format = 'csv' | 'xlsx' | 'ndjson';
export type Cell = string | number | boolean | null | undefined;
export interface ParsedRow {
  row: number;
  /** NHSA field name → raw value (strings from CSV, JSON values from NDJSON, cell values from XLSX) */
  values: Record<string, unknown>;
}
export interface ParsedFile {
  format: Format;
  encoding: string;
  /** canonical field names of the header (CSV/XLSX) or of the first record (NDJSON) */
  fields: string[];
  /** rows in batches (fewer async hops per row) */
  rows: AsyncGenerator<ParsedRow[]>;
  /** lets go of the file when its rows were not read to the end (an error elsewhere in the batch) */
  close?: () => Promise<unknown>;
}

export function formatOf(file: string, explicit?: string): Format {
  if (explicit) {
    if (explicit === 'csv' || explicit === 'xlsx' || explicit === 'ndjson') return explicit;
    throw new InputError(`不支持的格式 unsupported format "${explicit}" (csv | xlsx | ndjson)`, { file, field: '--format' });
  }
  const ext = path.extname(file).toLowerCase();
  if (ext === '.csv' || ext === '.txt' || ext === '.tsv') return 'csv';
  if (ext === '.xlsx') return 'xlsx';
  if (ext === '.ndjson' || ext === '.jsonl' || ext === '.json') return 'ndjson';
  throw new InputError(`无法从扩展名判断格式 cannot tell the format from "${ext}"; use --format csv|xlsx|ndjson`, { file, field: '--format' });
}

/** `b` without a UTF-8 character cut off at its end (its lead byte and the continuation bytes that follow it) */
export function wholeUtf8(b: Buffer): Buffer {
  let i = b.length - 1;
  for (let k = 0; i >= 0 && k < 3 && ((b[i] as number) & 0xc0) === 0x80; k++) i--;
  if (i < 0) return b;
  const lead = b[i] as number;
  const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return need > b.length - i ? b.subarray(0, i) : b;
}

/** The 1-based line (counting `linesBefore` lines before `b`) holding the first byte that is not UTF-8, or null. */
export function firstBadUtf8Line(b: Buffer, linesBefore: number): number | null {
  if (isUtf8(b)) return null;
  let start = 0;
  for (let line = linesBefore + 1; ; line++) {
    const nl = b.indexOf(0x0a, start);
    if (!isUtf8(b.subarray(start, nl < 0 ? b.length : nl))) return line;
    if (nl < 0) return null;
    start = nl + 1;
  }
}

function notUtf8(row: number, bom: boolean): InputError {
  return new InputError(
    `${bom ? '文件以 UTF-8 BOM 开头，但' : '文件按 UTF-8 读取，但'}第 ${row} 行含有不是 UTF-8 的字节（可能是 GBK/GB18030 编码混入），为免存入乱码（�）整个文件未导入；请把文件统一另存为 UTF-8 或 GBK 后重新导入 not valid UTF-8`,
    { row, field: 'encoding' },
  );
}

function lineTooLong(row: number, bytes: number): InputError {
  return new InputError(
    `第 ${row} 行超过 ${sizeText(bytes)} 的单行上限（${LIMITS.lineBytes.env}），文件未导入；请检查是否缺少换行或引号未闭合 line too long`,
    { row },
  );
}

/** Reads the first 64 KiB only: valid UTF-8 (with or without BOM) stays UTF-8, otherwise chardet decides (GB18030 by default). */
export async function detectEncoding(file: string): Promise<string> {
  const fh = await fs.promises.open(file, 'r');
  try {
    const buf = Buffer.alloc(65536);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const sample = buf.subarray(0, bytesRead);
    if (sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf) {
      // a BOM says UTF-8; bytes that are not (a GBK file someone put a BOM on) would be stored as U+FFFD
      const bad = firstBadUtf8Line(bytesRead < buf.length ? sample : wholeUtf8(sample), 0);
      if (bad !== null) throw notUtf8(bad, true);
      return 'utf-8';
    }
    if (sample[0] === 0xff && sample[1] === 0xfe) return 'utf-16le';
    if (sample[0] === 0xfe && sample[1] === 0xff) return 'utf-16be';
    // a multi-byte character may be cut at the end of the sample (a first line longer than the sample too)
    const whole = bytesRead < buf.length ? sample : wholeUtf8(sample);
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(whole);
      return 'utf-8';
    } catch {
      const guess = analyse(sample).map((m) => m.name.toLowerCase());
      const known = guess.find((g) => ['gb18030', 'gbk', 'gb2312', 'big5', 'utf-16le', 'utf-16be', 'shift_jis', 'euc-kr'].includes(g));
      // GBK and GB2312 are subsets of GB18030; Excel's "CSV" on a Chinese Windows writes GBK.
      return !known || known.startsWith('gb') ? 'gb18030' : known;
    }
  } finally {
    await fh.close();
  }
}

/**
 * A file's bytes through one reused 1 MiB buffer; each block is valid only until the next is asked for. A read stream
 * allocates a fresh buffer per read: memory outside the JS heap that V8 nevertheless counts towards its next full GC
 * (at 1M settlements ~1.4 GB of reads, a mark-compact every few hundred ms, its marking on the second core).
 */
export async function* fileBlocks(file: string): AsyncGenerator<Buffer> {
  const fh = await fs.promises.open(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (!bytesRead) return;
      yield buf.subarray(0, bytesRead);
    }
  } finally {
    await fh.close();
  }
}

/**
 * A text file's content as a stream: UTF-8 stays bytes, checked strictly (a byte that is not UTF-8 fails the file naming
 * its line, where a decoder would store U+FFFD); another encoding is decoded, and a character it cannot map (which the
 * decoder turns into U+FFFD) fails the file the same way.
 */
function textStream(file: string, encoding: string): Readable {
  const raw = fs.createReadStream(file, { highWaterMark: 1 << 20 });
  let lines = 0;
  let carry: Buffer | null = null;
  const check =
    encoding === 'utf-8'
      ? new Transform({
          transform(chunk: Buffer, _enc, done) {
            const b = carry ? Buffer.concat([carry, chunk]) : chunk;
            const whole = wholeUtf8(b);
            carry = whole.length < b.length ? Buffer.from(b.subarray(whole.length)) : null;
            const bad = firstBadUtf8Line(whole, lines);
            if (bad !== null) return done(notUtf8(bad, false));
            lines += countLines(whole);
            done(null, whole);
          },
          flush(done) {
            if (carry) return done(notUtf8(lines + 1, false));
            done();
          },
        })
      : new Transform({
          decodeStrings: false,
          transform(chunk: string, _enc, done) {
            const at = chunk.indexOf('\uFFFD');
            if (at >= 0) return done(new InputError(`第 ${lines + countLines(chunk.slice(0, at)) + 1} 行含有无法按 ${encoding.toUpperCase()} 解码的字节，为免存入乱码（�）整个文件未导入；请确认文件编码 undecodable bytes`, { field: 'encoding' }));
            lines += countLines(chunk);
            done(null, chunk);
          },
        });
  const source = encoding === 'utf-8' ? raw : (raw.pipe(iconv.decodeStream(encoding)) as unknown as Readable);
  const out = source.pipe(check);
  // an error of the file or of the decoder ends the stream read (an 'error' nobody listens to would end the process)
  raw.once('error', (e: Error) => out.destroy(e));
  if (source !== raw) source.once('error', (e: Error) => out.destroy(e));
  // the file goes with the stream read (destroyed early, a pipe only unpipes its source)
  out.once('close', () => {
    raw.destroy();
    if (source !== raw) source.destroy();
  });
  return out;
}

function countLines(t: Buffer | string): number {
  let n = 0;
  if (typeof t === 'string') {
    for (let i = t.indexOf('\n'); i >= 0; i = t.indexOf('\n', i + 1)) n++;
  } else {
    for (let i = t.indexOf(0x0a); i >= 0; i = t.indexOf(0x0a, i + 1)) n++;
  }
  return n;
}

/** `displayName` (default: the file's base name) names the file in an error met while its rows are read. */
export async function openFile(file: string, explicitFormat?: string, displayName = path.basename(file)): Promise<ParsedFile> {
  if (!fs.existsSync(file)) throw new InputError('文件不存在 file not found', { file });
  const format = formatOf(file, explicitFormat);
  let p: ParsedFile;
  if (format === 'xlsx') {
    // what the zip really inflates to is measured before exceljs holds any of it (xlsx-guard.ts)
    await checkXlsx(file);
    p = await openXlsx(file);
  } else {
    const encoding = await detectEncoding(file);
    p = format === 'csv' ? await openCsv(file, encoding) : await openNdjson(file, encoding);
  }
  return { ...p, rows: namingFile(p.rows, displayName) };
}

async function* namingFile(rows: AsyncGenerator<ParsedRow[]>, file: string): AsyncGenerator<ParsedRow[]> {
  try {
    yield* rows;
  } catch (e) {
    if (e instanceof InputError && !e.where?.file) throw new InputError(e.message, { ...e.where, file });
    throw e;
  }
}

async function openCsv(file: string, encoding: string): Promise<ParsedFile> {
  const input = textStream(file, encoding);
  const maxLine = limit('lineBytes');
  const parser = input.pipe(
    csvParse({ bom: true, relax_column_count: true, skip_empty_lines: true, info: true, trim: false, delimiter: [',', '\t'], max_record_size: maxLine }),
  );
  // an error of the file check (encoding) reaches the parser's reader; csv-parse's own ones are named in Chinese
  input.once('error', (e) => parser.destroy(e));
  const csvError = (e: unknown): never => {
    input.destroy();
    const c = e as { code?: string; lines?: number };
    if (c.code === 'CSV_MAX_RECORD_SIZE') throw lineTooLong(c.lines ?? 0, maxLine);
    throw e;
  };
  const raw = parser[Symbol.asyncIterator]() as AsyncIterator<{ record: string[]; info: { lines: number } }>;
  const it = { next: () => raw.next().catch(csvError) };
  const first = await it.next();
  if (first.done) {
    input.destroy();
    throw new InputError('文件为空 the file is empty', { file, row: 1 });
  }
  const fields = first.value.record.map(canonicalField);
  async function* rows(): AsyncGenerator<ParsedRow[]> {
    const n = fields.length;
    let batch: ParsedRow[] = [];
    for (;;) {
      const r = await it.next();
      if (r.done) break;
      const rec = r.value.record;
      const values: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) {
        const v = rec[i];
        if (v !== undefined && v !== '') values[fields[i] as string] = v;
      }
      batch.push({ row: r.value.info.lines, values });
      if (batch.length >= 1000) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length) yield batch;
  }
  return { format: 'csv', encoding, fields, rows: rows(), close: async () => input.destroy() };
}

/**
 * UTF-8 bytes decoded in one call. The string of a block is at most twice its bytes, so below V8's large-object size
 * (128 KiB): it is born in the young generation and dies there. A whole 1 MiB read decoded at once (~2 MB of
 * two-byte text when lines carry Chinese names) went to the large-object space, which is old generation: ~2 GB of it
 * at 1M settlements, a full mark-compact every ~200 ms.
 */
const DECODE_BYTES = 1 << 15;

/**
 * Lines of a text stream (\n or \r\n), in batches, without readline's per-line event overhead. UTF-8 bytes
 * are cut at newlines into blocks of about DECODE_BYTES, each decoded in one call (a newline byte is never inside a
 * multi-byte character), so no string decoder runs and no character is split. A batch is one block's lines.
 * Each block is checked to be UTF-8 first (a byte that is not would be decoded as U+FFFD), and a line is never held
 * beyond `maxLine` bytes: both fail the file naming the line.
 */
async function* lineBatches(input: AsyncIterable<Buffer | string>, maxLine: number): AsyncGenerator<string[]> {
  let rest = '';
  let restBuf: Buffer | null = null;
  /** lines yielded so far (the next line is lines + 1) */
  let lines = 0;
  const text = (b: Buffer, start: number, end: number) => {
    const part = b.subarray(start, end);
    const bad = firstBadUtf8Line(part, lines);
    if (bad !== null) throw notUtf8(bad, false);
    return part.toString('utf8');
  };
  for await (const chunk of input) {
    if (typeof chunk === 'string') {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop() ?? '';
      if (rest.length > maxLine) throw lineTooLong(lines + parts.length + 1, maxLine);
      lines += parts.length;
      yield parts;
      continue;
    }
    const buf = chunk as Buffer;
    // (the blocks of fileBlocks are reused: what is kept of one is copied)
    const nl = buf.lastIndexOf(0x0a);
    if (nl < 0) {
      if ((restBuf?.length ?? 0) + buf.length > maxLine) throw lineTooLong(lines + 1, maxLine);
      restBuf = Buffer.concat(restBuf ? [restBuf, buf] : [buf]);
      continue;
    }
    let start = 0;
    if (restBuf) {
      // only the carried-over tail and this chunk's first line are copied together
      const first = buf.indexOf(0x0a);
      if (restBuf.length + first > maxLine) throw lineTooLong(lines + 1, maxLine);
      const joined = Buffer.concat([restBuf, buf.subarray(0, first)]);
      const line = text(joined, 0, joined.length);
      lines++;
      yield [line];
      start = first + 1;
    }
    while (start <= nl) {
      let end = start + DECODE_BYTES < nl ? buf.lastIndexOf(0x0a, start + DECODE_BYTES) : nl;
      if (end < start) {
        // one line longer than a block
        end = buf.indexOf(0x0a, start + DECODE_BYTES);
        if (end - start > maxLine) throw lineTooLong(lines + 1, maxLine);
      }
      const parts = text(buf, start, end).split('\n');
      lines += parts.length;
      yield parts;
      start = end + 1;
    }
    restBuf = nl + 1 < buf.length ? Buffer.from(buf.subarray(nl + 1)) : null;
    if (restBuf && restBuf.length > maxLine) throw lineTooLong(lines + 1, maxLine);
  }
  if (restBuf) rest += text(restBuf, 0, restBuf.length);
  if (rest !== '') yield [rest];
}

const ROWS_AT_ONCE = 256;
/** lines an NDJSON file is read for its first good record (its fields tell the kind of file) */
const PEEK_ROWS = 4096;

async function openNdjson(file: string, encoding: string): Promise<ParsedFile> {
  // UTF-8 through one reused buffer (fileBlocks); any other encoding through its decoder
  const maxLine = limit('lineBytes');
  const batches = lineBatches(encoding === 'utf-8' ? fileBlocks(file) : textStream(file, encoding), maxLine);
  const keyCache = new Map<string, string>();
  const canon = (k: string) => {
    let c = keyCache.get(k);
    if (c === undefined) keyCache.set(k, (c = canonicalField(k)));
    return c;
  };
  let line = 0;
  const isNhsaName = keyTestByPosition((k) => canon(k) === k);
  const toRow = (raw: string): ParsedRow | null => {
    line++;
    // (a line inside one decoded block escaped lineBatches' byte count; a string has at most as many units as bytes)
    if (raw.length * 3 > maxLine && Buffer.byteLength(raw) > maxLine) throw lineTooLong(line, maxLine);
    let text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === 1) text = text.replace(/^\uFEFF/, '');
    if (text.trim() === '') return null;
    let obj: unknown;
    try {
      obj = JSON.parse(text);
    } catch (e) {
      return { row: line, values: { __error: `不是有效的 JSON 行 not a JSON line: ${(e as Error).message}` } };
    }
    if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return { row: line, values: { __error: '不是 JSON 对象 not a JSON object' } };
    // the record itself is used when its keys are already NHSA names and no value is null or empty (the usual case)
    const o = obj as Record<string, unknown>;
    let clean = true;
    let i = 0;
    for (const k in o) {
      const v = o[k];
      if (v === null || v === '' || !isNhsaName(k, i++)) {
        clean = false;
        break;
      }
    }
    if (clean) return { row: line, values: o };
    const values: Record<string, unknown> = {};
    for (const k in o) {
      const v = o[k];
      if (v !== null && v !== '') values[canon(k)] = v;
    }
    return { row: line, values };
  };
  // Peek at the first good record for its fields (kind detection; up to PEEK_ROWS lines), then replay what was read.
  const first: ParsedRow[] = [];
  let head: ParsedRow | undefined;
  while (!head && line < PEEK_ROWS) {
    const b = await batches.next();
    if (b.done) break;
    for (const r of b.value.map(toRow)) if (r) first.push(r);
    head = first.find((r) => !('__error' in r.values));
  }
  if (!head) {
    await batches.return(undefined);
    const bad = first[0];
    // (the kind of file is told from a record's keys: without one, say why there is none)
    if (!bad) throw new InputError('文件为空 the file is empty', { row: 1 });
    throw new InputError(`前 ${line} 行中没有一条有效的 JSON 记录，第 ${bad.row} 行：${String(bad.values.__error)}`, { row: bad.row });
  }
  const fields = Object.keys(head.values);
  async function* rows(): AsyncGenerator<ParsedRow[]> {
    if (first.length) yield first;
    for (;;) {
      const b = await batches.next();
      if (b.done) return;
      // a few hundred records at a time (a UTF-8 block is ~100 lines, but a decoded read of another encoding ~4,000): the
      // records alive at a young-generation GC are copied (after two, moved to the old generation), so fewer is less work
      const lines = b.value;
      for (let k = 0; k < lines.length; k += ROWS_AT_ONCE) {
        const out: ParsedRow[] = [];
        for (let j = k; j < lines.length && j < k + ROWS_AT_ONCE; j++) {
          const r = toRow(lines[j] as string);
          if (r) out.push(r);
        }
        if (out.length) yield out;
      }
    }
  }
  return { format: 'ndjson', encoding, fields, rows: rows(), close: () => batches.return(undefined) };
}

/** Excel cells: dates come back as JS Dates holding the wall-clock time in UTC fields; rich text and formulas are unwrapped. */
function cellValue(v: unknown): unknown {
  if (v === null || v === undefined) return undefined;
  if (v instanceof Date) {
    const p = (n: number) => String(n).padStart(2, '0');
    return `${v.getUTCFullYear()}-${p(v.getUTCMonth() + 1)}-${p(v.getUTCDate())} ${p(v.getUTCHours())}:${p(v.getUTCMinutes())}:${p(v.getUTCSeconds())}`;
  }
  if (typeof v === 'object') {
    const o = v as { richText?: Array<{ text: string }>; result?: unknown; text?: string };
    if (o.richText) return o.richText.map((t) => t.text).join('');
    if ('result' in o) return cellValue(o.result);
    if (typeof o.text === 'string') return o.text;
    return String(v);
  }
  return v;
}

async function openXlsx(file: string): Promise<ParsedFile> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(file, {
    sharedStrings: 'cache',
    worksheets: 'emit',
    hyperlinks: 'ignore',
    styles: 'cache',
    entries: 'emit',
  });
  const sheets = reader[Symbol.asyncIterator]();
  const firstSheet = await sheets.next();
  if (firstSheet.done) throw new InputError('工作簿没有工作表 the workbook has no sheet', { file });
  const rowsIt = firstSheet.value[Symbol.asyncIterator]();
  let header: ExcelJS.Row | undefined;
  for (;;) {
    const r = await rowsIt.next();
    if (r.done) throw new InputError('工作表为空 the sheet is empty', { file, row: 1 });
    if (r.value.cellCount > 0) {
      header = r.value;
      break;
    }
  }
  const maxCells = limit('xlsxRowCells');
  const tooWide = (row: number, cells: number) =>
    new InputError(`第 ${row} 行有 ${cells} 列，超过每行 ${maxCells} 列的上限（${LIMITS.xlsxRowCells.env}），文件未导入 too many cells`, { row });
  const hv = header.values as unknown[];
  if (hv.length - 1 > maxCells) throw tooWide(header.number, hv.length - 1);
  const fields: string[] = [];
  const byCol: Array<string | undefined> = [];
  for (let c = 1; c < hv.length; c++) {
    const h = cellValue(hv[c]);
    if (h === undefined || String(h).trim() === '') continue;
    const f = canonicalField(String(h));
    byCol[c] = f;
    fields.push(f);
  }
  async function* rows(): AsyncGenerator<ParsedRow[]> {
    for (;;) {
      const r = await rowsIt.next();
      if (r.done) return;
      const vals = r.value.values as unknown[];
      if (vals.length - 1 > maxCells) throw tooWide(r.value.number, vals.length - 1);
      const values: Record<string, unknown> = {};
      let any = false;
      for (let c = 1; c < vals.length; c++) {
        const f = byCol[c];
        if (!f) continue;
        const v = cellValue(vals[c]);
        if (v !== undefined && v !== '') {
          values[f] = v;
          any = true;
        }
      }
      if (any) yield [{ row: r.value.number, values }];
    }
  }
  return { format: 'xlsx', encoding: 'xlsx', fields, rows: rows() };
}

export type { Cell as CellValue };
