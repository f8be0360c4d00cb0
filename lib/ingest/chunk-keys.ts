/**
 * The keys of one chunk (setl_id or feedetl_sn), kept as what the load needs rather than as 40,000 strings: whether one
 * repeats, the lowest and highest (the probe's bounds) and whether all are printable ASCII. A set of the strings kept
 * every key of the chunk alive past the young generation (~5 % of the ingest's CPU in GC and hashing at 1M lines).
 * A repeat is told by a 64-bit hash of each key (two FNV-style hashes, typed arrays): two different keys that collide
 * count as a repeat, which only sends the chunk through the merge (slower, same result). The keys themselves, when a
 * load needs them (a probe that finds a stored key inside the bounds, a merged chunk), are read back from the chunk's
 * COPY text (keysOfLines).
 */
export class ChunkKeys {
  private slots = new Uint32Array(2 * 1024);
  private mask = 1023;
  size = 0;
  repeats = false;
  ascii = true;
  lo = '';
  hi = '';

  add(k: string): void {
    let h1 = 0x811c9dc5;
    let h2 = 0x9747b28c;
    let ascii = true;
    for (let i = 0; i < k.length; i++) {
      const c = k.charCodeAt(i);
      if (c < 0x20 || c > 0x7e) ascii = false;
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
      h2 ^= h2 >>> 15;
    }
    if (!ascii) this.ascii = false;
    if (this.size === 0) this.lo = this.hi = k;
    else if (k < this.lo) this.lo = k;
    else if (k > this.hi) this.hi = k;
    // (0, 0) marks an empty slot
    if (this.put((h1 | 1) >>> 0, h2 >>> 0)) this.size++;
    else this.repeats = true;
  }

  /** false when the pair is there already */
  private put(h1: number, h2: number): boolean {
    if ((this.size + 1) * 2 > this.mask + 1) this.grow();
    const { slots, mask } = this;
    for (let s = h1 & mask; ; s = (s + 1) & mask) {
      const a = slots[2 * s] as number;
      if (a === 0) {
        slots[2 * s] = h1;
        slots[2 * s + 1] = h2;
        return true;
      }
      if (a === h1 && slots[2 * s + 1] === h2) return false;
    }
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Uint32Array(old.length * 2);
    this.mask = this.slots.length / 2 - 1;
    const { slots, mask } = this;
    for (let i = 0; i < old.length; i += 2) {
      const h1 = old[i] as number;
      if (h1 === 0) continue;
      let s = h1 & mask;
      while ((slots[2 * s] as number) !== 0) s = (s + 1) & mask;
      slots[2 * s] = h1;
      slots[2 * s + 1] = old[i + 1] as number;
    }
  }
}
