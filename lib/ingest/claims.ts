/**
 * Claims (settlements, fee details) go to the facts in chunks, each on one of two paths:
 *  - fast: none of the chunk's keys is loaded yet and none is twice in the chunk → the lines are COPYed straight
 *    into the partitioned fact table (inside a savepoint: a unique violation after all sends the chunk to the merge);
 *  - merge: otherwise the same lines are COPYed into a staging table of the same columns and merged (merge.ts).
 * "Loaded" is asked of the facts by key alone (`setl_id` / `feedetl_sn`, each with an index on every partition),
 * not of the primary key, which includes the partition key: a re-sent settlement whose setl_time changed must
 * still be found. ingestFiles holds an advisory lock for the whole transaction, so no other ingest can load a
 * key between the probe and the COPY.
 *
 * Master data seen in the claims (institutions and insured persons from settlements, doctors and departments
 * from details) is collected per chunk in Node — a few thousand distinct keys — and upserted set-based, with
 * the rules the merge used to apply to its staging table.
 * A fee detail carries its settlement's admdvs, setl_time, psn_no and fixmedins_code: from the index of the settlements
 * this batch COPYed (setl-index.ts), else looked up once per chunk by setl_id; a detail whose settlement is not loaded
 * is a rejected row.
 * The probes and the lookup are named statements run with a generic plan (ingestFiles sets plan_cache_mode): a
 * custom plan would estimate `= any(<40,000 keys>)` key by key on every partition, ~10× the time of running it.
 */
import type pg from 'pg';
import { ChunkKeys } from './chunk-keys';
import { copyLines, copyValue, GroupedLines, LineBuffer, recycle } from './copy';
import { fileDuplicates, mergeDetails, mergeSettlements, type ChunkRows, type MergeState } from './merge';
import { DETAIL_COPY, detailTail, REVERSAL_COPY, REVERSALS_TABLE, reversalLine, SETTLEMENT_COPY, settlementLine, type SetlOf } from './staging';
import type { DetailRow, SettlementRow } from './validate';

const trace = () => process.env.OFM_INGEST_TRACE === '1';
const log = (s: string) => {
  const m = process.memoryUsage();
  process.stderr.write(`${s} [rss ${Math.round(m.rss / 1e6)} heap ${Math.round(m.heapUsed / 1e6)}/${Math.round(m.heapTotal / 1e6)} ext ${Math.round(m.external / 1e6)} ab ${Math.round(m.arrayBuffers / 1e6)}]\n`);
};

/**
 * COPY the chunk into `table` inside a savepoint; null when a key turned out to be loaded after all (unique violation),
 * the savepoint rolled back so that the caller can merge the chunk instead.
 */
async function copyFast(client: pg.PoolClient, table: string, columns: string, parts: Buffer[]): Promise<number | null> {
  await client.query('savepoint fast_chunk');
  try {
    const n = await copyLines(client, `copy ${table} (${columns}) from stdin`, parts);
    await client.query('release savepoint fast_chunk');
    return n;
  } catch (e) {
    if ((e as { code?: string }).code !== '23505') throw e;
    await client.query('rollback to savepoint fast_chunk; release savepoint fast_chunk');
    return null;
  }
}

/**
 * Runs `fn` with index scans only: with no statistics on the fresh partitions a generic plan may pick a sequential
 * scan that searches the 40,000-key array linearly for every row (seconds a chunk).
 */
async function indexed<T>(client: pg.PoolClient, fn: () => Promise<T>): Promise<T> {
  await client.query('set local enable_seqscan = off');
  try {
    return await fn();
  } finally {
    await client.query('set local enable_seqscan = on');
  }
}

/**
 * Whether any of `keys` is in `table` already. First the range of the keys against the index (one descent per
 * partition: the smallest stored key ≥ the lowest key of the chunk, compared with the highest); only when a stored
 * key falls inside the range are the keys looked up one by one. IDs are usually issued in order, so a new file's
 * chunks fall beyond everything stored and the first check settles it.
 */
