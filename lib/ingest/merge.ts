/**
 * The set-based merge from staging into the fact and master tables, run inside ONE transaction by
 * the caller. Settlements merge by `setl_id` (the fact key is (admdvs, setl_id, setl_time), so a
 * changed row is deleted and re-inserted — it may move partition); fee details by `feedetl_sn`.
 * A row equal, column by column, to the stored one is unchanged, which makes reloads no-ops.
 *
 * Only the chunks that need it come here: a chunk none of whose keys is loaded yet is COPYed straight
 * into the facts (claims.ts). Claims are handled in chunks while the next chunk is still being parsed
 * (index.ts): everything a chunk needs from the rest of the batch is either already written (earlier
 * chunks, settlements before details) or deferred to the end (reversal rows, see `mergeReversals`). All
 * of it runs inside the ONE transaction the caller holds, so a kill at any moment leaves all or nothing.
 *
 * Reversals (退费结算, refd_setl_flag = 1), both forms the platform produces:
 *  - NHSA form: the reversal has its own setl_id and `init_setl_id` naming the original. It is stored
 *    as a settlement of its own (refd_setl_flag = true, init_setl_id kept in extra) and the original
 *    is marked reversed = true.
 *  - Same-id form: the original setl_id re-sent with refd_setl_flag = 1. Nothing new is stored; the
 *    original is marked reversed = true (counted as updated, or unchanged when it already was).
 * A reversal whose original is neither loaded nor in the batch is a rejected row.
 */
import type pg from 'pg';
import { qualify } from '../db/columns';
import type { SettlementIndex } from './setl-index';
import { D_COLS, DETAIL_COPY, NO_HASH, S_COLS, SETTLEMENT_COPY } from './staging';
import type { RowError } from './validate';

const sCols = (p: string) => qualify(S_COLS, p);
/** a re-sent settlement differs from the stored one (jsonb and numeric compare by value, not by spelling) */
const S_CHANGED = `row(${sCols('f')}) is distinct from row(${sCols('s')})`;
/** rows stored as settlements: everything but the same-id reversal form */
const S_STORED = `not (s.refd_setl_flag and s.init_setl_id is null)`;

/**
 * A reversal takes its original out of the original's month, which may be long before the reversal's own, and a
 * re-sent settlement may move to another month: the month a visit leaves joins the batch's scope with its region,
 * so the pipeline refreshes it too (months as the session sees them, in Asia/Shanghai).
 */
// (the day is formatted outside RETURNING: to_char of a timestamptz is not immutable, which Citus refuses there)
const REVERSED_RETURNING = `returning s.batch_id, f.setl_time, f.admdvs`;
const REVERSED_COUNT = `select batch_id, count(*)::int as n, array_agg(distinct to_char(setl_time, 'YYYY-MM-DD')) as days, array_agg(distinct admdvs) as regions from u group by batch_id`;
interface ReversedCount {
  batch_id: number;
  n: number;
  days: string[];
  regions: string[];
}
/** Days ('YYYY-MM-DD') whose visits changed: their months join the scope, and the refresh re-derives those days only. */
function addScope(st: MergeState, r: { days: string[]; regions: string[] }): void {
  for (const d of r.days) {
    st.days.add(d);
    st.months.add(d.slice(0, 7));
  }
  for (const x of r.regions) st.regions.add(x);
}

/**
 * A key twice in one chunk: the later line wins, as when it comes in a later chunk (which updates the stored row). The
 * staging table is filled by COPY in file order right after a truncate, so its physical order (ctid) is the file's.
 * Without this both lines were stored when their times differed (the fact key includes setl_time): one visit twice.
 * A same-id reversal row is not a settlement of its own and never replaces one.
 */
const LAST_OF_SETTLEMENT = `delete from stg_settlements s where ${S_STORED}
  and exists (select 1 from stg_settlements t where t.setl_id = s.setl_id and t.ctid > s.ctid and not (t.refd_setl_flag and t.init_setl_id is null))`;
const LAST_OF_DETAIL = `delete from stg_details d where exists (select 1 from stg_details e where e.feedetl_sn = d.feedetl_sn and e.ctid > d.ctid)`;

const D_KEY_COLS = 'admdvs, feedetl_sn, setl_id, setl_time, psn_no, fixmedins_code';
const D_CHANGED = `row(${qualify(D_KEY_COLS, 'f')}, ${qualify(D_COLS, 'f')}) is distinct from row(${qualify(D_KEY_COLS, 'd')}, ${qualify(D_COLS, 'd')})`;

