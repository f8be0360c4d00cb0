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
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
/** bytes of the per-entry arrays: hash, offset, institution (4 each), key length, time length, value length, region (1 each) */
const ENTRY_BYTES = 4 + 4 + 4 + 1 + 1 + 1 + 1;
/** the platform's time as the settlement line writes it, 'yyyy-MM-dd HH:mm:ss+08': kept as 6 bytes, not 22 */
const PLATFORM_TIME = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)\+08$/;
const pad = (n: number) => (n < 10 ? `0${n}` : String(n));

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
    if (!time || !PRINTABLE_ASCII.test(id) || !PRINTABLE_ASCII.test(time) || !PRINTABLE_ASCII.test(psnNo)) return;
    // one byte a character from here on: the time packed or as written, then psn_no escaped for COPY
    const m = PLATFORM_TIME.exec(time);
    const y = m ? Number(m[1]) - 1900 : -1;
    const packed = m && y >= 0 && y < 256 ? String.fromCharCode(y, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) : null;
    const value = `${packed ?? time}${copyValue(psnNo)}`;
    if (id.length > 255 || value.length > 255) return;
    let r = this.regionNo.get(admdvs);
    if (r === undefined) {
      if (this.regions.length >= 255) return;
      r = this.regions.push(admdvs) - 1;
      this.regionNo.set(admdvs, r);
    }
    // an institution is kept only with an entry that names it: past the budget, new codes do not grow the heap either
    const known = this.instNo.get(fixmedinsCode);
    const i = known ?? this.insts.length;
    if (this.insert(h, id, value, packed ? 0 : time.length, r + 1, i) && known === undefined) {
      this.insts.push(fixmedinsCode);
      this.instNo.set(fixmedinsCode, i);
    }
  }

  /** An id named by a row that is not a plain settlement (a reversal of the same id): its entry, now or later, is unknown. */
  poison(id: string): void {
    const h = hashOf(id);
    const e = this.find(id, h);
    if (e >= 0) this.reg[e] = 0;
    else if (id.length <= 255 && PRINTABLE_ASCII.test(id)) this.insert(h, id, '', 0, 0, 0);
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

  /** whether the entry was added (false: the budget is spent) */
  private insert(h: number, id: string, value: string, tlen: number, reg: number, inst: number): boolean {
    const len = id.length + value.length;
    // whatever this entry would make the index allocate next must stay within the budget
    const more = (this.at + len > PAGE ? PAGE : 0) + (this.n === this.hash.length ? this.hash.length * ENTRY_BYTES : 0) + ((this.n + 1) * 2 > this.slots.length ? this.slots.length * 4 : 0);
    if (more && this.allocated + more > this.maxBytes) return false;
    if (this.at + len > PAGE) {
      this.pages.push(Buffer.allocUnsafe(PAGE));
      this.at = 0;
    }
    const page = this.pages[this.pages.length - 1] as Buffer;
    page.write(id, this.at, 'latin1');
    page.write(value, this.at + id.length, 'latin1');
    if (this.n === this.hash.length) this.grow();
    const e = this.n++;
    this.hash[e] = h;
    this.off[e] = (this.pages.length - 1) * PAGE + this.at;
    this.klen[e] = id.length;
    this.tlen[e] = tlen;
    this.vlen[e] = value.length;
    this.reg[e] = reg;
    this.inst[e] = inst;
    this.at += len;
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
