/**
 * The settlements a batch COPYed, by setl_id, held off the JS heap (typed arrays and byte pages): a fee line of the
 * same batch takes its settlement's region, time, person and institution from here instead of from a lookup in the
 * facts. At 1M settlements those lookups (~12,000 ids probed in every partition per 40,000 lines, after an ANALYZE of
 * the partitions) cost the backend ~8 of the ingest's ~80 s, and rebuilding each line after its lookup cost Node a
 * second pass over the text.
 *
 * An entry is trusted only while it is exactly what the facts hold, so it says "ask the facts" (unknown) when:
 *  - its settlement's chunk went through the merge (a key loaded by an earlier batch, or twice in one chunk);
 *  - its setl_id is seen twice in the batch (a re-sent row, or a reversal of the same id, in any order).
 * Bounded: past `maxBytes` no settlement is added (the rest are looked up as before), so memory stays flat whatever
 * the file size. Only printable ASCII ids and persons are kept (IDs in practice); anything else is looked up.
 */
import { copyValue } from './copy';
import type { SetlOf } from './staging';

const PAGE = 1 << 20;
/** bytes of the per-entry arrays: hash, offset, institution (4 each), key length, time length, value length, region (1 each) */
const ENTRY_BYTES = 4 + 4 + 4 + 1 + 1 + 1 + 1;
const pad = (n: number) => (n < 10 ? `0${n}` : String(n));

/** the digits of `s` at `from` (two or four), or -1 */
function digitsAt(s: string, from: number, n: number): number {
  let v = 0;
  for (let i = from; i < from + n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/**
 * The platform's time as the settlement line writes it, 'yyyy-MM-dd HH:mm:ss+08' (years 1900–2155), packed into 6
 * bytes at `at` (year − 1900, month, day, hour, minute, second); false for any other text (then kept as written).
 */
function packTime(page: Buffer, at: number, t: string): boolean {
  if (t.length !== 22 || t.charCodeAt(4) !== 45 || t.charCodeAt(7) !== 45 || t.charCodeAt(10) !== 32 || t.charCodeAt(13) !== 58 || t.charCodeAt(16) !== 58) return false;
  if (t.charCodeAt(19) !== 43 || t.charCodeAt(20) !== 48 || t.charCodeAt(21) !== 56) return false;
  const y = digitsAt(t, 0, 4) - 1900;
  if (y < 0 || y > 255) return false;
  const mo = digitsAt(t, 5, 2);
  const d = digitsAt(t, 8, 2);
  const hh = digitsAt(t, 11, 2);
  const mi = digitsAt(t, 14, 2);
  const ss = digitsAt(t, 17, 2);
  if ((mo | d | hh | mi | ss) < 0) return false;
  page[at] = y;
  page[at + 1] = mo;
  page[at + 2] = d;
  page[at + 3] = hh;
  page[at + 4] = mi;
  page[at + 5] = ss;
  return true;
}

/**
 * `s` written at `at` one byte a character, a backslash doubled when `escape` (COPY text: the only character of
 * printable ASCII it escapes); the position after it, or -1 when `s` is not all printable ASCII.
 */
function writeAscii(page: Buffer, at: number, s: string, escape: boolean): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return -1;
    if (escape && c === 0x5c) page[at++] = c;
    page[at++] = c;
  }
  return at;
}

