/**
 * What the engine reads of each visit, compact and close: one COPY of just those columns (the claim's
 * flags packed into one integer), in person and settlement-time order, into typed arrays (≈ 60 bytes a
 * visit plus its setl_id). The page keeps the last few loads in this process, keyed by the area, the
 * years and the data version (the finished ingest batches), so a second scenario, another period, the
 * comparison or the export re-adjudicates from memory; a new batch changes the version and reloads.
 */
import type { PoolClient } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { InputError } from '../errors';

export const FLAG = { designated: 1, emergency: 2, hasCard: 4, rxKnown: 8, rx: 16, outOfArea: 32, arrears: 64, inpatient: 128, suspended: 256, pharmacy: 512 };
const FLAGS_SQL = `(s.designated::int | (s.emergency::int << 1) | (s.has_card::int << 2) | ((s.rx_from_designated is not null)::int << 3)
  | (coalesce(s.rx_from_designated, false)::int << 4) | (s.out_of_area_temporary::int << 5) | (s.in_arrears::int << 6)
  | (s.inpatient_overlap::int << 7) | (s.suspended::int << 8) | ((s.fixmedins_type = 'pharmacy')::int << 9))`;

/** Settlements of the areas (one 6-digit region, else the prefixes) and of the years [fromYear, toYear] (null: all). */
export interface VisitSource {
  prefixes: string[];
  region?: string;
  years: [number, number] | null;
}

/**
 * The COPY text. Person order uses the byte collation (any order of persons will do; it is only the grouping),
 * time and setl_id order as the stored adjudications replay them (lib/adjudication/bulk.ts).
 */
export function sourceSql(src: VisitSource): string {
  for (const p of src.prefixes) if (!/^\d{2,6}$/.test(p)) throw new InputError(`医保区划前缀无效: ${p}`, { field: 'region_prefixes' });
  if (src.region !== undefined && !/^\d{6}$/.test(src.region)) throw new InputError(`地区无效: ${src.region}`, { field: 'region' });
  const area = src.region ? `s.admdvs = '${src.region}'` : `(${src.prefixes.map((p) => `s.admdvs like '${p}%'`).join(' or ')})`;
  const time = src.years ? ` and s.setl_time >= '${src.years[0]}-01-01 00:00:00+08'::timestamptz and s.setl_time < '${src.years[1] + 1}-01-01 00:00:00+08'::timestamptz` : '';
  return `copy (select s.admdvs, s.psn_no, s.setl_id, to_char(s.setl_time at time zone 'Asia/Shanghai', 'YYYY-MM-DD'), s.psn_type, s.hosp_lv,
      s.fee_class, s.med_type, s.medfee_sumamt, s.inscp_scp_amt, s.preselfpay_amt, s.fulamt_ownpay_amt, ${FLAGS_SQL}, s.fixmedins_code
    from settlements s
    where ${area}${time} and not s.reversed and not s.refd_setl_flag
    order by s.admdvs, s.psn_no collate "C", s.setl_time, s.setl_id) to stdout`;
}

export interface VisitColumns {
  n: number;
  /** per visit: index into persons / dates / institutions / medTypes */
  person: Int32Array;
  date: Uint16Array;
  inst: Int32Array;
  medType: Uint8Array;
  retired: Uint8Array;
  level: Uint8Array;
  /** 0 = none, else 1..3 */
  feeClass: Uint8Array;
  flags: Uint16Array;
  medfee: Float64Array;
  inscp: Float64Array;
  presel: Float64Array;
  fulamt: Float64Array;
  setlId: string[];
  /** `admdvs|psn_no` per person, in stream order */
  persons: string[];
  personAdmdvs: string[];
  personNo: string[];
  dates: string[];
  institutions: string[];
  medTypes: string[];
  bytes: number;
}

function grow<T extends Int32Array | Uint16Array | Uint8Array | Float64Array>(a: T, size: number): T {
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a);
  return b;
}

function retiredOf(t: string): boolean {
  if (t === 'retired' || /^1[23]\d{0,2}$/.test(t)) return true;
  if (t === 'in_service' || /^11\d{0,2}$/.test(t)) return false;
  throw new InputError(`人员类别无效 (unknown psn_type) ${JSON.stringify(t)}`, { field: 'psn_type' });
}