async function anyLoaded(client: pg.PoolClient, table: string, key: string, ck: ChunkKeys, keys: () => string[], byteOrder: boolean): Promise<boolean> {
  const t = performance.now();
  const loaded = await indexed(client, async () => {
    // the bounds as the key column orders them, when that is plain JS string order (printable ASCII keys, columns that
    // order by byte: keysInByteOrder)
    const bounds: [string, string] | null = byteOrder && ck.ascii ? [ck.lo, ck.hi] : null;
    // the bounds found here: two strings sent, not the 40,000 keys (whose transfer and unnest cost ~70 ms a chunk)
    const range = await client.query<{ x: boolean | null }>(
      bounds
        ? {
            name: `ofm_ingest_bounds_${table}`,
            text: `select (select f.${key} from ${table} f where f.${key} >= $1 order by f.${key} limit 1) <= $2 as x`,
            values: bounds,
          }
        : {
            name: `ofm_ingest_range_${table}`,
            text: `select (select f.${key} from ${table} f where f.${key} >= r.lo order by f.${key} limit 1) <= r.hi as x
                   from (select min(k) as lo, max(k) as hi from unnest($1::text[]) k) r`,
            values: [keys()],
          },
    );
    if (!range.rows[0]?.x) return false;
    const exact = await client.query<{ x: boolean }>({
      name: `ofm_ingest_probe_${table}`,
      text: `select exists (select 1 from ${table} where ${key} = any($1::text[])) as x`,
      // (a sorted copy: the keys stay in line order, aligned with their rows for KeyRows)
      values: [[...keys()].sort()],
    });
    return exact.rows[0]?.x ?? true;
  });
  if (trace()) log(`[probe] ${table} ${ck.size} keys ${Math.round(performance.now() - t)} ms${loaded ? ' (some loaded)' : ''}`);
  return loaded;
}

/**
 * Whether settlements.setl_id and fee_details.feedetl_sn order printable ASCII keys byte by byte, as JS compares them
 * (the probe's bounds, ChunkKeys). Asked of the server rather than read from the locale's name: the columns must use
 * the database default or "C"/"POSIX", and the default must sort a sample of every printable ASCII character, and of
 * keys that case- or punctuation-aware collations reorder, exactly as JS does (true for C and C.UTF-8, false for
 * en_US.UTF-8 or ICU).
 */
export async function keysInByteOrder(client: pg.PoolClient): Promise<boolean> {
  const cols = await client.query<{ c: number }>(
    `select attcollation::int as c from pg_attribute
     where (attrelid, attname) in (('settlements'::regclass, 'setl_id'), ('fee_details'::regclass, 'feedetl_sn'))`,
  );
  // 100 default, 950 "C", 951 "POSIX" (fixed catalog OIDs)
  if (cols.rows.length !== 2 || cols.rows.some((r) => ![100, 950, 951].includes(r.c))) return false;
  if (cols.rows.every((r) => r.c !== 100)) return true;
  const sample = [...Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)), 'a-b', 'ab', 'a b', 'a0', 'aa', 'Ab', '-a', '_a', 'a_', 'a.b', 'S10', 'S9', 's1'];
  const r = await client.query<{ s: string[] }>('select array_agg(k order by k) as s from unnest($1::text[]) k', [sample]);
  return JSON.stringify(r.rows[0]?.s) === JSON.stringify([...sample].sort());
}

/**
 * The chunk loads of one file, run one after another on the ingest's connection while the parse goes on. Up to `depth`
 * chunks are queued or loading at once: the backend's COPY of a chunk and Node's parse of the next take about as long,
 * and with one chunk ahead neither side idles on the other's jitter (a chunk is ~10 MB of COPY text).
 * A load that fails fails those queued after it; the error surfaces at the next push or at drain.
 */
class LoadQueue {
  private tail: Promise<void> = Promise.resolve();
  private inFlight: Array<Promise<void>> = [];
  waited = 0;

  constructor(private readonly depth = 2) {}

  async push(load: () => Promise<void>): Promise<void> {
    const tw = performance.now();
    while (this.inFlight.length >= this.depth) await this.inFlight.shift();
    this.waited += performance.now() - tw;
    const p = this.tail.then(load);
    p.catch(() => undefined);
    this.tail = p;
    this.inFlight.push(p);
  }

  async drain(): Promise<void> {
    await this.tail;
    this.inFlight = [];
  }
}