/** Master data files: upserts that change a row only when a given value differs (reloads stay unchanged). */
interface Master {
  staging: string;
  key: string;
  upsert: string;
  /**
   * where a changed row shows: `sql` gives the months ('YYYY-MM' month, region) of the changed rows, $1 their regions and
   * $2 their `code`s pairwise (by code alone, another region's row of the same code would join the batch's scope)
   */
  scope?: { code: string; sql: string };
}
const MASTER: Master[] = [
  {
    staging: 'stg_institutions',
    key: 'region_code, fixmedins_code',
    // name, type, level, fee class, designation, budget and region feed the visits' features, the budget use and
    // the alerts' subject names of every month the institution has visits in
    scope: {
      code: 'fixmedins_code',
      sql: `select distinct to_char(month, 'YYYY-MM') as month, region_code as region from ind_institution_month
        where (region_code, fixmedins_code) in (select * from unnest($1::text[], $2::text[]))`,
    },
    upsert: `insert into institutions as t (region_code, fixmedins_code, fixmedins_name, fixmedins_type, hosp_lv, fee_class, designated, annual_budget)
     select region_code, fixmedins_code, coalesce(fixmedins_name, fixmedins_code), coalesce(fixmedins_type, 'hospital'), coalesce(hosp_lv, 1),
       fee_class, coalesce(designated, true), annual_budget from src
     on conflict (region_code, fixmedins_code) do update set
       fixmedins_name = case when excluded.fixmedins_name = excluded.fixmedins_code then t.fixmedins_name else excluded.fixmedins_name end,
       fixmedins_type = excluded.fixmedins_type, hosp_lv = excluded.hosp_lv, fee_class = coalesce(excluded.fee_class, t.fee_class),
       designated = excluded.designated, annual_budget = coalesce(excluded.annual_budget, t.annual_budget), updated_at = excluded.updated_at
     where (t.fixmedins_type, t.hosp_lv, t.designated) is distinct from (excluded.fixmedins_type, excluded.hosp_lv, excluded.designated)
       or (excluded.fixmedins_name <> excluded.fixmedins_code and t.fixmedins_name is distinct from excluded.fixmedins_name)
       or (excluded.fee_class is not null and t.fee_class is distinct from excluded.fee_class)
       or (excluded.annual_budget is not null and t.annual_budget is distinct from excluded.annual_budget)`,
  },
  {
    staging: 'stg_doctors',
    key: 'region_code, dr_codg',
    // the doctor's name in the alerts of the months the doctor has visits in
    scope: {
      code: 'dr_codg',
      sql: `select distinct to_char(month, 'YYYY-MM') as month, region_code as region from ind_doctor_month
        where (region_code, dr_codg) in (select * from unnest($1::text[], $2::text[]))`,
    },
    upsert: `insert into doctors as t (region_code, dr_codg, dr_name, fixmedins_code, dept_codg)
     select region_code, dr_codg, dr_name, fixmedins_code, dept_codg from src
     on conflict (region_code, dr_codg) do update set dr_name = coalesce(excluded.dr_name, t.dr_name),
       fixmedins_code = coalesce(excluded.fixmedins_code, t.fixmedins_code), dept_codg = coalesce(excluded.dept_codg, t.dept_codg)
     where (excluded.dr_name is not null and t.dr_name is distinct from excluded.dr_name)
       or (excluded.fixmedins_code is not null and t.fixmedins_code is distinct from excluded.fixmedins_code)
       or (excluded.dept_codg is not null and t.dept_codg is distinct from excluded.dept_codg)`,
  },
  {
    staging: 'stg_persons',
    key: 'region_code, psn_no',
    upsert: `insert into insured_persons as t (region_code, psn_no, psn_name, certno, psn_type, gend, brdy, insutype)
     select region_code, psn_no, psn_name, certno, psn_type, gend, brdy, coalesce(insutype, '310') from src
     on conflict (region_code, psn_no) do update set psn_name = coalesce(excluded.psn_name, t.psn_name), certno = coalesce(excluded.certno, t.certno),
       psn_type = excluded.psn_type, gend = coalesce(excluded.gend, t.gend), brdy = coalesce(excluded.brdy, t.brdy), updated_at = excluded.updated_at
     where t.psn_type is distinct from excluded.psn_type
       or (excluded.psn_name is not null and t.psn_name is distinct from excluded.psn_name)
       or (excluded.certno is not null and t.certno is distinct from excluded.certno)
       or (excluded.gend is not null and t.gend is distinct from excluded.gend)
       or (excluded.brdy is not null and t.brdy is distinct from excluded.brdy)`,
  },
];

export interface KindCounts {
  inserted: number;
  updated: number;
  unchanged: number;
}
export type Q = (sql: string, params?: unknown[]) => Promise<pg.QueryResult>;

