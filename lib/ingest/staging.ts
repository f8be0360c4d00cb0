/**
 * Staging: one temporary table per record kind (no WAL, no index), filled by COPY, read by the
 * merge. `file_no`/`row_no` keep the way back to the line a person sees in the file.
 */
import type pg from 'pg';
import type { Kind } from './columns';
import { copyValue as v } from './copy';
import type { DetailRow, DoctorRow, InstitutionRow, PersonRow, SettlementRow } from './validate';

export const STAGING: Record<Kind, { table: string; columns: string }> = {
  settlements: {
    table: 'stg_settlements',
    columns: `file_no int, row_no int, batch_id bigint, admdvs text, setl_id text, setl_time timestamptz, psn_no text, psn_type text,
      mdtrt_id text, fixmedins_code text, fixmedins_type text, hosp_lv smallint, fee_class smallint, med_type text, insutype text,
      dise_codg text, medfee_sumamt bigint, inscp_scp_amt bigint, fulamt_ownpay_amt bigint, preselfpay_amt bigint, act_pay_dedc bigint,
      hifp_pay bigint, acct_pay bigint, psn_cash_pay bigint, refd_setl_flag boolean, designated boolean, emergency boolean,
      has_card boolean, rx_from_designated boolean, out_of_area_temporary boolean, in_arrears boolean, inpatient_overlap boolean,
      suspended boolean, chronic boolean, gend text, brdy date, extra jsonb, init_setl_id text`,
  },
  details: {
    table: 'stg_details',
    columns: `file_no int, row_no int, batch_id bigint, feedetl_sn text, setl_id text, med_chrgitm_type text, chrgitm_lv text,
      hilist_code text, hilist_name text, medins_list_codg text, cnt numeric, pric numeric, det_item_fee_sumamt bigint,
      bilg_dr_codg text, bilg_dept_codg text, medc_days int, extra jsonb`,
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

export async function createStaging(client: pg.PoolClient): Promise<void> {
  for (const s of Object.values(STAGING)) {
    await client.query(`create temp table if not exists ${s.table} (${s.columns})`);
    await client.query(`truncate ${s.table}`);
  }
  await client.query(`create temp table if not exists ${REVERSALS_TABLE} (${STAGING.settlements.columns})`);
  await client.query(`truncate ${REVERSALS_TABLE}`);
}

export async function dropStaging(client: pg.PoolClient): Promise<void> {
  for (const s of Object.values(STAGING)) await client.query(`drop table if exists ${s.table}`);
  await client.query(`drop table if exists ${REVERSALS_TABLE}`);
}

const json = (o: Record<string, unknown> | null) => (o ? v(JSON.stringify(o)) : '\\N');

export function settlementLine(f: number, r: number, b: number, s: SettlementRow, extra: Record<string, unknown> | null): string {
  const type = s.fixmedins_type ?? 'hospital';
  const refd = s.refd_setl_flag ?? false;
  // a reversal that names its original keeps the link in extra (NHSA init_setl_id)
  const ex = s.init_setl_id ? { ...(extra ?? {}), init_setl_id: s.init_setl_id } : extra;
  return `${f}\t${r}\t${b}\t${s.admdvs}\t${v(s.setl_id)}\t${s.setl_time?.literal}\t${v(s.psn_no)}\t${v(s.psn_type)}\t${v(s.mdtrt_id)}\t${v(
    s.fixmedins_code,
  )}\t${type}\t${s.hosp_lv}\t${v(s.fee_class)}\t${v(s.med_type ?? (type === 'pharmacy' ? '41' : '11'))}\t${v(s.insutype ?? '310')}\t${v(
    s.dise_codg,
  )}\t${s.medfee_sumamt}\t${s.inscp_scp_amt}\t${s.fulamt_ownpay_amt ?? 0}\t${s.preselfpay_amt ?? 0}\t${v(s.act_pay_dedc)}\t${v(s.hifp_pay)}\t${v(
    s.acct_pay,
  )}\t${v(s.psn_cash_pay)}\t${v(refd)}\t${v(s.designated ?? true)}\t${v(s.emergency ?? false)}\t${v(s.has_card ?? true)}\t${v(
    s.rx_from_designated,
  )}\t${v(s.out_of_area_temporary ?? false)}\t${v(s.in_arrears ?? false)}\t${v(s.inpatient_overlap ?? false)}\t${v(s.suspended ?? false)}\t${v(
    s.chronic ?? false,
  )}\t${v(s.gend)}\t${v(s.brdy)}\t${json(ex)}\t${v(s.init_setl_id)}\n`;
}

export function detailLine(f: number, r: number, b: number, d: DetailRow, extra: Record<string, unknown> | null): string {
  return `${f}\t${r}\t${b}\t${v(d.feedetl_sn)}\t${v(d.setl_id)}\t${d.med_chrgitm_type}\t${v(d.chrgitm_lv)}\t${v(d.hilist_code)}\t${v(
    d.hilist_name,
  )}\t${v(d.medins_list_codg)}\t${v(d.cnt)}\t${v(d.pric)}\t${d.det_item_fee_sumamt}\t${v(d.bilg_dr_codg)}\t${v(d.bilg_dept_codg)}\t${v(
    d.medc_days,
  )}\t${json(extra)}\n`;
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