interface Inst {
  region: string;
  name: string | null;
  type: string;
  lv: number;
  fee: number | null;
  designated: boolean;
}
type Person = [region: string, psnNo: string, psnType: string, gend: string | null, brdy: string | null, insutype: string];

const str = (x: unknown): string | null => (typeof x === 'string' ? (x === '' ? null : x) : typeof x === 'number' ? String(x) : null);
const minStr = (a: string | null, b: string | null) => (a === null ? b : b === null || a <= b ? a : b);
const maxStr = (a: string | null, b: string | null) => (a === null ? b : b === null || a >= b ? a : b);

/** Settlements of one file, chunk by chunk. Reversal rows are kept aside in stg_reversals (merged at the end, merge.ts). */
export class SettlementLoader {
  private lines = new GroupedLines();
  private rev = new LineBuffer();
  private keys = new ChunkKeys();
  /** the months of the chunk's settlements: the partitions it needs */
  private months = new Set<string>();
  private insts = new Map<string, Inst>();
  private persons = new Map<string, Person>();
  private queue = new LoadQueue();
  /** setl_ids twice or more in this file */
  readonly dups = new FileDuplicates();
  /** whether a chunk went through the merge */
  private merged = false;

  constructor(
    private client: pg.PoolClient,
    private st: MergeState,
    private fileNo: number,
    private batchId: number,
  ) {}

  get rows() {
    return this.lines.rows + this.rev.rows;
  }

  /** ms the parse waited for the loads */
  get waited() {
    return this.queue.waited;
  }

  add(row: number, s: SettlementRow, extra: Record<string, unknown> | null) {
    const id = s.setl_id as string;
    if (s.refd_setl_flag) {
      this.st.setlIndex?.poison(id);
      this.rev.push(reversalLine(this.fileNo, row, this.batchId, s, extra));
      return;
    }
    const month = s.setl_time?.month ?? '';
    this.lines.push(month, settlementLine(this.batchId, s, extra), row);
    this.keys.add(id);
    this.months.add(month);
    const admdvs = s.admdvs as string;
    this.st.months.add(month);
    this.st.days.add(s.setl_time?.day ?? '');
    this.st.unanalyzed.add(month);
    this.st.regions.add(admdvs);
    // institution: region of the institution when given, else the insured's; the names and levels as the merge took them
    const code = s.fixmedins_code as string;
    this.st.setlIndex?.add(id, admdvs, s.setl_time?.literal ?? '', s.psn_no as string, code);
    // the institution's own region when the row names a valid one the uploader may write, else the insured's: a claim
    // never creates master data in a region its uploader cannot write
    const given = str(extra?.fixmedins_admdvs)?.slice(0, 6) ?? null;
    const region = given !== null && /^\d{6}$/.test(given) && (!this.st.allowed || this.st.allowed.has(given)) ? given : admdvs;
    const name = str(extra?.fixmedins_name);
    const type = s.fixmedins_type ?? 'hospital';
    const i = this.insts.get(code);
    if (!i) this.insts.set(code, { region, name, type, lv: s.hosp_lv ?? 1, fee: s.fee_class, designated: s.designated ?? true });
    else {
      if (region < i.region) i.region = region;
      i.name = minStr(i.name, name);
      if (type < i.type) i.type = type;
      if ((s.hosp_lv ?? 1) > i.lv) i.lv = s.hosp_lv ?? 1;
      if (s.fee_class !== null && (i.fee === null || s.fee_class > i.fee)) i.fee = s.fee_class;
      i.designated &&= s.designated ?? true;
    }
    const pk = `${admdvs}\t${s.psn_no}`;
    const p = this.persons.get(pk);
    const insutype = s.insutype ?? '310';
    if (!p) this.persons.set(pk, [admdvs, s.psn_no as string, s.psn_type as string, s.gend, s.brdy, insutype]);
    else {
      if ((s.psn_type as string) > p[2]) p[2] = s.psn_type as string;
      p[3] = maxStr(p[3], s.gend);
      p[4] = maxStr(p[4], s.brdy);
      if (insutype > p[5]) p[5] = insutype;
    }
  }

