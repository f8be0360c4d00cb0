/**
 * Staging: one temporary table per record kind (no WAL, no index), filled by COPY, read by the
 * merge. `file_no`/`row_no` keep the way back to the line a person sees in the file.
 */
import type pg from 'pg';
import type { Kind } from './columns';
import { copyValue as v } from './copy';
import type { DetailRow, DoctorRow, InstitutionRow, PersonRow, SettlementRow } from './validate';

/**
 * Claims are written in the column order of their fact table (`SETTLEMENT_COPY` / `DETAIL_COPY`): the same
 * text goes straight into the facts (the fast path, index.ts) or, when a chunk holds keys that are already
 * loaded, into the staging table of the same columns for the merge (merge.ts).
 */
export const S_COLS = `admdvs, setl_id, setl_time, psn_no, psn_type, mdtrt_id, fixmedins_code, fixmedins_type, hosp_lv, fee_class, med_type,
  insutype, dise_codg, medfee_sumamt, inscp_scp_amt, fulamt_ownpay_amt, preselfpay_amt, act_pay_dedc, hifp_pay, acct_pay, psn_cash_pay,
  refd_setl_flag, designated, emergency, has_card, rx_from_designated, out_of_area_temporary, in_arrears, inpatient_overlap, suspended,
  chronic, gend, brdy, extra`;
export const D_COLS = `med_chrgitm_type, chrgitm_lv, hilist_code, hilist_name, medins_list_codg, cnt, pric, det_item_fee_sumamt, bilg_dr_codg,
  bilg_dept_codg, medc_days, extra`;
/** the columns of a settlement line (settlementLine) */
export const SETTLEMENT_COPY = `${S_COLS}, reversed, row_hash, batch_id`;
/** a reversal row kept aside: the way back to its file line, and the original it names, before the settlement columns */
export const REVERSAL_COPY = `file_no, row_no, init_setl_id, ${SETTLEMENT_COPY}`;
/** the columns of a fee detail line (detailLine) */
export const DETAIL_COPY = `admdvs, feedetl_sn, setl_id, setl_time, psn_no, fixmedins_code, ${D_COLS}, row_hash, batch_id`;
/**
 * `row_hash` (NOT NULL in the facts) is no longer computed: a re-sent row is compared with the stored one column by
 * column in the merge, which is exact and costs nothing on the fast path (hashing in Node cost ~2 µs a row).
 */
export const NO_HASH = '';

export const STAGING: Record<Kind, { table: string; columns: string }> = {
  settlements: {
    table: 'stg_settlements',
    columns: `file_no int, row_no int, init_setl_id text, admdvs char(6), setl_id text, setl_time timestamptz, psn_no text, psn_type text,
      mdtrt_id text, fixmedins_code text, fixmedins_type text, hosp_lv smallint, fee_class smallint, med_type text, insutype text,
      dise_codg text, medfee_sumamt bigint, inscp_scp_amt bigint, fulamt_ownpay_amt bigint, preselfpay_amt bigint, act_pay_dedc bigint,
      hifp_pay bigint, acct_pay bigint, psn_cash_pay bigint, refd_setl_flag boolean, designated boolean, emergency boolean,
      has_card boolean, rx_from_designated boolean, out_of_area_temporary boolean, in_arrears boolean, inpatient_overlap boolean,
      suspended boolean, chronic boolean, gend char(1), brdy date, extra jsonb, reversed boolean, row_hash text, batch_id bigint`,
  },
  details: {
    table: 'stg_details',
    columns: `admdvs char(6), feedetl_sn text, setl_id text, setl_time timestamptz, psn_no text, fixmedins_code text, med_chrgitm_type text,
      chrgitm_lv text, hilist_code text, hilist_name text, medins_list_codg text, cnt numeric, pric numeric, det_item_fee_sumamt bigint,
      bilg_dr_codg text, bilg_dept_codg text, medc_days int, extra jsonb, row_hash text, batch_id bigint`,
  },
  institutions: {
    table: 'stg_institutions',
    columns: `file_no int, row_no int, batch_id bigint, region_code text, fixmedins_code text, fixmedins_name text, fixmedins_type text,
      hosp_lv smallint, fee_class smallint, designated boolean, annual_budget bigint`,
  },
  doctors: {
    table: 'stg_doctors',
    columns: `file_no int, row_no int, batch_id bigint, region_code text, dr_codg text, dr_name text, fixmedins_code text, dept_codg text`,
  },
  persons: {
    table: 'stg_persons',
    columns: `file_no int, row_no int, batch_id bigint, region_code text, psn_no text, psn_name text, certno text, psn_type text,
      gend text, brdy date, insutype text`,
  },
};

/** Reversal rows (refd_setl_flag) are kept aside and merged after every other settlement (merge.ts). */
export const REVERSALS_TABLE = 'stg_reversals';

/**
 * The keys each merged chunk found stored by an earlier batch, per batch (file), appended (no index): a key there twice
 * is held by two chunks of the same file (merge.ts fileDuplicates; a key the batch itself wrote carries its batch_id).
 */
const FILE_KEY_TABLES = { stg_file_settlements: 'setl_id text, batch_id bigint', stg_file_details: 'feedetl_sn text, batch_id bigint' };