/** What the merges of one ingest accumulate across chunks. */
export class MergeState {
  perBatch = new Map<number, KindCounts & { reversed: number }>();
  reversed = 0;
  rejects: RowError[] = [];
  months = new Set<string>();
  /** the days ('YYYY-MM-DD', Asia/Shanghai) whose visits the batch inserted, changed, moved or reversed */
  days = new Set<string>();
  /** months a changed master row (institution, doctor) shows in: refreshed whole, not by day */
  wholeMonths = new Set<string>();
  regions = new Set<string>();
  /**
   * Months ('YYYY-MM') whose settlements partition got rows since its statistics were last taken. The fee-detail
   * lookup by setl_id analyzes them first: on a just-truncated or just-filled partition stale statistics made the
   * planner scan the whole primary key (admdvs, setl_id, setl_time) for the ids instead of probing setl_id's own
   * index — 10× slower lookups (0.5–0.9 s instead of 70 ms a chunk), in about half of the runs at 1M settlements.
   */
  unanalyzed = new Set<string>();
  /** the settlements this batch COPYed, for its fee lines (claims.ts); null: every fee line looks its settlement up */
  setlIndex: SettlementIndex | null = null;
  /** whether the claim keys (setl_id, feedetl_sn) sort by byte, as in the C and C.UTF-8 collations (ingestFiles asks) */
  byteOrderKeys = false;
  /** the regions this batch may write (null: any), from IngestOptions.regions */
  allowed: ReadonlySet<string> | null = null;
  /**
   * setl_ids whose settlement row the merge rejected (a key loaded in another region): this batch's fee lines of them
   * are rejected too, rather than hung on the stored settlement of that id
   */
  rejectedSettlements = new Set<string>();
  /** rows that loaded but should be looked at (a key twice in one file) */
  warnings: RowError[] = [];
  /** the months ('YYYY-MM') whose partitions exist already (ensured by this batch) */
  private ensured = new Set<string>();

  constructor(
    readonly q: Q,
    readonly fileNames: string[],
    /** batch id → rows staged (valid); rejected in the merge are taken off */
    readonly staged: Map<number, number>,
  ) {}

  file(n: number): string {
    return this.fileNames[n] ?? '?';
  }

  add(batch: number, k: keyof KindCounts | 'reversed', n: number) {
    const c = this.perBatch.get(batch) ?? { inserted: 0, updated: 0, unchanged: 0, reversed: 0 };
    c[k] += n;
    this.perBatch.set(batch, c);
  }

  reject(e: RowError, batch: number) {
    this.rejects.push(e);
    this.staged.set(batch, (this.staged.get(batch) ?? 1) - 1);
  }

  /**
   * The partitions of exactly these months ('YYYY-MM'), not of every month between the lowest and the highest: two rows
   * years apart made dozens of empty partitions (each one more table every query of the facts plans over).
   */
  async ensureMonths(months: Iterable<string>) {
    const need = [...months].filter((m) => /^\d{4}-\d{2}$/.test(m) && !this.ensured.has(m));
    if (!need.length) return;
    await this.q(`select ensure_fact_partitions(m, m) from unnest($1::date[]) m`, [need.map((m) => `${m}-01`)]);
    for (const m of need) this.ensured.add(m);
  }
}

/** The rows of one chunk of a file, for the errors and warnings of rows the merge finds by key (claims.ts). */
export interface ChunkRows {
  fileNo: number;
  /** the file row of the chunk's (last) line with this key */
  rowOf(key: string): number;
}

/** Keys the merge found loaded by an earlier chunk of the same file (a duplicate whose first row is elsewhere). */
export interface MergeFindings {
  earlier: string[];
}

/** Runs statements as one round trip; their results in the same order. */
async function multi(q: Q, statements: string[]): Promise<pg.QueryResult[]> {
  const r = await q(statements.join(';\n'));
  return Array.isArray(r) ? r : [r];
}

/**
 * The same words whether the stored row of that key is in a region the uploader may not write or in another of its
 * own: nothing about the other row (its region, that it exists there) is said.
 */
const SETTLEMENT_REGION_FIXED = (admdvs: string) =>
  `结算ID不能以统筹区 ${admdvs} 导入：已导入的结算不能改变统筹区，也不能写入本账号权限范围以外的统筹区 setl_id cannot be loaded under this admdvs (a loaded settlement keeps its region; regions outside the account cannot be written)`;
const DETAIL_REGION_FIXED = (admdvs: string) =>
  `费用明细流水号不能归入统筹区 ${admdvs}：已导入的明细不能改变统筹区，也不能写入本账号权限范围以外的统筹区 feedetl_sn cannot be loaded under this region (a loaded fee line keeps its region; regions outside the account cannot be written)`;