  /** Queues this chunk's load (it runs while the caller parses the next). */
  async flush(): Promise<void> {
    if (!this.rows) return;
    const chunk = {
      // a key twice in the chunk sends it through the merge, where the later line wins: in file order then
      lines: this.lines.take(this.keys.repeats),
      rows: this.lines.rowsTaken,
      rev: this.rev.take(),
      keys: this.keys,
      months: this.months,
      insts: this.insts,
      persons: [...this.persons.values()],
    };
    this.keys = new ChunkKeys();
    this.months = new Set();
    this.insts = new Map();
    this.persons = new Map();
    await this.queue.push(() => this.load(chunk));
  }

  async finish(): Promise<void> {
    await this.flush();
    await this.queue.drain();
    if (this.merged) this.dups.earlier(await fileDuplicates(this.st, 'settlements', this.batchId));
  }

  private async load(c: { lines: Buffer[]; rows: Uint32Array; rev: Buffer[]; keys: ChunkKeys; months: Set<string>; insts: Map<string, Inst>; persons: Person[] }) {
    const { client, st } = this;
    const t = performance.now();
    if (c.keys.size) {
      // setl_id is the second column of a settlement line (read at most once: by the probe and/or for the index)
      const keysOf = memo(() => keysOfLines(c.lines, 1));
      // the probe asks every region: a key loaded in any region sends the chunk to the merge, which rejects the row
      // when that region is not the row's own (never a second settlement of one id beside the first)
      const loaded = c.keys.repeats || (await anyLoaded(client, 'settlements', 'setl_id', c.keys, keysOf, st.byteOrderKeys));
      if (!loaded) await st.ensureMonths(c.months);
      const n = loaded ? null : await copyFast(client, 'settlements', SETTLEMENT_COPY, c.lines);
      if (n !== null) st.add(this.batchId, 'inserted', n);
      else {
        // what the facts hold for these ids may now differ from what the file said: their fee lines look them up
        st.setlIndex?.forget(keysOf());
        const rows = new KeyRows(this.fileNo, keysOf, c.rows);
        if (c.keys.repeats) this.dups.inChunk(rows.repeats());
        await client.query('truncate stg_settlements');
        await copyLines(client, `copy stg_settlements (${SETTLEMENT_COPY}) from stdin`, c.lines);
        this.dups.earlier((await mergeSettlements(st, this.batchId, false, rows)).earlier);
        this.merged = true;
      }
      await upsertClaimMasters(client, c.insts, c.persons);
      if (trace()) log(`[chunk] settlements ${c.keys.size} rows ${n === null ? 'merged' : 'copied'} ${Math.round(performance.now() - t)} ms`);
    }
    if (c.rev.length) await copyLines(client, `copy ${REVERSALS_TABLE} (${REVERSAL_COPY}) from stdin`, c.rev);
    recycle(c.lines);
    recycle(c.rev);
  }
}

async function upsertClaimMasters(client: pg.PoolClient, insts: Map<string, Inst>, persons: Person[]) {
  if (insts.size) {
    const list = [...insts.entries()];
    await client.query(
      `insert into institutions (region_code, fixmedins_code, fixmedins_name, fixmedins_type, hosp_lv, fee_class, designated)
       select left(i.region, 6), i.code, coalesce(i.name, i.code), i.type, i.lv, i.fee, i.des
       from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::int[], $7::bool[]) as i(code, region, name, type, lv, fee, des)
       -- (the codes known already as one uncorrelated lookup: on Citus institutions is distributed by region, not code)
       where i.code <> all (array(select x.fixmedins_code from institutions x where x.fixmedins_code = any($1::text[])))
         and cardinality(app_assert_write_regions($2::text[])) > 0
       on conflict do nothing`,
      [list.map(([k]) => k), list.map(([, i]) => i.region), list.map(([, i]) => i.name), list.map(([, i]) => i.type), list.map(([, i]) => i.lv), list.map(([, i]) => i.fee), list.map(([, i]) => i.designated)],
    );
  }
  if (persons.length) {
    await client.query(
      `insert into insured_persons as p (region_code, psn_no, psn_type, gend, brdy, insutype)
       select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::date[], $6::text[])
       on conflict (region_code, psn_no) do update set psn_type = excluded.psn_type, gend = coalesce(excluded.gend, p.gend),
         brdy = coalesce(excluded.brdy, p.brdy), updated_at = excluded.updated_at
       where p.psn_type is distinct from excluded.psn_type or (excluded.gend is not null and p.gend is distinct from excluded.gend)
         or (excluded.brdy is not null and p.brdy is distinct from excluded.brdy)`,
      [persons.map((p) => p[0]), persons.map((p) => p[1]), persons.map((p) => p[2]), persons.map((p) => p[3]), persons.map((p) => p[4]), persons.map((p) => p[5])],
    );
  }
}

