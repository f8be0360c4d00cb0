/**
 * The CONTRACT.md visit record in, the CONTRACT.md `adjudicate` line out.
 * Used by the `adjudicate` command and by the data generator (which settles clean claims with it).
 */
import { yuanDecimal } from '../format';
import { InputError } from '../errors';
import type { PolicySet } from '../policies';
import { Adjudicator, type Outcome, type Visit } from './engine';

export type VisitRecord = Record<string, unknown>;

export interface AdjudicateLine {
  setl_id: string;
  policy_id?: string;
  deductible?: string;
  eligible?: string;
  rate?: string;
  fund_pay?: string;
  self_pay?: string;
  year_fund_paid?: string;
  year_deductible_paid?: string;
  capped?: boolean;
  excluded?: string | null;
  clause?: string;
  error?: string;
}

/** fen → "1234.50" (the contract's output style) */
export const yuan = yuanDecimal;

/** 5500 bp → "0.55"; 6250 → "0.625" (no trailing zeros past two decimals) */
export function rateText(bp: number): string {
  const s = (bp / 10000).toFixed(4);
  return s.replace(/(\.\d\d)(\d*?)0+$/, '$1$2');
}

const AMOUNT = /^-?\d+(\.\d{1,2})?$/;

/** Decimal yuan (number or string) → integer fen, exactly (no float arithmetic on the digits). */
export function toFen(v: unknown, field: string, row: number): number {
  if (v === undefined || v === null || v === '') return 0;
  // A JSON number must already be whole fen (12.345 is an error, as the string "12.345" is).
  const s = typeof v === 'number' ? (Number.isFinite(v) && Math.abs(v * 100 - Math.round(v * 100)) < 1e-6 ? v.toFixed(2) : String(v)) : String(v).trim();
  if (!AMOUNT.test(s)) throw new InputError(`金额格式无效 (not an amount in yuan): ${JSON.stringify(v)}`, { row, field });
  const neg = s.startsWith('-');
  const [i, f = ''] = (neg ? s.slice(1) : s).split('.');
  const fen = Number(i) * 100 + Number((f + '00').slice(0, 2));
  return neg ? -fen : fen;
}

function bool(v: unknown, dflt: boolean): boolean {
  if (v === undefined || v === null || v === '') return dflt;
  if (typeof v === 'boolean') return v;
  const s = String(v).trim().toLowerCase();
  return s === '1' || s === 'true' || s === 'y' || s === 'yes' || s === '是';
}

export function retiredOf(psnType: unknown, row: number): boolean {
  const s = String(psnType ?? '').trim();
  if (s === 'retired' || /^1[23]\d{0,2}$/.test(s)) return true;
  if (s === 'in_service' || /^11\d{0,2}$/.test(s)) return false;
  throw new InputError(`人员类别无效 (unknown psn_type) ${JSON.stringify(psnType)}`, { row, field: 'psn_type' });
}

/** 1/2/3, or NHSA 医院等级 01–04 三级, 05–07 二级, 08–11 一级 (11 无等级 treated as 一级). */
export function levelOf(v: unknown, row: number): number {
  const s = String(v ?? '').trim();
  if (s === '1' || s === '2' || s === '3') return Number(s);
  const n = /^\d{2}$/.test(s) ? Number(s) : NaN;
  if (n >= 1 && n <= 4) return 3;
  if (n >= 5 && n <= 7) return 2;
  if (n >= 8 && n <= 11) return 1;
  throw new InputError(`医院等级无效 (unknown hosp_lv) ${JSON.stringify(v)}`, { row, field: 'hosp_lv' });
}

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?(\.\d+)?$/;
const dateFmt = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' });

/** The Asia/Shanghai calendar date of setl_time (ISO with offset, or local 'yyyy-MM-dd HH:mm:ss'). */
export function localDate(v: unknown, row: number): string {
  const s = String(v ?? '').trim();
  const m = LOCAL.exec(s) ?? /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (m) {
    const d = `${m[1]}-${m[2]}-${m[3]}`;
    // reject impossible calendar dates (2024-02-30) rather than resolving a policy for them
    const t = Date.parse(`${d}T00:00:00Z`);
    if (Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== d) throw new InputError(`结算时间无效 (invalid setl_time) ${JSON.stringify(v)}`, { row, field: 'setl_time' });
    return d;
  }
  const t = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)$/.test(s) ? Date.parse(s.replace(' ', 'T')) : NaN;
  if (!s || Number.isNaN(t)) throw new InputError(`结算时间无效 (invalid setl_time) ${JSON.stringify(v)}`, { row, field: 'setl_time' });
  return dateFmt.format(t);
}