export function tracer(client: pg.PoolClient): Q {
  const trace = process.env.OFM_INGEST_TRACE === '1' || process.env.OFM_INGEST_TRACE === '2';
  if (process.env.OFM_INGEST_TRACE === '2') {
    // diagnostics: each statement of a multi-statement query timed on its own
    return async (sql, params) => {
      const parts = params?.length ? [sql] : sql.split(/;\s*\n/).filter((p) => p.trim());
      const out: pg.QueryResult[] = [];
      for (const p of parts) {
        const t = performance.now();
        out.push(await client.query(p, params));
        process.stderr.write(`[merge] ${Math.round(performance.now() - t)} ms ${p.replace(/\s+/g, ' ').trim().slice(0, 110)}\n`);
      }
      return (out.length === 1 ? out[0] : out) as pg.QueryResult;
    };
  }
  return async (sql, params) => {
    const t = performance.now();
    const r = await client.query(sql, params);
    if (trace) process.stderr.write(`[merge] ${Math.round(performance.now() - t)} ms ${sql.replace(/\s+/g, ' ').slice(0, 90)}\n`);
    return r;
  };
}

/** Master data seen in the claims (never overwrites a loaded master record's name, level or budget). */
const CLAIM_MASTERS = `
  insert into institutions (region_code, fixmedins_code, fixmedins_name, fixmedins_type, hosp_lv, fee_class, designated)
     select min(case when left(s.extra->>'fixmedins_admdvs', 6) ~ '^[0-9]{6}$'
         and (coalesce(current_setting('app.write_regions', true), '') = ''
              or left(s.extra->>'fixmedins_admdvs', 6) = any(string_to_array(current_setting('app.write_regions', true), ',')))
         then left(s.extra->>'fixmedins_admdvs', 6) else s.admdvs end), s.fixmedins_code,
       coalesce(min(s.extra->>'fixmedins_name'), s.fixmedins_code), min(s.fixmedins_type), max(s.hosp_lv), max(s.fee_class), bool_and(s.designated)
     from stg_settlements s where not exists (select 1 from institutions i where i.fixmedins_code = s.fixmedins_code)
     group by s.fixmedins_code on conflict do nothing;
  insert into insured_persons as p (region_code, psn_no, psn_type, gend, brdy, insutype)
     select s.admdvs, s.psn_no, max(s.psn_type), max(s.gend), max(s.brdy), max(s.insutype) from stg_settlements s where ${S_STORED}
     group by s.admdvs, s.psn_no
     on conflict (region_code, psn_no) do update set psn_type = excluded.psn_type, gend = coalesce(excluded.gend, p.gend),
       brdy = coalesce(excluded.brdy, p.brdy), updated_at = excluded.updated_at
     where p.psn_type is distinct from excluded.psn_type or (excluded.gend is not null and p.gend is distinct from excluded.gend)
       or (excluded.brdy is not null and p.brdy is distinct from excluded.brdy)`;

/** Master data files (institutions, doctors, persons), merged before the claims as a whole (they are small). */
export async function mergeMasters(st: MergeState): Promise<void> {
  const { q } = st;
  for (const m of MASTER) {
    await q(`analyze ${m.staging}`);
    const codes = m.scope ? `, array_agg(up.region_code::text) as regions, array_agg(up.${m.scope.code}) as codes` : '';
    const r = await q(`with src as (select distinct on (${m.key}) * from ${m.staging} s order by ${m.key}, file_no desc, row_no desc),
      up as (${m.upsert} returning ${m.key}, (xmax = 0) as ins)
      select src.batch_id, count(*) filter (where up.ins)::int as ins, count(*) filter (where not up.ins)::int as upd${codes}
      from up join src using (${m.key}) group by src.batch_id`);
    const regions: string[] = [];
    const changed: string[] = [];
    for (const row of r.rows as Array<{ batch_id: number; ins: number; upd: number; regions?: string[]; codes?: string[] }>) {
      st.add(row.batch_id, 'inserted', row.ins);
      st.add(row.batch_id, 'updated', row.upd);
      regions.push(...(row.regions ?? []));
      changed.push(...(row.codes ?? []));
    }
    // a changed master row is refreshed where it shows: the months (and regions) it has visits in
    if (m.scope && changed.length) {
      const sc = await q(m.scope.sql, [regions, changed]);
      const rows = sc.rows as Array<{ month: string; region: string }>;
      // a master row feeds every visit of its months: those months are refreshed whole
      for (const x of rows) {
        st.months.add(x.month);
        st.wholeMonths.add(x.month);
        st.regions.add(x.region);
      }
    }
  }
}

