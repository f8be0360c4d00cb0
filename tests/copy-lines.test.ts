import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dropSpareSlabs, GroupedLines, LineBuffer, recycle } from '../lib/ingest/copy';
import { detectEncoding, openFile, wholeUtf8, type ParsedRow } from '../lib/ingest/parse';

const text = (parts: Buffer[]) => Buffer.concat(parts).toString('utf8');

describe('COPY text buffers', () => {
  // lines of two-byte text (Chinese) and of ASCII, long enough that a chunk spans several joins and slabs
  const line = (i: number) => `${i}\t${i % 3 ? '运城市第' + i + '人民医院' : 'x'.repeat(i % 500)}\n`;

  it('a LineBuffer gives back exactly the lines pushed, across joins and slabs', () => {
    const b = new LineBuffer();
    const want: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      want.push(line(i));
      b.push(line(i));
    }
    expect(b.rows).toBe(20_000);
    const parts = b.take();
    expect(parts.length).toBeGreaterThan(1);
    expect(text(parts)).toBe(want.join(''));
    expect(b.rows).toBe(0);
    expect(b.take()).toEqual([]);
  });

  it('a recycled slab is reused by a later buffer; parts not recycled keep their bytes; a slab recycled twice is lent once', () => {
    const a = new LineBuffer();
    for (let i = 0; i < 3_000; i++) a.push(line(i));
    const aParts = a.take();
    const kept = new LineBuffer();
    for (let i = 0; i < 3_000; i++) kept.push(line(i + 7));
    const keptParts = kept.take();
    const keptText = text(keptParts);
    recycle(aParts);
    recycle(aParts);
    const slabs = new Set(aParts.map((p) => p.buffer));
    const b = new LineBuffer();
    const c = new LineBuffer();
    const want = { b: '', c: '' };
    for (let i = 0; i < 6_000; i++) {
      b.push(line(i + 1));
      c.push(line(i + 2));
      want.b += line(i + 1);
      want.c += line(i + 2);
    }
    const bParts = b.take();
    const cParts = c.take();
    // the recycled slabs went to the new buffers, each to one of them only
    const reused = [...bParts, ...cParts].map((p) => p.buffer).filter((ab) => slabs.has(ab));
    expect(reused.length).toBe(slabs.size);
    expect(new Set(reused).size).toBe(slabs.size);
    expect(text(bParts)).toBe(want.b);
    expect(text(cParts)).toBe(want.c);
    expect(text(keptParts)).toBe(keptText);
    // at the end of an ingest the spare slabs are let go
    recycle(bParts);
    dropSpareSlabs();
    const d = new LineBuffer();
    for (let i = 0; i < 6_000; i++) d.push(line(i));
    const bSlabs = new Set(bParts.map((p) => p.buffer));
    expect(d.take().filter((p) => bSlabs.has(p.buffer))).toEqual([]);
  });

  it('GroupedLines sends group after group, or the lines in the order they came', () => {
    const g = new GroupedLines();
    const all: Array<[string, string]> = [];
    for (let i = 0; i < 30_000; i++) {
      const month = `2024-${String(1 + ((i * 7) % 12)).padStart(2, '0')}`;
      all.push([month, line(i)]);
      g.push(month, line(i));
    }
    expect(g.rows).toBe(30_000);
    const firstSeen = [...new Set(all.map(([m]) => m))];
    const grouped = firstSeen.flatMap((m) => all.filter(([k]) => k === m).map(([, l]) => l)).join('');
    expect(text(g.take(false))).toBe(grouped);
    for (const [m, l] of all) g.push(m, l);
    expect(text(g.take(true))).toBe(all.map(([, l]) => l).join(''));
    expect(g.rows).toBe(0);
  });

  it('GroupedLines holds a group of few lines in a small slab (a chunk over many months stays near its text size)', () => {
    const g = new GroupedLines();
    let bytes = 0;
    for (let i = 0; i < 40_000; i++) {
      const l = line(i);
      bytes += Buffer.byteLength(l);
      g.push(`2000-${i % 250}`, l);
    }
    const parts = g.take(false);
    const held = [...new Set(parts.map((p) => p.buffer))].reduce((a, b) => a + b.byteLength, 0);
    expect(text(parts).length).toBeGreaterThan(0);
    expect(held).toBeLessThan(3 * bytes);
  });

  it('GroupedLines keeps the file order past 255 groups (the rest share the last group)', () => {
    const g = new GroupedLines();
    const lines = Array.from({ length: 1_000 }, (_, i) => line(i));
    lines.forEach((l, i) => g.push(`k${i % 300}`, l));
    expect(text(g.take(true))).toBe(lines.join(''));
    lines.forEach((l, i) => g.push(`k${i % 300}`, l));
    const grouped = text(g.take(false));
    expect(grouped.length).toBe(lines.join('').length);
    expect(grouped.split('\n').sort()).toEqual(lines.join('').split('\n').sort());
  });
});

