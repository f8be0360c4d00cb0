/**
 * COPY … FROM STDIN in text format with back-pressure: rows are escaped into ~256 KiB chunks and the
 * writer waits for 'drain', so memory stays flat whatever the file size.
 */
import type { Writable } from 'node:stream';
import { once } from 'node:events';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

const NEEDS_ESCAPE = /[\\\t\n\r]/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** One value in COPY text format; null and undefined are \N. */
export function copyValue(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return '\\N';
  if (typeof v === 'string') return NEEDS_ESCAPE.test(v) ? v.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c] ?? c) : v;
  if (typeof v === 'boolean') return v ? 't' : 'f';
  return String(v);
}

export class CopyWriter {
  private buf: string[] = [];
  private size = 0;
  private done: Promise<void>;
  rows = 0;

  private constructor(private stream: Writable) {
    this.done = new Promise((resolve, reject) => {
      stream.on('finish', () => resolve());
      stream.on('error', reject);
    });
    // the error surfaces through `done`; avoid an unhandled rejection before someone awaits it
    this.done.catch(() => undefined);
  }

  static open(client: pg.PoolClient, sql: string): CopyWriter {
    return new CopyWriter(client.query(copyFrom(sql)));
  }

  async write(line: string): Promise<void> {
    this.buf.push(line);
    this.size += line.length;
    this.rows++;
    if (this.size >= 262_144) await this.flush();
  }

  private async flush(): Promise<void> {
    if (!this.buf.length) return;
    const chunk = this.buf.join('');
    this.buf = [];
    this.size = 0;
    if (!this.stream.write(chunk)) await Promise.race([once(this.stream, 'drain'), this.done]);
  }

  async end(): Promise<void> {
    await this.flush();
    this.stream.end();
    await this.done;
  }
}

/**
 * COPY a chunk of ready text (see LineBuffer); the number of rows copied. The pieces are queued at once, not on
 * 'drain': they are in memory already, and the socket then never waits for the parse loop (index.ts) to yield.
 */
export async function copyLines(client: pg.PoolClient, sql: string, parts: Buffer[]): Promise<number> {
  const stream = client.query(copyFrom(sql));
  const done = new Promise<void>((resolve, reject) => {
    stream.on('finish', () => resolve());
    stream.on('error', reject);
  });
  done.catch(() => undefined);
  for (const p of parts) stream.write(p);
  stream.end();
  await done;
  return stream.rowCount;
}

/** Characters of COPY text joined at once: ≤ 128 KiB as a two-byte string, so the joined string dies young (see below). */
const JOIN_CHARS = 1 << 15;
/**
 * Bytes of a slab of COPY text: a buffer's first slab is small and each next one twice the size, up to SLAB_BYTES (a
 * group of GroupedLines may get only a few lines); a slab holds several joins (each at most 3 bytes a character).
 */
const FIRST_SLAB = 1 << 14;
const SLAB_BYTES = 1 << 18;
/** slabs kept for reuse, by size, up to 32 MiB: about what one chunk in flight holds; the rest go to the GC (RSS: index.ts) */
const SPARE_BYTES = 32 << 20;
const spare = new Map<number, Buffer[]>();
let spareBytes = 0;
const pooled = (n: number) => n >= FIRST_SLAB && n <= SLAB_BYTES && (n & (n - 1)) === 0;

function slabOf(size: number): Buffer {
  const b = spare.get(size)?.pop();
  if (!b) return Buffer.allocUnsafeSlow(size);
  spareBytes -= size;
  return b;
}
/** the slabs handed out and not yet recycled (a slab is recycled once only: twice would give it to two chunks) */
const lent = new WeakSet<ArrayBufferLike>();

/**
 * COPY lines collected for a chunk, as UTF-8 bytes outside the JS heap: a line is a template-literal result (a tree
 * of string pieces in V8) and would otherwise survive into the old generation for the whole chunk; as bytes the chunk
 * costs its size and the strings die young. Lines are joined ~JOIN_CHARS characters at a time, below V8's
 * large-object size (128 KiB), which would put the join straight into the old generation (256 settlement lines with
 * Chinese names were ~230 KB: ~0.9 GB of old-generation garbage at 1M settlements).
 * The bytes go into reused slabs (16–256 KiB): V8 counts every fresh ArrayBuffer towards its next full GC, and a chunk's
 * text (~20 MB) allocated anew each time set off a mark-compact every few hundred ms. `recycle` hands a chunk's
 * slabs back once its COPY is done.
 */
export class LineBuffer {
  private parts: Buffer[] = [];
  private small: string[] = [];
  private chars = 0;
  private slab: Buffer | null = null;
  private used = 0;
  private next = FIRST_SLAB;
  rows = 0;

  push(line: string) {
    this.small.push(line);
    this.rows++;
    this.chars += line.length;
    if (this.chars >= JOIN_CHARS) this.write();
  }

  /** writes the lines pushed since the last write into the slab */
  write() {
    if (!this.small.length) return;
    const text = this.small.join('');
    this.small = [];
    this.chars = 0;
    const most = text.length * 3;
    if (!this.slab || this.slab.length - this.used < most) {
      this.seal();
      let size = this.next;
      while (size < most && size < SLAB_BYTES) size *= 2;
      this.slab = slabOf(Math.max(size, most));
      lent.add(this.slab.buffer);
      this.next = Math.min(SLAB_BYTES, size * 2);
      this.used = 0;
    }
    this.used += this.slab.write(text, this.used, 'utf8');
  }