/**
 * One chunk of settlements in stg_settlements. Reversal rows never come here during the load
 * (index.ts keeps them in stg_reversals); `mergeReversals` sends them through this same function
 * at the end, when every original of the batch is already merged.
 *
 * A staged row matches, updates or reverses only a stored row of its own region (admdvs): a stored settlement of the
 * same setl_id in another region — one the uploader may not write, or its own but the file moved it — makes the row a
 * rejected one (a settlement never changes region by reload), and the database refuses any write outside
 * app.write_regions (drizzle/0014_ingest_isolation.sql).
 * @param batchId the one batch every staged row belongs to (a chunk of one file), or null when they may differ
 * @param chunk the chunk's rows by key (a chunk of one file: staging holds no row numbers then)
 */
export async function mergeSettlements(st: MergeState, batchId: number | null, withReversals = false, chunk: ChunkRows | null = null): Promise<MergeFindings> {
  const { q } = st;
  const where = (r: { file_no: number | null; row_no: number | null; key: string }) => ({
    file: st.file(r.file_no ?? chunk?.fileNo ?? -1),
    row: r.row_no ?? chunk?.rowOf(r.key) ?? 0,
  });

  // --- reversals whose original cannot be found in their own region are rejected before anything is written (the
  // same words whether the id exists nowhere or in a region of someone else)
  if (withReversals) {
    const bad = await q(`
      with orig as materialized (
        -- the stored originals, looked up once (uncorrelated: on Citus settlements is distributed, staging is local)
        select f.setl_id, f.admdvs from settlements f where not f.refd_setl_flag
          and f.setl_id in (select coalesce(r.init_setl_id, r.setl_id) from stg_settlements r where r.refd_setl_flag))
      delete from stg_settlements s
      where s.refd_setl_flag
        and not exists (select 1 from orig f where f.setl_id = coalesce(s.init_setl_id, s.setl_id) and f.admdvs = s.admdvs)
        and not exists (select 1 from stg_settlements o where o.setl_id = coalesce(s.init_setl_id, s.setl_id) and o.admdvs = s.admdvs and not o.refd_setl_flag)
      returning file_no, row_no, batch_id, s.setl_id as key, s.admdvs, s.init_setl_id, coalesce(s.init_setl_id, s.setl_id) as orig`);
    for (const r of bad.rows as Array<{ file_no: number; row_no: number; batch_id: number; key: string; admdvs: string; init_setl_id: string | null; orig: string }>) {
      st.rejectedSettlements.add(r.key);
      st.reject(
        {
          ...where(r),
          field: r.init_setl_id === null ? 'setl_id' : 'init_setl_id',
          message: `冲销的原结算 ${r.orig} 在统筹区 ${r.admdvs} 未导入 the reversed settlement is not loaded in this region`,
          value: r.orig,
        },
        r.batch_id,
      );
    }
  }

  // --- the stored rows of these ids, each staged row classified against them in one pass: 'x' stored in another
  // region (the row is rejected), 'c' changed, 'u' unchanged. A key whose stored row this batch wrote (an earlier chunk
  // of the same file) is a duplicate; one stored by an earlier batch goes to stg_file_settlements, where a key found
  // twice is one too (fileDuplicates, at the end of the file: a per-chunk probe of that table cost ~1/3 of a reload).
  // Statistics on the join keys only: enough for the planner to probe the fact indexes rather than hash whole
  // partitions, at a fraction of a full ANALYZE of every column of every chunk
  const found = await multi(q, [
    'analyze stg_settlements (setl_id)',
    LAST_OF_SETTLEMENT,
    'create temp table if not exists seen_settlements (like settlements)',
    'truncate seen_settlements',
    'insert into seen_settlements select f.* from settlements f where f.setl_id in (select setl_id from stg_settlements)',
    `create temp table if not exists cls_settlements (setl_id text, batch_id bigint, admdvs char(6), setl_time timestamptz, reversed boolean, cls "char", same_batch boolean)`,
    'truncate cls_settlements',
    `insert into cls_settlements select s.setl_id, s.batch_id, f.admdvs, f.setl_time, f.reversed,
       case when f.admdvs <> s.admdvs then 'x' when ${S_CHANGED} then 'c' else 'u' end, f.batch_id is not distinct from s.batch_id
     from stg_settlements s join seen_settlements f on f.setl_id = s.setl_id where ${S_STORED}`,
    `delete from stg_settlements s where ${S_STORED} and s.setl_id in (select setl_id from cls_settlements where cls = 'x')
      returning s.file_no, s.row_no, s.batch_id, s.setl_id as key, s.admdvs`,
    ...(withReversals
      ? []
      : [
          `select c.setl_id as key from cls_settlements c where c.cls <> 'x' and c.same_batch`,
          `insert into stg_file_settlements select setl_id, batch_id from cls_settlements where cls <> 'x' and not same_batch`,
        ]),
  ]);
  for (const r of (found[8]?.rows ?? []) as Array<{ file_no: number | null; row_no: number | null; batch_id: number; key: string; admdvs: string }>) {
    st.rejectedSettlements.add(r.key);
    st.reject({ ...where(r), field: 'admdvs', message: SETTLEMENT_REGION_FIXED(r.admdvs), value: r.admdvs }, r.batch_id);
  }
  const earlier = ((found[9]?.rows ?? []) as Array<{ key: string }>).map((r) => r.key);

  // --- partitions for the months of the rows that will be stored (not every month in between); the database checks the
  // regions about to be written
  const span = await q(`select count(*)::int as n, array(select distinct to_char(setl_time, 'YYYY-MM-DD') from stg_settlements s where ${S_STORED}) as days,
      app_assert_write_regions(array(select distinct admdvs::text from stg_settlements)) as regions from stg_settlements`);
  const sp = span.rows[0] as { n: number; days: string[] | null; regions: string[] | null } | undefined;
  if (!sp?.n) return { earlier };
  const spMonths = [...new Set((sp.days ?? []).map((d) => d.slice(0, 7)))];
  await st.ensureMonths(spMonths);
  for (const m of spMonths) st.unanalyzed.add(m);
  addScope(st, { days: sp.days ?? [], regions: [] });
  for (const r of sp.regions ?? []) st.regions.add(r);

  // --- changed rows (same setl_id and region, different content) are deleted and re-inserted
  const r = await q(`
    create temp table if not exists chg_settlements (admdvs char(6), setl_id text, setl_time timestamptz, reversed boolean);
    truncate chg_settlements;
    insert into chg_settlements select c.admdvs, c.setl_id, c.setl_time, c.reversed from cls_settlements c
      where c.cls = 'c' and not exists (select 1 from cls_settlements x where x.setl_id = c.setl_id and x.cls = 'x');
    delete from settlements f using chg_settlements c where f.admdvs = c.admdvs and f.setl_id = c.setl_id and f.setl_time = c.setl_time;
    with w as (insert into settlements (${SETTLEMENT_COPY})
      select ${sCols('s')}, c.reversed, '${NO_HASH}', s.batch_id from stg_settlements s join chg_settlements c on c.setl_id = s.setl_id and c.admdvs = s.admdvs
      where ${S_STORED} on conflict do nothing returning batch_id)
    select batch_id, count(*)::int as n from w group by batch_id`);
  for (const row of (results(r).at(-1)?.rows ?? []) as Array<{ batch_id: number; n: number }>) st.add(row.batch_id, 'updated', row.n);
  // a changed settlement's fee lines carry its time, person and institution (the fact key and the columns the rules
  // read without a join): they follow it, across partitions when its month changed (never across regions)
  await q(`
    update fee_details f set setl_time = n.setl_time, psn_no = n.psn_no, fixmedins_code = n.fixmedins_code
    from chg_settlements c join settlements n on n.setl_id = c.setl_id and n.admdvs = c.admdvs and not n.refd_setl_flag
    where f.admdvs = c.admdvs and f.setl_id = c.setl_id and f.setl_time = c.setl_time
      and (n.setl_time, n.psn_no, n.fixmedins_code) is distinct from (f.setl_time, f.psn_no, f.fixmedins_code)`);
  const left = await q(`select array_agg(distinct to_char(setl_time, 'YYYY-MM-DD')) as days, array_agg(distinct admdvs) as regions from chg_settlements`);
  addScope(st, { days: left.rows[0]?.days ?? [], regions: left.rows[0]?.regions ?? [] });
  // --- new settlements: anti-join on setl_id only (against the rows found above: the facts are probed once per chunk)
  await insertNew(
    st,
    batchId,
    (conflict) => `insert into settlements (${SETTLEMENT_COPY})
      select ${sCols('s')}, false, '${NO_HASH}', s.batch_id from stg_settlements s
      where ${S_STORED} and not exists (select 1 from seen_settlements f where f.setl_id = s.setl_id)${conflict ? ' on conflict do nothing' : ''}`,
    // the chunks of a file get their master data from claims.ts; the reversal rows (merged here at the end) from staging
    withReversals ? CLAIM_MASTERS : '',
  );

  // --- reversals: of an original of the reversal row's own region only
  if (withReversals) {
    const nhsa = await q(`
      with u as (
        update settlements f set reversed = true from (select distinct on (init_setl_id, admdvs) init_setl_id, admdvs, batch_id from stg_settlements
          where refd_setl_flag and init_setl_id is not null) s
        where f.setl_id = s.init_setl_id and f.admdvs = s.admdvs and not f.refd_setl_flag and not f.reversed ${REVERSED_RETURNING})
      ${REVERSED_COUNT}`);
    for (const r of nhsa.rows as ReversedCount[]) {
      st.add(r.batch_id, 'reversed', r.n);
      st.reversed += r.n;
      addScope(st, r);
    }
    // same-id form: the record itself counts as updated (it flipped the original) or unchanged
    const same = await q(`
      with u as (
        update settlements f set reversed = true from (select distinct on (setl_id, admdvs) setl_id, admdvs, batch_id from stg_settlements
          where refd_setl_flag and init_setl_id is null) s
        where f.setl_id = s.setl_id and f.admdvs = s.admdvs and not f.refd_setl_flag and not f.reversed ${REVERSED_RETURNING})
      ${REVERSED_COUNT}`);
    for (const r of same.rows as ReversedCount[]) {
      st.add(r.batch_id, 'updated', r.n);
      st.add(r.batch_id, 'reversed', r.n);
      st.reversed += r.n;
      addScope(st, r);
    }
  }
  return { earlier };
}