function required(r: VisitRecord, field: string, row: number): string {
  const v = r[field];
  if (v === undefined || v === null || String(v).trim() === '') throw new InputError('缺少必填字段 (missing required field)', { row, field });
  return String(v).trim();
}

/** A CONTRACT visit record → the engine's visit. `row` is the 1-based input line for error messages. */
export function toVisit(r: VisitRecord, row: number): Visit {
  const type = required(r, 'fixmedins_type', row);
  if (type !== 'hospital' && type !== 'pharmacy') throw new InputError(`机构类型无效 (fixmedins_type must be hospital or pharmacy) ${JSON.stringify(type)}`, { row, field: 'fixmedins_type' });
  const admdvs = required(r, 'admdvs', row);
  if (!/^\d{6}$/.test(admdvs)) throw new InputError(`医保区划无效 (admdvs must be a 6-digit code) ${JSON.stringify(admdvs)}`, { row, field: 'admdvs' });
  const fc = r.fee_class;
  const feeClass = fc === undefined || fc === null || fc === '' ? null : Number(fc);
  if (feeClass !== null && ![1, 2, 3].includes(feeClass)) throw new InputError(`收费类别无效 (fee_class must be 1, 2 or 3)`, { row, field: 'fee_class' });
  const rx = r.rx_from_designated;
  required(r, 'fixmedins_code', row);
  return {
    setlId: required(r, 'setl_id', row),
    psnNo: required(r, 'psn_no', row),
    retired: retiredOf(required(r, 'psn_type', row), row),
    admdvs,
    date: localDate(required(r, 'setl_time', row), row),
    pharmacy: type === 'pharmacy',
    level: levelOf(required(r, 'hosp_lv', row), row),
    feeClass,
    medType: String(r.med_type ?? (type === 'pharmacy' ? '41' : '11')),
    medfeeSumamt: toFen(required(r, 'medfee_sumamt', row), 'medfee_sumamt', row),
    inscpScpAmt: toFen(required(r, 'inscp_scp_amt', row), 'inscp_scp_amt', row),
    preselfpayAmt: toFen(r.preselfpay_amt, 'preselfpay_amt', row),
    fulamtOwnpayAmt: toFen(r.fulamt_ownpay_amt, 'fulamt_ownpay_amt', row),
    designated: bool(r.designated, true),
    emergency: bool(r.emergency, false) || String(r.med_type ?? '') === '13',
    hasCard: bool(r.has_card, true),
    rxFromDesignated: rx === undefined || rx === null || rx === '' ? null : bool(rx, true),
    outOfAreaTemporary: bool(r.out_of_area_temporary, false),
    inArrears: bool(r.in_arrears, false),
    inpatientOverlap: bool(r.inpatient_overlap, false),
    suspended: bool(r.suspended, false),
  };
}

export function toLine(o: Outcome): AdjudicateLine {
  if (o.error) return { setl_id: o.setlId, error: o.error };
  return {
    setl_id: o.setlId,
    policy_id: o.policyId ?? '',
    deductible: yuan(o.deductible),
    eligible: yuan(o.eligible),
    rate: rateText(o.rateBp),
    fund_pay: yuan(o.fundPay),
    self_pay: yuan(o.selfPay),
    year_fund_paid: yuan(o.yearFundPaid),
    year_deductible_paid: yuan(o.yearDeductiblePaid),
    capped: o.capped,
    excluded: o.excluded,
    clause: o.clause,
  };
}

/**
 * CONTRACT records → CONTRACT lines, in input order. Running totals are carried per psn_no and
 * calendar year in the order given, so the caller supplies each person's visits in time order.
 * A record that is not a valid visit throws InputError naming its row (1-based) and field.
 */
export function adjudicateRecords(records: VisitRecord[], policies: PolicySet, adjudicator = new Adjudicator(policies)): AdjudicateLine[] {
  return records.map((r, i) => toLine(adjudicator.adjudicate(toVisit(r, i + 1))));
}