/** Reads the visits of `src` on `c` (inside the caller's transaction, so row-level security applies). */
export async function loadVisits(c: PoolClient, src: VisitSource): Promise<VisitColumns> {
  let cap = 1 << 14;
  const col = {
    person: new Int32Array(cap),
    date: new Uint16Array(cap),
    inst: new Int32Array(cap),
    medType: new Uint8Array(cap),
    retired: new Uint8Array(cap),
    level: new Uint8Array(cap),
    feeClass: new Uint8Array(cap),
    flags: new Uint16Array(cap),
    medfee: new Float64Array(cap),
    inscp: new Float64Array(cap),
    presel: new Float64Array(cap),
    fulamt: new Float64Array(cap),
  };
  const setlId: string[] = [];
  const persons: string[] = [];
  const personAdmdvs: string[] = [];
  const personNo: string[] = [];
  const dates: string[] = [];
  const dateIdx = new Map<string, number>();
  const institutions: string[] = [];
  const instIdx = new Map<string, number>();
  const medTypes: string[] = [];
  const medIdx = new Map<string, number>();
  const retiredCache = new Map<string, number>();
  let n = 0;
  let lastPerson = '';
  let bytes = 0;
  const row = (line: string) => {
    const f = line.split('\t');
    if (n === cap) {
      cap *= 2;
      for (const k of Object.keys(col) as Array<keyof typeof col>) (col as Record<string, Int32Array | Uint16Array | Uint8Array | Float64Array>)[k] = grow(col[k], cap);
    }
    const admdvs = f[0] ?? '';
    const psnNo = f[1] ?? '';
    const key = `${admdvs}|${psnNo}`;
    if (key !== lastPerson) {
      persons.push(key);
      personAdmdvs.push(admdvs);
      personNo.push(psnNo);
      lastPerson = key;
    }
    col.person[n] = persons.length - 1;
    setlId.push(f[2] ?? '');
    const d = f[3] ?? '';
    let di = dateIdx.get(d);
    if (di === undefined) {
      di = dates.length;
      dates.push(d);
      dateIdx.set(d, di);
    }
    col.date[n] = di;
    const pt = f[4] ?? '';
    let r = retiredCache.get(pt);
    if (r === undefined) retiredCache.set(pt, (r = retiredOf(pt) ? 1 : 0));
    col.retired[n] = r;
    col.level[n] = Number(f[5]);
    col.feeClass[n] = f[6] === '\\N' || f[6] === undefined ? 0 : Number(f[6]);
    const mt = f[7] ?? '11';
    let mi = medIdx.get(mt);
    if (mi === undefined) {
      mi = medTypes.length;
      medTypes.push(mt);
      medIdx.set(mt, mi);
    }
    col.medType[n] = mi;
    col.medfee[n] = Number(f[8]);
    col.inscp[n] = Number(f[9]);
    col.presel[n] = Number(f[10]);
    col.fulamt[n] = Number(f[11]);
    col.flags[n] = Number(f[12]);
    const code = f[13] ?? '';
    let ii = instIdx.get(code);
    if (ii === undefined) {
      ii = institutions.length;
      institutions.push(code);
      instIdx.set(code, ii);
    }
    col.inst[n] = ii;
    n++;
  };
  let rest = '';
  for await (const chunk of c.query(copyTo(sourceSql(src))) as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    const text = rest + chunk.toString('utf8');
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      if (nl > start) row(text.slice(start, nl));
      start = nl + 1;
    }
    rest = text.slice(start);
  }
  if (rest) row(rest);
  return { n, ...col, setlId, persons, personAdmdvs, personNo, dates, institutions, medTypes, bytes };
}

interface CacheEntry {
  key: string;
  cols: VisitColumns;
}
const CACHE_SLOT = Symbol.for('ofm.whatifVisits');
const CACHE_MAX = 2;
function cache(): CacheEntry[] {
  const g = globalThis as unknown as Record<symbol, CacheEntry[] | undefined>;
  g[CACHE_SLOT] ??= [];
  return g[CACHE_SLOT];
}

/** Forget every cached load (the bench's cold run, tests). */
export function clearVisitCache(): void {
  cache().length = 0;
}

/** The data version: changes with every finished (or newly started) ingest batch, the only writer of settlements. */
async function dataVersion(c: PoolClient): Promise<string> {
  const r = await c.query<{ v: string }>("select count(*)::text || ':' || coalesce(max(id), 0)::text || ':' || coalesce(max(finished_at)::text, '') as v from ingest_batches");
  return r.rows[0]?.v ?? '';
}

/**
 * The visits of `src`, from this process's cache when the same area, years and data version were read
 * before. Only loads every reader sees alike are cached: one region (whose rows the caller may read, checked
 * by the caller) or a reader of all regions (`shareable`).
 */
export async function cachedVisits(c: PoolClient, src: VisitSource, shareable: boolean): Promise<{ cols: VisitColumns; cached: boolean }> {
  if (!shareable) return { cols: await loadVisits(c, src), cached: false };
  const key = `${await dataVersion(c)}|${sourceSql(src)}`;
  const list = cache();
  const hit = list.findIndex((e) => e.key === key);
  if (hit >= 0) {
    const [e] = list.splice(hit, 1);
    if (e) {
      list.unshift(e);
      return { cols: e.cols, cached: true };
    }
  }
  const cols = await loadVisits(c, src);
  // an older version of the same load is stale: drop it rather than keep it until evicted
  const sameLoad = `|${sourceSql(src)}`;
  for (let i = list.length - 1; i >= 0; i--) if (list[i]?.key.endsWith(sameLoad)) list.splice(i, 1);
  list.unshift({ key, cols });
  list.length = Math.min(list.length, CACHE_MAX);
  return { cols, cached: false };
}