interface DetailChunk {
  /**
   * The chunk's fee lines by the month of their settlement, file order kept (GroupedLines: a key twice in a chunk,
   * the later line wins, merge.ts), as UTF-8 bytes off the JS heap (as strings they would outlive the young generation
   * and swell the old one). Pending lines are grouped apart until their settlement is known. A line
   * whose settlement this batch COPYed (SettlementIndex) is ready for the facts (DETAIL_COPY order); any other is
   * pending: `PENDING feedetl_sn \t setl_id \t row \t <detailTail>`, completed after the lookup of its settlement.
   */
  lines: GroupedLines;
  /** the settlements to look up (of the pending lines; empty: no line is pending) */
  setlIds: Set<string>;
  keys: ChunkKeys;
  /** doctor → the lowest department code and settlement id seen with it (the settlement gives institution and region) */
  doctors: Map<string, { dept: string | null; setl: string }>;
}

/** Fee details of one file, chunk by chunk; their settlements are loaded already (settlement files go first). */
export class DetailLoader {
  private c: DetailChunk = DetailLoader.empty();
  private queue = new LoadQueue();
  /** the doctor rows this file sent (upsertDoctors) */
  private doctorsSent = new Set<string>();
  /** the settlement of the previous line (a settlement's lines are usually consecutive) */
  private last: { id: string; s: SetlOf | null; month: string } = { id: '', s: null, month: '' };
  /** lines whose settlement came from the index, and those looked up in the facts */
  fromIndex = 0;
  lookedUp = 0;
  /** feedetl_sns twice or more in this file */
  readonly dups = new FileDuplicates();
  /** whether a chunk went through the merge */
  private merged = false;

  constructor(
    private client: pg.PoolClient,
    private st: MergeState,
    private fileNo: number,
    private batchId: number,
  ) {}

  private static empty(): DetailChunk {
    return { lines: new GroupedLines(), setlIds: new Set(), keys: new ChunkKeys(), doctors: new Map() };
  }

  get rows() {
    return this.c.lines.rows;
  }

  /** ms the parse waited for the loads */
  get waited() {
    return this.queue.waited;
  }

  add(row: number, d: DetailRow, extra: Record<string, unknown> | null) {
    const c = this.c;
    const { st } = this;
    const sn = d.feedetl_sn as string;
    const setl = d.setl_id as string;
    if (st.rejectedSettlements.size && st.rejectedSettlements.has(setl)) {
      st.reject({ file: st.file(this.fileNo), row, field: 'setl_id', message: `明细所属结算 ${setl} 的结算行已被拒绝，本行未导入 the settlement row of this detail was rejected`, value: setl }, this.batchId);
      return;
    }
    c.keys.add(sn);
    if (this.last.id !== setl) {
      let s = st.setlIndex?.get(setl) ?? null;
      // (the index holds this batch's own settlements, all of its regions; looked up, one of another region is rejected)
      if (s && st.allowed && !st.allowed.has(s.admdvs)) s = null;
      // (the time's first 7 characters: its month, the line's partition up to a time zone's difference)
      this.last = { id: setl, s, month: s ? s.rest.slice(0, 7) : '' };
    }
    const s = this.last.s;
    if (s) {
      c.lines.push(this.last.month, `${s.admdvs}\t${copyValue(sn)}\t${copyValue(setl)}\t${s.rest}\t${detailTail(this.batchId, d, extra)}`, row);
      this.fromIndex++;
    } else {
      c.lines.push('', `${PENDING}${copyValue(sn)}\t${copyValue(setl)}\t${row}\t${detailTail(this.batchId, d, extra)}`, row);
      c.setlIds.add(setl);
      this.lookedUp++;
    }
    if (d.bilg_dr_codg) {
      const doc = c.doctors.get(d.bilg_dr_codg);
      if (!doc) c.doctors.set(d.bilg_dr_codg, { dept: d.bilg_dept_codg, setl });
      else {
        doc.dept = minStr(doc.dept, d.bilg_dept_codg);
        if (setl < doc.setl) doc.setl = setl;
      }
    }
  }

