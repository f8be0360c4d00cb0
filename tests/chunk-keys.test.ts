import { describe, expect, it } from 'vitest';
import { ChunkKeys } from '../lib/ingest/chunk-keys';

describe("a chunk's keys", () => {
  it('tells a repeat, the bounds in JS order and whether every key is printable ASCII, across growth', () => {
    const ck = new ChunkKeys();
    for (let i = 0; i < 50_000; i++) ck.add(`F${String(i).padStart(8, '0')}`);
    expect([ck.size, ck.repeats, ck.ascii, ck.lo, ck.hi]).toEqual([50_000, false, true, 'F00000000', 'F00049999']);
    ck.add('F00012345');
    expect([ck.size, ck.repeats]).toEqual([50_000, true]);
    const other = new ChunkKeys();
    for (const k of ['b', 'a', 'c\t', '结算']) other.add(k);
    expect([other.size, other.repeats, other.ascii, other.lo, other.hi]).toEqual([4, false, false, 'a', '结算']);
  });
});