/**
 * The reversal rows of the whole batch (kept aside in stg_reversals), once every chunk is merged. A reversal row twice
 * in one file (the same setl_id, and form) is a warning on the later rows; the last one is kept.
 */
export async function mergeReversals(st: MergeState): Promise<void> {
  const n = await st.q('select 1 from stg_reversals limit 1');
  if (!n.rowCount) return;
  const twice = await st.q(`select file_no, setl_id, array_agg(row_no order by row_no) as rows from stg_reversals
    group by file_no, batch_id, setl_id, init_setl_id is null having count(*) > 1`);
  for (const r of twice.rows as Array<{ file_no: number; setl_id: string; rows: number[] }>) st.warnings.push(...duplicateWarnings(st.file(r.file_no), 'setl_id', r.setl_id, r.rows));
  await st.q('truncate stg_settlements');
  await st.q('insert into stg_settlements select * from stg_reversals');
  await mergeSettlements(st, null, true);
}

/**
 * The keys a file's merged chunks found stored by an earlier batch more than once (stg_file_*: a key is there once for
 * each chunk that met it stored by an earlier batch, so twice means two chunks of the file hold it). One query per file.
 */
export async function fileDuplicates(st: MergeState, kind: 'settlements' | 'details', batchId: number): Promise<string[]> {
  const [table, key] = kind === 'settlements' ? ['stg_file_settlements', 'setl_id'] : ['stg_file_details', 'feedetl_sn'];
  const r = await st.q(`select ${key} as key from ${table} where batch_id = $1 group by ${key} having count(*) > 1`, [batchId]);
  return (r.rows as Array<{ key: string }>).map((x) => x.key);
}