  async flush(): Promise<void> {
    if (!this.rows) return;
    const c = this.c;
    this.c = DetailLoader.empty();
    await this.queue.push(() => this.load(c));
  }

  async finish(): Promise<void> {
    await this.flush();
    await this.queue.drain();
    if (this.merged) this.dups.earlier(await fileDuplicates(this.st, 'details', this.batchId));
  }

  private async load(c: DetailChunk) {
    const { client, st } = this;
    const t = performance.now();
    const setl = c.setlIds.size ? await this.lookUp(c) : new Map<string, SetlOf>();
    const n = c.lines.rows;
    const parts = c.lines.take(c.keys.repeats);
    const rowsOf = c.lines.rowsTaken;
    if (n) {
      // feedetl_sn is the second column of a (completed) fee line
      const keysOf = memo(() => keysOfLines(parts, 1));
      const loaded = c.keys.repeats || (await anyLoaded(client, 'fee_details', 'feedetl_sn', c.keys, keysOf, st.byteOrderKeys));
      const copied = loaded ? null : await copyFast(client, 'fee_details', DETAIL_COPY, parts);
      if (copied !== null) st.add(this.batchId, 'inserted', copied);
      else {
        const rows = new KeyRows(this.fileNo, keysOf, rowsOf);
        if (c.keys.repeats) this.dups.inChunk(rows.repeats());
        await client.query('truncate stg_details');
        await copyLines(client, `copy stg_details (${DETAIL_COPY}) from stdin`, parts);
        this.dups.earlier((await mergeDetails(st, this.batchId, rows)).earlier);
        this.merged = true;
      }
      if (trace()) log(`[chunk] details ${n} rows ${copied === null ? 'merged' : 'copied'} ${Math.round(performance.now() - t)} ms`);
    }
    recycle(parts);
    const td = performance.now();
    // only settlements the uploader may write name a doctor's region (a line of another region's settlement was rejected)
    const writable = (s: SetlOf | undefined) => (s && (!st.allowed || st.allowed.has(s.admdvs)) ? s : undefined);
    const sent = await upsertDoctors(client, c.doctors, (id) => writable(setl.get(id) ?? st.setlIndex?.get(id) ?? undefined), this.doctorsSent, st.allowed);
    if (trace()) log(`[doctors] ${sent} of ${c.doctors.size} ${Math.round(performance.now() - td)} ms`);
  }