describe('NDJSON reading', () => {
  it('a UTF-8 file whose first line is longer than the encoding sample, cut inside a character, is still UTF-8', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ofm-enc-'));
    for (const prefix of ['', 'a', 'ab']) {
      const f = path.join(dir, `long-${prefix.length}.ndjson`);
      fs.writeFileSync(f, `${JSON.stringify({ setl_id: 'S1', fixmedins_name: prefix + '中'.repeat(30_000) })}\n`);
      expect(await detectEncoding(f)).toBe('utf-8');
    }
    const b = Buffer.from('a中é𝄞');
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((n) => wholeUtf8(b.subarray(0, n)).toString())).toEqual(['a', 'a', 'a', 'a中', 'a中', 'a中é', 'a中é', 'a中é', 'a中é', 'a中é𝄞']);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('looks past a first block of broken lines for the fields that tell the kind of file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ofm-peek-'));
    const f = path.join(dir, 'peek.ndjson');
    const broken = Array.from({ length: 300 }, (_, i) => `{"setl_id": "B${i}", ${'x'.repeat(200)}`);
    fs.writeFileSync(f, [...broken, JSON.stringify({ setl_id: 'S1', psn_no: 'P1' })].join('\n'));
    const p = await openFile(f);
    expect(p.fields).toEqual(['setl_id', 'psn_no']);
    const got: ParsedRow[] = [];
    for await (const batch of p.rows) got.push(...batch);
    expect(got.map((r) => r.row)).toEqual(Array.from({ length: 301 }, (_, i) => i + 1));
    expect(got.filter((r) => '__error' in r.values).length).toBe(300);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reads every line whole through reused blocks: multi-byte text at every offset, lines longer than a block and than a read', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ofm-ndjson-'));
    const f = path.join(dir, 'long.ndjson');
    const records: Array<Record<string, unknown>> = [];
    let bytes = 0;
    for (let i = 0; bytes < 3.5 * 2 ** 20; i++) {
      // lengths that move a line's end across the 32 KiB blocks and 1 MiB reads; some lines of 40 KB and of 1.2 MB
      const long = i % 97 === 5 ? 40_000 : i === 60 ? 1_200_000 : (i * 131) % 900;
      const r = { setl_id: `S${i}`, fixmedins_name: `医院${'药'.repeat(i % 7)}`.padEnd(3 + (i % 5), '甲'), note: `n${'é'.repeat(long % 3)}${'x'.repeat(long)}` };
      records.push(r);
      bytes += Buffer.byteLength(JSON.stringify(r)) + 1;
    }
    fs.writeFileSync(f, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const p = await openFile(f);
    const got: ParsedRow[] = [];
    for await (const batch of p.rows) got.push(...batch);
    expect(got.length).toBe(records.length);
    got.forEach((r, i) => {
      expect(r.row).toBe(i + 1);
      expect(r.values).toEqual(records[i]);
    });
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