/** Warnings for the rows after the first of a key seen twice or more in one file (rows in any order). */
export function duplicateWarnings(file: string, field: 'setl_id' | 'feedetl_sn', key: string, rows: number[]): RowError[] {
  const sorted = [...new Set(rows)].sort((a, b) => a - b);
  const first = sorted[0];
  const what = field === 'setl_id' ? '结算ID' : '费用明细流水号';
  return sorted.slice(1).map((row) => ({
    file,
    row,
    field,
    message: `${what} ${key} 与第 ${first} 行重复，以文件中最后一行为准 duplicate of row ${first}; the last row is kept`,
    value: key,
  }));
}

/**
 * One chunk of fee details in stg_details, already carrying the columns of their settlement (claims.ts looked
 * them up and rejected the orphans): changed details are deleted and re-inserted, new ones inserted. A staged line
 * matches a stored one of its own region only: a feedetl_sn stored in another region makes the line a rejected one.
 */
export async function mergeDetails(st: MergeState, batchId: number | null, chunk: ChunkRows | null = null): Promise<MergeFindings> {
  const { q } = st;
  // the stored lines of these keys, each staged line classified against them in one pass (as for the settlements)
  const found = await multi(q, [
    'analyze stg_details (feedetl_sn)',
    LAST_OF_DETAIL,
    'create temp table if not exists seen_details (like fee_details)',
    'truncate seen_details',
    'insert into seen_details select f.* from fee_details f where f.feedetl_sn in (select feedetl_sn from stg_details)',
    `create temp table if not exists cls_details (feedetl_sn text, batch_id bigint, admdvs char(6), setl_time timestamptz, cls "char", same_batch boolean)`,
    'truncate cls_details',
    `insert into cls_details select d.feedetl_sn, d.batch_id, f.admdvs, f.setl_time,
       case when f.admdvs <> d.admdvs then 'x' when ${D_CHANGED} then 'c' else 'u' end, f.batch_id is not distinct from d.batch_id
     from stg_details d join seen_details f on f.feedetl_sn = d.feedetl_sn`,
    `delete from stg_details d where d.feedetl_sn in (select feedetl_sn from cls_details where cls = 'x') returning d.feedetl_sn as key, d.admdvs, d.batch_id`,
    `select c.feedetl_sn as key from cls_details c where c.cls <> 'x' and c.same_batch`,
    `insert into stg_file_details select feedetl_sn, batch_id from cls_details where cls <> 'x' and not same_batch`,
    'select app_assert_write_regions(array(select distinct admdvs::text from stg_details))',
  ]);
  for (const r of (found[8]?.rows ?? []) as Array<{ key: string; admdvs: string; batch_id: number }>)
    st.reject({ file: st.file(chunk?.fileNo ?? -1), row: chunk?.rowOf(r.key) ?? 0, field: 'feedetl_sn', message: DETAIL_REGION_FIXED(r.admdvs), value: r.key }, r.batch_id);
  const earlier = ((found[9]?.rows ?? []) as Array<{ key: string }>).map((r) => r.key);
  const r = await q(`
    create temp table if not exists chg_details (admdvs char(6), feedetl_sn text, setl_time timestamptz);
    truncate chg_details;
    insert into chg_details select c.admdvs, c.feedetl_sn, c.setl_time from cls_details c
      where c.cls = 'c' and not exists (select 1 from cls_details x where x.feedetl_sn = c.feedetl_sn and x.cls = 'x');
    delete from fee_details f using chg_details c where f.admdvs = c.admdvs and f.feedetl_sn = c.feedetl_sn and f.setl_time = c.setl_time;
    with w as (insert into fee_details (${DETAIL_COPY}) select ${qualify(DETAIL_COPY, 'd')} from stg_details d
      where exists (select 1 from chg_details c where c.feedetl_sn = d.feedetl_sn) on conflict do nothing returning batch_id)
    select batch_id, count(*)::int as n from w group by batch_id`);
  for (const row of (results(r).at(-1)?.rows ?? []) as Array<{ batch_id: number; n: number }>) st.add(row.batch_id, 'updated', row.n);
  // --- new details: anti-join on feedetl_sn only (against the rows found above)
  await insertNew(
    st,
    batchId,
    (conflict) => `insert into fee_details (${DETAIL_COPY}) select ${qualify(DETAIL_COPY, 'd')} from stg_details d
      where not exists (select 1 from seen_details f where f.feedetl_sn = d.feedetl_sn)${conflict ? ' on conflict do nothing' : ''}`,
    '',
  );
  return { earlier };
}