  /**
   * The settlements of the pending lines, from the facts; each pending line then joins the ready ones with its
   * settlement's columns, or is rejected (no such settlement, or one of another region than the uploader's).
   */
  private async lookUp(c: DetailChunk): Promise<Map<string, SetlOf>> {
    const { client, st } = this;
    const t = performance.now();
    // statistics of the settlements partitions written so far in this batch (ANALYZE sees this transaction's rows)
    if (st.unanalyzed.size) {
      const parts = [...st.unanalyzed].filter((m) => /^\d{4}-\d{2}$/.test(m)).map((m) => `settlements_${m.replace('-', '')} (setl_id)`);
      if (parts.length) await client.query(`analyze ${parts.join(', ')}`);
      if (trace()) log(`[analyze] ${parts.length} settlements partitions ${Math.round(performance.now() - t)} ms`);
      st.unanalyzed.clear();
    }
    // the settlement of each detail: an original rather than its reversal when both share the id
    const ids = [...c.setlIds];
    const found = await indexed(client, () => client.query<[string, string, string, string, string, boolean]>({
      name: 'ofm_ingest_detail_settlements',
      text: `select setl_id, admdvs, setl_time::text, psn_no, fixmedins_code, refd_setl_flag from settlements where setl_id = any($1::text[])`,
      values: [ids.sort()],
      rowMode: 'array',
    }));
    if (trace()) log(`[lookup] ${ids.length} settlements ${Math.round(performance.now() - t)} ms`);
    const setl = new Map<string, SetlOf & { refd: boolean }>();
    for (const [id, admdvs, time, psnNo, fixmedinsCode, refd] of found.rows) {
      const had = setl.get(id);
      if (!had || (had.refd && !refd)) setl.set(id, { admdvs, rest: `${time}\t${copyValue(psnNo)}\t${copyValue(fixmedinsCode)}`, fixmedinsCode, refd });
    }
    // the visits these lines belong to may have been loaded by an earlier batch: their months are this batch's scope
    // too (setl_time::text is in the session's Asia/Shanghai, so its first 7 characters are the month)
    for (const s of setl.values()) {
      if (st.allowed && !st.allowed.has(s.admdvs)) continue;
      st.months.add(s.rest.slice(0, 7));
      st.days.add(s.rest.slice(0, 10));
      st.regions.add(s.admdvs);
    }
    const lines = new GroupedLines();
    const pending = c.lines.take(c.keys.repeats);
    const pendingRows = c.lines.rowsTaken;
    let line = 0;
    for (const part of pending) {
      const text = part.toString('utf8');
      let at = 0;
      for (;;) {
        const end = text.indexOf('\n', at);
        if (end < 0) break;
        const row = pendingRows[line++] ?? 0;
        if (text[at] !== PENDING) {
          // a ready line: admdvs \t feedetl_sn \t setl_id \t setl_time …
          let t = at;
          for (let k = 0; k < 3; k++) t = text.indexOf('\t', t) + 1;
          lines.push(text.slice(t, t + 7), text.slice(at, end + 1), row);
          at = end + 1;
          continue;
        }
        at += PENDING.length;
        const t1 = text.indexOf('\t', at);
        const t2 = text.indexOf('\t', t1 + 1);
        const t3 = text.indexOf('\t', t2 + 1);
        const id = uncopy(text.slice(t1 + 1, t2));
        const s = setl.get(id);
        // a settlement of a region the uploader may not write reads exactly as one that is not loaded at all
        if (s && (!st.allowed || st.allowed.has(s.admdvs))) lines.push(s.rest.slice(0, 7), `${s.admdvs}\t${text.slice(at, t2)}\t${s.rest}\t${text.slice(t3 + 1, end + 1)}`, row);
        else
          st.reject(
            {
              file: st.file(this.fileNo),
              row,
              field: 'setl_id',
              message: st.allowed
                ? `明细所属结算 ${id} 在本账号的统筹区中未导入 the settlement of this detail is not loaded in this account's regions`
                : `明细所属结算 ${id} 未导入 the settlement of this detail is not loaded`,
              value: id,
            },
            this.batchId,
          );
        at = end + 1;
      }
    }
    recycle(pending);
    c.lines = lines;
    return setl;
  }
}

/**
 * The keys of a chunk with the file row of each (the order of its COPY text: rows from GroupedLines.rowsTaken), read
 * only when the merge needs a row: a rejected line, a key twice.
 */
class KeyRows implements ChunkRows {
  private last: Map<string, number> | null = null;

  constructor(
    readonly fileNo: number,
    private readonly keys: () => string[],
    private readonly rows: Uint32Array,
  ) {}

  rowOf(key: string): number {
    if (!this.last) {
      const m = new Map<string, number>();
      const keys = this.keys();
      // a key twice: its last line (the one the merge keeps)
      for (let i = 0; i < keys.length; i++) m.set(keys[i] as string, this.rows[i] ?? 0);
      this.last = m;
    }
    return this.last.get(key) ?? 0;
  }

  /** the keys twice or more in the chunk, each with its rows */
  repeats(): Map<string, number[]> {
    const all = new Map<string, number[]>();
    const keys = this.keys();
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i] as string;
      const rows = all.get(k);
      if (rows) rows.push(this.rows[i] ?? 0);
      else all.set(k, [this.rows[i] ?? 0]);
    }
    for (const [k, rows] of all) if (rows.length < 2) all.delete(k);
    return all;
  }
}

/** Keys seen at most this many times as duplicates in one file are reported (then only counted as unchanged). */
const MAX_DUPLICATE_KEYS = 20_000;

/**
 * Keys twice or more in one file, found chunk by chunk: the rows known (a chunk that holds the key more than once), and
 * whether an earlier chunk held it too (the merge found it loaded by this batch). Then the rows before are not known
 * here: ingestFiles reads them back from the file.
 */