  private seal() {
    if (this.slab) this.parts.push(this.slab.subarray(0, this.used));
    this.slab = null;
    this.used = 0;
  }

  /** the collected text, emptying the buffer */
  take(): Buffer[] {
    if (this.small.length) this.write();
    this.seal();
    const out = this.parts;
    this.parts = [];
    this.next = FIRST_SLAB;
    this.rows = 0;
    return out;
  }
}

/**
 * Hands the slabs of parts taken from a LineBuffer back for reuse. Only when nothing reads them any more: after
 * their COPY completed (the server answered, so the socket has sent every byte).
 */
export function recycle(parts: Buffer[]) {
  for (const p of parts) {
    const ab = p.buffer;
    if (!lent.has(ab)) continue;
    lent.delete(ab);
    const size = ab.byteLength;
    if (!pooled(size) || spareBytes + size > SPARE_BYTES) continue;
    const list = spare.get(size);
    if (list) list.push(Buffer.from(ab, 0, size));
    else spare.set(size, [Buffer.from(ab, 0, size)]);
    spareBytes += size;
  }
}

/** Lets the spare slabs go (the end of an ingest: a long-running server should not keep 32 MiB for the next upload). */
export function dropSpareSlabs() {
  spare.clear();
  spareBytes = 0;
}

/**
 * COPY lines of a chunk grouped by the fact partition they go to (the month of their time), each group a LineBuffer,
 * and sent group after group. Postgres buffers a COPY's rows per partition and writes them out ~1,000 rows at a time:
 * rows of twelve months interleaved, as files list them, make each write ~80 rows to each of twelve partitions and
 * their indexes; grouped, the same rows loaded 20–25 % faster (raw COPY of the bench's rows: 17.0 → 13.0 s for the
 * settlements, 27.2 → 23.2 s for the fee lines).
 * The file's order is kept too (the group of each line): a chunk that holds a key twice goes through the merge, where
 * the later line must win, and is sent in file order.
 */
export class GroupedLines {
  private groups: LineBuffer[] = [];
  private byKey = new Map<string, number>();
  /** the group of each line, in file order (at most 255 groups; the rest share the last) */
  private order = new Uint8Array(4096);
  /** the file row of each line, in file order */
  private fileRows = new Uint32Array(4096);
  /** the file rows of the lines the last take() returned, in the order it returned them */
  rowsTaken: Uint32Array = new Uint32Array(0);
  /** characters pushed since the groups last wrote theirs: all write together, so no line's string outlives ~JOIN_CHARS */
  private chars = 0;
  rows = 0;

  /** `row`: the line of the file it came from (rows in the order take() returns them: rowsTaken) */
  push(group: string, line: string, row = 0) {
    let g = this.byKey.get(group);
    if (g === undefined) {
      g = this.groups.length < 255 ? this.groups.push(new LineBuffer()) - 1 : 254;
      this.byKey.set(group, g);
    }
    if (this.rows === this.order.length) {
      const grown = new Uint8Array(this.order.length * 2);
      grown.set(this.order);
      this.order = grown;
      const rows = new Uint32Array(this.order.length);
      rows.set(this.fileRows);
      this.fileRows = rows;
    }
    this.fileRows[this.rows] = row;
    this.order[this.rows++] = g;
    (this.groups[g] as LineBuffer).push(line);
    this.chars += line.length;
    if (this.chars >= JOIN_CHARS) {
      for (const b of this.groups) b.write();
      this.chars = 0;
    }
  }

  /** the collected text, group after group or in the order the lines were pushed; empties the buffer */
  take(fileOrder: boolean): Buffer[] {
    const parts = this.groups.map((g) => g.take());
    const n = this.rows;
    const order = this.order;
    const fileRows = this.fileRows;
    this.groups = [];
    this.byKey = new Map();
    this.order = new Uint8Array(4096);
    this.fileRows = new Uint32Array(4096);
    this.chars = 0;
    this.rows = 0;
    if (!fileOrder && parts.length > 1) {
      // group after group, each in file order: a stable counting sort of the rows by group
      const at = new Uint32Array(parts.length + 1);
      for (let i = 0; i < n; i++) {
        const g = (order[i] as number) + 1;
        at[g] = (at[g] as number) + 1;
      }
      for (let g = 0; g < parts.length; g++) at[g + 1] = (at[g + 1] as number) + (at[g] as number);
      const rows = new Uint32Array(n);
      for (let i = 0; i < n; i++) {
        const g = order[i] as number;
        const k = at[g] as number;
        rows[k] = fileRows[i] as number;
        at[g] = k + 1;
      }
      this.rowsTaken = rows;
    } else this.rowsTaken = fileRows.slice(0, n);
    if (!fileOrder || parts.length < 2) return parts.flat();
    // each group's lines are in file order: walk the file's order, taking the next line of its group each time
    const at = parts.map(() => ({ part: 0, pos: 0 }));
    const out: Buffer[] = [];
    for (let i = 0; i < n; i++) {
      const g = order[i] as number;
      const c = at[g] as { part: number; pos: number };
      const gp = parts[g] as Buffer[];
      while ((gp[c.part] as Buffer).length === c.pos) {
        c.part++;
        c.pos = 0;
      }
      const p = gp[c.part] as Buffer;
      const end = p.indexOf(0x0a, c.pos) + 1;
      out.push(p.subarray(c.pos, end));
      c.pos = end;
    }
    return out;
  }
}