/** FNV-1a over the UTF-16 code units (the keys are printable ASCII) */
function hashOf(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export class SettlementIndex {
  private pages: Buffer[] = [];
  private at = PAGE;
  private n = 0;
  private hash = new Uint32Array(1024);
  private off = new Uint32Array(1024);
  private inst = new Uint32Array(1024);
  private klen = new Uint8Array(1024);
  /** 0: the time is packed (6 bytes: year − 1900, month, day, hour, minute, second); else the length of its text */
  private tlen = new Uint8Array(1024);
  private vlen = new Uint8Array(1024);
  /** 0: unknown (ask the facts); else 1 + the index of the region in `regions` */
  private reg = new Uint8Array(1024);
  private slots = new Int32Array(4096).fill(-1);
  private regions: string[] = [];
  private regionNo = new Map<string, number>();
  private insts: string[] = [];
  private instNo = new Map<string, number>();

  constructor(private readonly maxBytes: number) {}

  get size() {
    return this.n;
  }

  /** the entry of `id`, or -1 */
  private find(id: string, h: number): number {
    const mask = this.slots.length - 1;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const e = this.slots[s] as number;
      if (e < 0) return -1;
      if (this.hash[e] === h && this.keyIs(e, id)) return e;
    }
  }

  private keyIs(e: number, id: string): boolean {
    if (this.klen[e] !== id.length) return false;
    const o = this.off[e] as number;
    const page = this.pages[Math.floor(o / PAGE)] as Buffer;
    const p = o % PAGE;
    for (let i = 0; i < id.length; i++) if (page[p + i] !== id.charCodeAt(i)) return false;
    return true;
  }

  /**
   * A settlement COPYed (or about to be) in this batch. An id already seen turns unknown; a settlement that cannot be
   * kept (full, or not printable ASCII) is left out and will be looked up.
   */
  add(id: string, admdvs: string, time: string, psnNo: string, fixmedinsCode: string): void {
    const h = hashOf(id);
    const e = this.find(id, h);
    if (e >= 0) {
      this.reg[e] = 0;
      return;
    }
    // (an empty time cannot be told from a packed one: never indexed; a settlement row always has one)
    if (!time) return;
    // a region and an institution are kept only with an entry that names them: an entry left out (past the budget, not
    // printable ASCII) takes no region slot and does not grow the heap
    const knownRegion = this.regionNo.get(admdvs);
    const r = knownRegion ?? this.regions.length;
    if (r >= 255) return;
    const known = this.instNo.get(fixmedinsCode);
    const i = known ?? this.insts.length;
    if (!this.insert(h, id, time, psnNo, r + 1, i)) return;
    if (knownRegion === undefined) {
      this.regions.push(admdvs);
      this.regionNo.set(admdvs, r);
    }
    if (known === undefined) {
      this.insts.push(fixmedinsCode);
      this.instNo.set(fixmedinsCode, i);
    }
  }

  /** An id named by a row that is not a plain settlement (a reversal of the same id): its entry, now or later, is unknown. */
  poison(id: string): void {
    const h = hashOf(id);
    const e = this.find(id, h);
    if (e >= 0) this.reg[e] = 0;
    else this.insert(h, id, '', '', 0, 0);
  }

  /** The settlements of a chunk that went through the merge: what the facts hold may differ from what the file said. */
  forget(ids: Iterable<string>): void {
    for (const id of ids) {
      const e = this.find(id, hashOf(id));
      if (e >= 0) this.reg[e] = 0;
    }
  }

  /** what the pages and arrays hold now */
  get allocated(): number {
    return this.pages.length * PAGE + this.hash.length * ENTRY_BYTES + this.slots.length * 4;
  }

  /**
   * Whether the entry was added: false when the budget is spent, or when id, time or person is not printable ASCII or
   * too long. Bytes: the id, then the time (packed, or as written) and psn_no escaped for COPY.
   */
  private insert(h: number, id: string, time: string, psnNo: string, reg: number, inst: number): boolean {
    // at most this many bytes (a backslash in psn_no takes two)
    const most = id.length + Math.max(6, time.length) + 2 * psnNo.length;
    if (id.length > 255) return false;
    // whatever this entry would make the index allocate next must stay within the budget
    const more = (this.at + most > PAGE ? PAGE : 0) + (this.n === this.hash.length ? this.hash.length * ENTRY_BYTES : 0) + ((this.n + 1) * 2 > this.slots.length ? this.slots.length * 4 : 0);
    if (more && this.allocated + more > this.maxBytes) return false;
    if (this.at + most > PAGE) {
      this.pages.push(Buffer.allocUnsafe(PAGE));
      this.at = 0;
    }
    const page = this.pages[this.pages.length - 1] as Buffer;
    const atTime = writeAscii(page, this.at, id, false);
    if (atTime < 0) return false;
    const packed = packTime(page, atTime, time);
    const atPsn = packed ? atTime + 6 : writeAscii(page, atTime, time, false);
    const end = atPsn < 0 ? -1 : writeAscii(page, atPsn, psnNo, true);
    if (end < 0 || end - atTime > 255) return false;
    if (this.n === this.hash.length) this.grow();
    const e = this.n++;
    this.hash[e] = h;
    this.off[e] = (this.pages.length - 1) * PAGE + this.at;
    this.klen[e] = id.length;
    this.tlen[e] = packed ? 0 : time.length;
    this.vlen[e] = end - atTime;
    this.reg[e] = reg;
    this.inst[e] = inst;
    this.at = end;
    if (this.n * 2 > this.slots.length) this.rehash();
    else this.place(e);
    return true;
  }

  private place(e: number): void {
    const mask = this.slots.length - 1;
    let s = (this.hash[e] as number) & mask;
    while ((this.slots[s] as number) >= 0) s = (s + 1) & mask;
    this.slots[s] = e;
  }

  private grow(): void {
    const cap = this.hash.length * 2;
    const widen = <T extends Uint32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(cap);
      b.set(a);
      return b;
    };
    this.hash = widen(this.hash, (k) => new Uint32Array(k));
    this.off = widen(this.off, (k) => new Uint32Array(k));
    this.inst = widen(this.inst, (k) => new Uint32Array(k));
    this.klen = widen(this.klen, (k) => new Uint8Array(k));
    this.tlen = widen(this.tlen, (k) => new Uint8Array(k));
    this.vlen = widen(this.vlen, (k) => new Uint8Array(k));
    this.reg = widen(this.reg, (k) => new Uint8Array(k));
  }

  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2).fill(-1);
    for (let e = 0; e < this.n; e++) this.place(e);
  }

  /** The settlement of a fee line, when this batch COPYed it and the facts hold exactly that; else null (look it up). */
  get(id: string): SetlOf | null {
    const e = this.find(id, hashOf(id));
    if (e < 0 || !this.reg[e]) return null;
    const o = this.off[e] as number;
    const page = this.pages[Math.floor(o / PAGE)] as Buffer;
    const p = (o % PAGE) + (this.klen[e] as number);
    const tlen = this.tlen[e] as number;
    const t = tlen
      ? page.toString('latin1', p, p + tlen)
      : `${1900 + (page[p] as number)}-${pad(page[p + 1] as number)}-${pad(page[p + 2] as number)} ${pad(page[p + 3] as number)}:${pad(page[p + 4] as number)}:${pad(page[p + 5] as number)}+08`;
    const psn = page.toString('latin1', p + (tlen || 6), p + (this.vlen[e] as number));
    const fixmedinsCode = this.insts[this.inst[e] as number] as string;
    return { admdvs: this.regions[(this.reg[e] as number) - 1] as string, rest: `${t}\t${psn}\t${copyValue(fixmedinsCode)}`, fixmedinsCode };
  }
}