export class FileDuplicates {
  readonly byKey = new Map<string, { rows: number[]; earlier: boolean }>();

  inChunk(repeats: Map<string, number[]>): void {
    for (const [k, rows] of repeats) this.entry(k)?.rows.push(...rows);
  }

  earlier(keys: string[]): void {
    for (const k of keys) {
      const d = this.entry(k);
      if (d) d.earlier = true;
    }
  }

  private entry(k: string) {
    let d = this.byKey.get(k);
    if (!d && this.byKey.size < MAX_DUPLICATE_KEYS) this.byKey.set(k, (d = { rows: [], earlier: false }));
    return d;
  }
}

/** marks a pending fee line (never the first character of a ready one, which starts with the region's digits) */
const PENDING = '\u0001';

/** f's value, computed at the first call only */
function memo<T>(f: () => T): () => T {
  let v: T | undefined;
  return () => (v ??= f());
}

/** the values of column `col` (0-based) of COPY text lines */
function keysOfLines(parts: Buffer[], col: number): string[] {
  const out: string[] = [];
  for (const part of parts) {
    const text = part.toString('utf8');
    for (let at = 0; at < text.length; ) {
      const end = text.indexOf('\n', at);
      let from = at;
      for (let k = 0; k < col; k++) from = text.indexOf('\t', from) + 1;
      const to = text.indexOf('\t', from);
      out.push(uncopy(text.slice(from, to < 0 || to > end ? end : to)));
      at = end + 1;
    }
  }
  return out;
}

/** a value back from COPY text (only setl_id needs it here: the key of the lookup) */
function uncopy(s: string): string {
  return s.includes('\\') ? s.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : c === 't' ? '\t' : c)) : s;
}

/**
 * Doctors and departments seen in a chunk's fee lines, unless this file sent the very same (doctor, department,
 * institution, region) already: that insert would change nothing (the institutions it reads are loaded before any
 * fee line), and at 1M lines ~80 chunks each re-sent the same few thousand doctors. The number of rows sent.
 */
async function upsertDoctors(
  client: pg.PoolClient,
  doctors: Map<string, { dept: string | null; setl: string }>,
  setlOf: (id: string) => SetlOf | undefined,
  sent: Set<string>,
  allowed: ReadonlySet<string> | null,
): Promise<number> {
  const rows: Array<[string, string | null, string, string]> = [];
  for (const [dr, d] of doctors) {
    const s = setlOf(d.setl);
    if (!s) continue;
    const key = `${dr}\t${d.dept ?? ''}\t${d.dept === null ? 0 : 1}\t${s.fixmedinsCode}\t${s.admdvs}`;
    if (sent.has(key)) continue;
    sent.add(key);
    rows.push([dr, d.dept, s.fixmedinsCode, s.admdvs]);
  }
  if (!rows.length) return 0;
  // the doctor's region: the institution's (preferring the one in the insured's region), else the insured's; for a
  // restricted uploader ($5) only an institution of a region it may write (app_assert_write_regions is the database's word)
  await client.query(
    `with inst as materialized (select i.fixmedins_code, i.region_code from institutions i where i.fixmedins_code = any($3::text[])),
     g0 as (
       select g.dr, g.dept, g.inst, coalesce((select i.region_code from inst i where i.fixmedins_code = g.inst
         and ($5::text[] is null or i.region_code = any($5::text[]))
         order by (i.region_code = g.admdvs) desc limit 1), g.admdvs) as region
       from unnest($1::text[], $2::text[], $3::text[], $4::text[]) as g(dr, dept, inst, admdvs)),
     g as (select * from g0 where exists (select 1 from unnest(app_assert_write_regions(array(select distinct region::text from g0))))),
     d as (insert into doctors (region_code, dr_codg, fixmedins_code, dept_codg) select region, dr, inst, dept from g on conflict do nothing)
     insert into departments (region_code, fixmedins_code, dept_codg) select distinct region, inst, dept from g where dept is not null
     on conflict do nothing`,
    [rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2]), rows.map((r) => r[3]), allowed ? [...allowed] : null],
  );
  return rows.length;
}