/** pg answers a multi-statement query with one result per statement, a single statement with one result */
function results(r: pg.QueryResult | pg.QueryResult[]): pg.QueryResult[] {
  return Array.isArray(r) ? r : [r];
}

/**
 * The new rows of a chunk, followed by `tail` (statements that read the same staging chunk). A chunk of one
 * batch goes in with a plain INSERT (no speculative insertion, no RETURNING) and counts its rowCount; only if
 * a key is twice in the chunk (unique violation) is it re-run, from a savepoint, with ON CONFLICT DO NOTHING
 * and counted per batch, as are chunks that mix batches (the reversals).
 */
async function insertNew(st: MergeState, batchId: number | null, sqlFor: (conflict: boolean) => string, tail: string): Promise<void> {
  const { q } = st;
  if (batchId !== null) {
    try {
      const r = await q(`savepoint new_rows; ${sqlFor(false)}; release savepoint new_rows${tail ? `; ${tail}` : ''}`);
      st.add(batchId, 'inserted', results(r)[1]?.rowCount ?? 0);
      return;
    } catch (e) {
      if ((e as { code?: string }).code !== '23505') throw e;
      await q('rollback to savepoint new_rows; release savepoint new_rows');
    }
  }
  const r = await q(`with w as (${sqlFor(true)} returning batch_id) select batch_id, count(*)::int as n from w group by batch_id${tail ? `; ${tail}` : ''}`);
  for (const row of (results(r)[0]?.rows ?? []) as Array<{ batch_id: number; n: number }>) st.add(row.batch_id, 'inserted', row.n);
}
