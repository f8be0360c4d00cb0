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

/**
 * COPY lines collected for a chunk, kept as UTF-8 Buffers of ~256 lines each: a line is a template-literal
 * result (a tree of string pieces in V8) and would otherwise survive into the old generation for the
 * whole chunk; as bytes outside the JS heap the chunk costs its size and the strings die young.
 */
export class LineBuffer {
  private parts: Buffer[] = [];
  private small: string[] = [];
  rows = 0;

  push(line: string) {
    this.small.push(line);
    this.rows++;
    if (this.small.length >= 256) {
      this.parts.push(Buffer.from(this.small.join(''), 'utf8'));
      this.small = [];
    }
  }

  /** the collected text, emptying the buffer */
  take(): Buffer[] {
    if (this.small.length) this.parts.push(Buffer.from(this.small.join(''), 'utf8'));
    const out = this.parts;
    this.parts = [];
    this.small = [];
    this.rows = 0;
    return out;
  }
}