export async function createStaging(client: pg.PoolClient): Promise<void> {
  for (const s of Object.values(STAGING)) {
    await client.query(`create temp table if not exists ${s.table} (${s.columns})`);
    await client.query(`truncate ${s.table}`);
  }
  await client.query(`create temp table if not exists ${REVERSALS_TABLE} (${STAGING.settlements.columns})`);
  await client.query(`truncate ${REVERSALS_TABLE}`);
  for (const [table, columns] of Object.entries(FILE_KEY_TABLES)) {
    await client.query(`create temp table if not exists ${table} (${columns})`);
    await client.query(`truncate ${table}`);
  }
}

export async function dropStaging(client: pg.PoolClient): Promise<void> {
  for (const s of Object.values(STAGING)) await client.query(`drop table if exists ${s.table}`);
  await client.query(`drop table if exists ${REVERSALS_TABLE}`);
  for (const table of Object.keys(FILE_KEY_TABLES)) await client.query(`drop table if exists ${table}`);
}

const json = (o: Record<string, unknown> | null) => (o ? v(JSON.stringify(o)) : '\\N');

/** One settlement in SETTLEMENT_COPY order (reversed = false: only a later reversal sets it). */
export function settlementLine(b: number, s: SettlementRow, extra: Record<string, unknown> | null): string {
  const type = s.fixmedins_type ?? 'hospital';
  const refd = s.refd_setl_flag ?? false;
  // a reversal that names its original keeps the link in extra (NHSA init_setl_id)
  const ex = s.init_setl_id ? { ...(extra ?? {}), init_setl_id: s.init_setl_id } : extra;
  return `${s.admdvs}\t${v(s.setl_id)}\t${s.setl_time?.literal}\t${v(s.psn_no)}\t${v(s.psn_type)}\t${v(s.mdtrt_id)}\t${v(
    s.fixmedins_code,
  )}\t${type}\t${s.hosp_lv}\t${v(s.fee_class)}\t${v(s.med_type ?? (type === 'pharmacy' ? '41' : '11'))}\t${v(s.insutype ?? '310')}\t${v(
    s.dise_codg,
  )}\t${s.medfee_sumamt}\t${s.inscp_scp_amt}\t${s.fulamt_ownpay_amt ?? 0}\t${s.preselfpay_amt ?? 0}\t${v(s.act_pay_dedc)}\t${v(s.hifp_pay)}\t${v(
    s.acct_pay,
  )}\t${v(s.psn_cash_pay)}\t${refd ? 't' : 'f'}\t${v(s.designated ?? true)}\t${v(s.emergency ?? false)}\t${v(s.has_card ?? true)}\t${v(
    s.rx_from_designated,
  )}\t${v(s.out_of_area_temporary ?? false)}\t${v(s.in_arrears ?? false)}\t${v(s.inpatient_overlap ?? false)}\t${v(s.suspended ?? false)}\t${v(
    s.chronic ?? false,
  )}\t${v(s.gend)}\t${v(s.brdy)}\t${json(ex)}\tf\t${NO_HASH}\t${b}\n`;
}

/** A reversal row for stg_reversals (REVERSAL_COPY order). */
export function reversalLine(f: number, r: number, b: number, s: SettlementRow, extra: Record<string, unknown> | null): string {
  return `${f}\t${r}\t${v(s.init_setl_id)}\t${settlementLine(b, s, extra)}`;
}

/** The part of a fee detail line that comes from the detail itself: med_chrgitm_type … extra, row_hash, batch_id. */
export function detailTail(b: number, d: DetailRow, extra: Record<string, unknown> | null): string {
  return `${d.med_chrgitm_type}\t${v(d.chrgitm_lv)}\t${v(d.hilist_code)}\t${v(d.hilist_name)}\t${v(d.medins_list_codg)}\t${v(d.cnt)}\t${v(
    d.pric,
  )}\t${d.det_item_fee_sumamt}\t${v(d.bilg_dr_codg)}\t${v(d.bilg_dept_codg)}\t${v(d.medc_days)}\t${json(extra)}\t${NO_HASH}\t${b}\n`;
}

/**
 * The settlement columns a fee detail line carries, as COPY text, looked up per chunk (claims.ts builds the line:
 * admdvs, feedetl_sn, setl_id, `rest`, then detailTail).
 */
export interface SetlOf {
  admdvs: string;
  /** `setl_time \t psn_no \t fixmedins_code` */
  rest: string;
  fixmedinsCode: string;
}

export function institutionLine(f: number, r: number, b: number, i: InstitutionRow): string {
  return `${f}\t${r}\t${b}\t${i.region_code}\t${v(i.fixmedins_code)}\t${v(i.fixmedins_name)}\t${v(i.fixmedins_type)}\t${v(i.hosp_lv)}\t${v(
    i.fee_class,
  )}\t${v(i.designated)}\t${v(i.annual_budget)}\n`;
}

export function doctorLine(f: number, r: number, b: number, d: DoctorRow): string {
  return `${f}\t${r}\t${b}\t${d.region_code}\t${v(d.dr_codg)}\t${v(d.dr_name)}\t${v(d.fixmedins_code)}\t${v(d.dept_codg)}\n`;
}

export function personLine(f: number, r: number, b: number, p: PersonRow): string {
  return `${f}\t${r}\t${b}\t${p.region_code}\t${v(p.psn_no)}\t${v(p.psn_name)}\t${v(p.certno)}\t${v(p.psn_type)}\t${v(p.gend)}\t${v(
    p.brdy,
  )}\t${v(p.insutype)}\n`;
}
