/**
 * Row validation with zod. Amounts are decimal yuan (numbers or strings) turned into integer fen by
 * reading the decimal string — never through floating point. Code values accept the NHSA platform
 * codes and the readable aliases of CONTRACT.md; `setl_time` without an offset is Asia/Shanghai.
 */
import { z } from 'zod';
import { KNOWN_FIELDS, keyTestByPosition, type Kind } from './columns';
import { ingestWindow } from './date-window';

const AMOUNT_RE = /^([+-]?)(\d{1,13})(?:\.(\d*))?$/;

/** '12.3' → 1230; '-0.05' → -5; '1.230' → 123; '1.234' → null (sub-fen amount is an error, not rounded). */
export function yuanToFen(v: unknown): number | null {
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : typeof v === 'string' ? v : '';
  return plainFen(s) ?? yuanTextToFen(s);
}

/**
 * The usual spelling (sign, 1–13 digits, a point and decimals; nothing else) read digit by digit, with no regular
 * expression or string made per amount (8 a settlement); undefined for anything else, which yuanTextToFen reads.
 * Both give the same fen for every string (tested).
 */
function plainFen(s: string): number | null | undefined {
  const n = s.length;
  let i = 0;
  let neg = false;
  const c0 = s.charCodeAt(0);
  if (c0 === 45 || c0 === 43) {
    neg = c0 === 45;
    i = 1;
  }
  let yuan = 0;
  const from = i;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) break;
    if (c < 48 || c > 57) return undefined;
    yuan = yuan * 10 + (c - 48);
  }
  if (i === from || i - from > 13) return undefined;
  let fen = 0;
  for (let k = 0, j = i + 1; j < n; j++, k++) {
    const c = s.charCodeAt(j);
    if (c < 48 || c > 57) return undefined;
    if (k < 2) fen += (c - 48) * (k === 0 ? 10 : 1);
    else if (c !== 48) return null;
  }
  const total = yuan * 100 + fen;
  return neg ? -total : total;
}

/** any amount text: spaces around it and thousands separators allowed */
export function yuanTextToFen(text: string): number | null {
  const s = text.trim().replace(/,/g, '');
  const m = AMOUNT_RE.exec(s);
  if (!m) return null;
  const frac = m[3] ?? '';
  if (frac.length > 2 && !/^0+$/.test(frac.slice(2))) return null;
  const fen = Number(m[2]) * 100 + Number((frac + '00').slice(0, 2));
  return m[1] === '-' ? -fen : fen;
}

/**
 * Each field is a plain check `(value, issue) => output`. The zod schemas below are built from these
 * very functions (zod defines the contract and writes the messages); the hot path calls them directly
 * (`fastRow`) and only falls back to zod for a row that has an issue, so both always agree.
 */
export type Issue = (message: string) => void;
export type FieldCheck<T> = (v: unknown, issue: Issue) => T;

function amount(required: boolean): FieldCheck<number | null> {
  return (v, issue) => {
    if (v === undefined) {
      if (required) issue('缺少必填金额 required amount missing');
      return null;
    }
    const fen = yuanToFen(v);
    if (fen === null) issue(`金额无效 not an amount in yuan with at most 2 decimals: "${String(v)}"`);
    return fen;
  };
}

const DECIMAL_RE = /^[+-]?\d{1,12}(\.\d{1,4})?$/;
/** cnt, pric: numeric(16,4) kept as their decimal text */
const decimal: FieldCheck<string | null> = (v, issue) => {
  if (v === undefined) return null;
  const s = str(v).trim();
  if (!DECIMAL_RE.test(s)) {
    issue(`数值无效 not a number with at most 4 decimals: "${s}"`);
    return null;
  }
  return s;
};

function text(required: boolean, max = 64): FieldCheck<string | null> {
  return (v, issue) => {
    if (v === undefined) {
      if (required) issue('缺少必填字段 required field missing');
      return null;
    }
    const s = typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : null;
    if (s === null || s === '' || s.length > max) {
      if (s === '' && !required) return null;
      issue(s === null ? `应为文本 expected text` : s === '' ? '缺少必填字段 required field missing' : `超过 ${max} 个字符 longer than ${max}`);
      return null;
    }
    return s;
  };
}

const REGION_RE = /^\d{6}$/;
const region = (required: boolean): FieldCheck<string | null> => (v, issue) => {
  if (v === undefined) {
    if (required) issue('缺少医保区划 required region code missing');
    return null;
  }
  const s = str(v).trim();
  if (!REGION_RE.test(s)) issue(`区划代码应为 6 位数字 region code must be 6 digits: "${s}"`);
  return s;
};

/** Code fields: the allowed input spellings → stored value, as data. */
const PSN_TYPE_ALIASES: Record<string, string> = { in_service: '1101', 在职: '1101', retired: '1201', 退休: '1201', 离休: '1301' };
const HOSP_LV_ALIASES: Record<string, number> = {
  '1': 1, '2': 2, '3': 3,
  // NHSA 医院等级: 01–04 三级, 05–07 二级, 08–10 一级, 11 无等级 = 一级 (CONTRACT.md)
  '01': 3, '02': 3, '03': 3, '04': 3, '05': 2, '06': 2, '07': 2, '08': 1, '09': 1, '10': 1, '11': 1,
  三级: 3, 二级: 2, 一级: 1, 基层: 1, 无等级: 1,
};
const INST_TYPE_ALIASES: Record<string, 'hospital' | 'pharmacy'> = {
  hospital: 'hospital', pharmacy: 'pharmacy', '1': 'hospital', '2': 'pharmacy',
  医院: 'hospital', 医疗机构: 'hospital', 定点医疗机构: 'hospital', 药店: 'pharmacy', 零售药店: 'pharmacy', 定点零售药店: 'pharmacy',
};
const MED_TYPE_ALIASES: Record<string, string> = { 普通门诊: '11', 门诊: '11', 急诊: '13', 门诊慢特病: '14', 定点药店购药: '41', 药店购药: '41' };
const CHRGITM_LV_ALIASES: Record<string, string> = { '1': '01', '2': '02', '3': '03', 甲类: '01', 乙类: '02', 丙类: '03', 甲: '01', 乙: '02', 丙: '03' };
const GEND_ALIASES: Record<string, string> = { '1': '1', '2': '2', 男: '1', 女: '2', m: '1', f: '2', male: '1', female: '2', '9': '9', '0': '0' };
const BOOL_ALIASES: Record<string, boolean> = {
  true: true, false: false, '1': true, '0': false, y: true, n: false, yes: true, no: false, 是: true, 否: false, t: true, f: false,
};

const own = (table: object, key: string) => Object.prototype.hasOwnProperty.call(table, key);
/** a cell as text (most cells are text already: no String() call for them) */
const str = (v: unknown): string => (typeof v === 'string' ? v : String(v));

function code<T>(table: Record<string, T>, label: string, required: boolean, fallback?: (s: string) => T | undefined): FieldCheck<T | null> {
  return (v, issue) => {
    if (v === undefined) {
      if (required) issue(`缺少${label} required field missing`);
      return null;
    }
    const s = str(v).trim();
    // own keys only: "constructor" or "__proto__" in a cell is an unknown code, not an Object.prototype member
    // the fallbacks accept digits only, so trying them before the lower-cased spelling gives the same answer
    let hit = own(table, s) ? table[s] : fallback?.(s);
    if (hit === undefined) {
      const lower = s.toLowerCase();
      if (own(table, lower)) hit = table[lower];
    }
    if (hit === undefined) {
      issue(`${label}代码无效 unknown code "${s}"`);
      return null;
    }
    return hit;
  };
}

const psnType = (required: boolean) => code(PSN_TYPE_ALIASES, '人员类别', required, (s) => (/^1[123](\d{2})?$/.test(s) ? s : undefined));
const hospLv = (required: boolean) => code(HOSP_LV_ALIASES, '医院等级', required);
const instType = (required: boolean) => code(INST_TYPE_ALIASES, '机构类型', required);
const feeClass = code({ '1': 1, '2': 2, '3': 3, 一类: 1, 二类: 2, 三类: 3 } as Record<string, number>, '收费类别', false);
const gend = code(GEND_ALIASES, '性别', false);
const medType = code(MED_TYPE_ALIASES, '医疗类别', false, (s) => (/^\d{2,4}$/.test(s) ? s : undefined));
const chrgitmLv = code(CHRGITM_LV_ALIASES, '收费项目等级', false, (s) => (/^0[1-3]$/.test(s) ? s : undefined));
const chrgitmType = code({} as Record<string, string>, '医疗收费项目类别', true, (s) => {
  const n = /^\d{1,2}$/.test(s) ? Number(s) : NaN;
  return n >= 1 && n <= 14 ? String(n).padStart(2, '0') : undefined;
});
function flag(): FieldCheck<boolean | null> {
  return (v, issue) => {
    if (v === undefined) return null;
    if (typeof v === 'boolean') return v;
    const k = str(v).trim().toLowerCase();
    const b = own(BOOL_ALIASES, k) ? BOOL_ALIASES[k] : undefined;
    if (b === undefined) issue(`应为是/否 expected a yes/no flag: "${String(v)}"`);
    return b ?? null;
  };
}

const DATE_RE = /^(\d{4})-?(\d{2})-?(\d{2})$/;
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
export function validDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1 || y < 1900 || y > 2100) return false;
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  return d <= (m === 2 && leap ? 29 : (MONTH_DAYS[m - 1] as number));
}
const birthDate: FieldCheck<string | null> = (v, issue) => {
  if (v === undefined) return null;
  const s = str(v).trim().slice(0, 10);
  const m = DATE_RE.exec(s);
  if (m && Number(m[1]) < 1900) {
    issue(`出生日期 brdy ${m[1]}-${m[2]}-${m[3]} 早于 1900-01-01`);
    return null;
  }
  if (!m || !validDate(Number(m[1]), Number(m[2]), Number(m[3]))) {
    issue(`日期无效 not a date (yyyy-MM-dd): "${String(v)}"`);
    return null;
  }
  const date = `${m[1]}-${m[2]}-${m[3]}`;
  const today = ingestWindow().today;
  if (date > today) {
    issue(`出生日期 brdy ${date} 晚于今天 ${today}`);
    return null;
  }
  return date;
};

const TIME_RE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,6})?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/;
export interface SetlTime {
  /** timestamptz literal for COPY */
  literal: string;
  /** 'YYYY-MM' in Asia/Shanghai */
  month: string;
  /** 'YYYY-MM-DD' in Asia/Shanghai (the day a batch's refresh covers) */
  day: string;
}
/** ISO 8601 or the platform's 'yyyy-MM-dd HH:mm:ss'; without an offset it is Asia/Shanghai wall-clock time. */
export function parseSetlTime(v: unknown): SetlTime | null {
  if (typeof v !== 'string') return null;
  const t = v.length === 19 ? platformTime(v) : undefined;
  return t === undefined ? setlTimeText(v) : t;
}

/** any spelling parseSetlTime accepts (the general reading; platformTime gives the same for its own) */
export function setlTimeText(v: string): SetlTime | null {
  const s = v.trim();
  const m = TIME_RE.exec(s);
  if (!m) return null;
  const [y, mo, d, h, mi] = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])];
  const sec = m[6] ? Number(m[6]) : 0;
  if (!validDate(y, mo, d) || h > 23 || mi > 59 || sec > 59) return null;
  const base = `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}:${m[6] ?? '00'}${m[7] ?? ''}`;
  const off = m[8];
  if (!off || off === '+08' || off === '+08:00' || off === '+0800') return { literal: `${base}+08`, month: `${m[1]}-${m[2]}`, day: `${m[1]}-${m[2]}-${m[3]}` };
  // another offset: the Shanghai month may differ from the written one
  const t = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] ?? '00'}${off === 'Z' ? 'Z' : off.length === 3 ? `${off}:00` : off.includes(':') ? off : `${off.slice(0, 3)}:${off.slice(3)}`}`);
  if (Number.isNaN(t)) return null;
  const local = new Date(t + 8 * 3600_000);
  return { literal: `${base}${off}`, month: local.toISOString().slice(0, 7), day: local.toISOString().slice(0, 10) };
}
const d2 = (s: string, i: number) => (s.charCodeAt(i) - 48) * 10 + (s.charCodeAt(i + 1) - 48);
/**
 * The platform's own spelling 'yyyy-MM-dd HH:mm:ss' (nearly every row) read by character code, without the regular
 * expression's groups; undefined for any other text (parseSetlTime's general reading then decides).
 */
function platformTime(s: string): SetlTime | null | undefined {
  for (let i = 0; i < 19; i++) {
    const c = s.charCodeAt(i);
    const want = i === 4 || i === 7 ? 45 : i === 10 ? 32 : i === 13 || i === 16 ? 58 : 0;
    if (want ? c !== want : c < 48 || c > 57) return undefined;
  }
  if (!validDate(d2(s, 0) * 100 + d2(s, 2), d2(s, 5), d2(s, 8)) || d2(s, 11) > 23 || d2(s, 14) > 59 || d2(s, 17) > 59) return null;
  return { literal: `${s}+08`, month: s.slice(0, 7), day: s.slice(0, 10) };
}

/** 'YYYY-MM-DD HH:mm:ss' in Asia/Shanghai of a parsed settlement time */
function shanghaiLocal(t: SetlTime): string {
  if (t.literal.endsWith('+08')) return t.literal.slice(0, 19);
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2})(?::?(\d{2}))?$/.exec(t.literal);
  if (!m) return t.literal.slice(0, 19);
  const off = m[4] === 'Z' ? 'Z' : `${m[4]}:${m[5] ?? '00'}`;
  return new Date(Date.parse(`${m[1]}T${m[2]}${m[3] ?? ''}${off}`) + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
}

const setlTime: FieldCheck<SetlTime | null> = (v, issue) => {
  if (v === undefined) {
    issue('缺少结算时间 required field missing');
    return null;
  }
  const t = parseSetlTime(v);
  if (!t) {
    issue(`时间无效 not a date-time (ISO 8601 or yyyy-MM-dd HH:mm:ss): "${String(v)}"`);
    return null;
  }
  const w = ingestWindow();
  // a Shanghai literal starts with its local date: compared as it is (nearly every row), no string made
  const local = t.literal.endsWith('+08') ? t.literal : shanghaiLocal(t);
  if (local < w.from || local > w.toEnd) {
    issue(`结算时间 setl_time ${local.slice(0, 19)} 不在可导入的日期范围 ${w.from} 至 ${w.to} 内`);
    return null;
  }
  return t;
};

const intDays: FieldCheck<number | null> = (v, issue) => {
  if (v === undefined) return null;
  const s = str(v).trim();
  if (!/^\d{1,4}$/.test(s)) {
    issue(`用药天数应为非负整数 expected whole days: "${s}"`);
    return null;
  }
  return Number(s);
};

export const SETTLEMENT_FIELDS = {
  setl_id: text(true),
  init_setl_id: text(false),
  psn_no: text(true),
  psn_type: psnType(true),
  admdvs: region(true),
  setl_time: setlTime,
  fixmedins_code: text(true),
  fixmedins_type: instType(true),
  hosp_lv: hospLv(true),
  fee_class: feeClass,
  med_type: medType,
  insutype: text(false, 8),
  mdtrt_id: text(false),
  dise_codg: text(false),
  gend,
  brdy: birthDate,
  medfee_sumamt: amount(true),
  inscp_scp_amt: amount(true),
  fulamt_ownpay_amt: amount(false),
  preselfpay_amt: amount(false),
  act_pay_dedc: amount(false),
  hifp_pay: amount(false),
  acct_pay: amount(false),
  psn_cash_pay: amount(false),
  refd_setl_flag: flag(),
  designated: flag(),
  emergency: flag(),
  has_card: flag(),
  rx_from_designated: flag(),
  out_of_area_temporary: flag(),
  in_arrears: flag(),
  inpatient_overlap: flag(),
  suspended: flag(),
  chronic: flag(),
};

export const DETAIL_FIELDS = {
  feedetl_sn: text(true),
  setl_id: text(true),
  med_chrgitm_type: chrgitmType,
  chrgitm_lv: chrgitmLv,
  hilist_code: text(false),
  hilist_name: text(false, 200),
  medins_list_codg: text(false),
  cnt: decimal,
  pric: decimal,
  det_item_fee_sumamt: amount(true),
  bilg_dr_codg: text(false),
  bilg_dept_codg: text(false),
  medc_days: intDays,
};

export const INSTITUTION_FIELDS = {
  region_code: region(true),
  fixmedins_code: text(true),
  fixmedins_name: text(false, 200),
  fixmedins_type: instType(false),
  hosp_lv: hospLv(false),
  fee_class: feeClass,
  designated: flag(),
  annual_budget: amount(false),
};

export const DOCTOR_FIELDS = {
  region_code: region(true),
  dr_codg: text(true),
  dr_name: text(false, 100),
  fixmedins_code: text(false),
  dept_codg: text(false),
};

export const PERSON_FIELDS = {
  region_code: region(true),
  psn_no: text(true),
  psn_name: text(false, 100),
  certno: text(false),
  psn_type: psnType(true),
  gend,
  brdy: birthDate,
  insutype: text(false, 8),
};

/**
 * Amounts a record cannot have (issue 18): checks across the fields of a row whose fields are each valid, run by both
 * the zod schema and the fast path. A problem is reported on the field that carries it, with the numbers.
 */
type RowIssue = (field: string, message: string) => void;
type CrossCheck = (row: Record<string, unknown>, issue: RowIssue) => void;

/** fen → "1,234.56" (a message's number; the sign kept) */
function yuanText(fen: number): string {
  const a = Math.abs(fen);
  const y = String(Math.floor(a / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${fen < 0 ? '-' : ''}${y}.${String(a % 100).padStart(2, '0')}`;
}

/** the settlement's amounts, as the column names of an NHSA extract call them */
const AMOUNT_LABELS = {
  medfee_sumamt: '医疗费总额',
  inscp_scp_amt: '符合政策范围金额',
  fulamt_ownpay_amt: '全自费金额',
  preselfpay_amt: '先行自付金额',
  act_pay_dedc: '实际支付起付线',
  hifp_pay: '统筹基金支出',
  acct_pay: '个人账户支出',
  psn_cash_pay: '个人现金支出',
} as const;
type AmountField = keyof typeof AMOUNT_LABELS;
const AMOUNT_FIELDS = Object.keys(AMOUNT_LABELS) as AmountField[];
/** the parts of the bill: none alone can be more than it */
const PART_FIELDS = AMOUNT_FIELDS.filter((f) => f !== 'medfee_sumamt');
/** who paid the bill: fund + personal account + cash (NHSA: medfee_sumamt = fund payments + acct_pay + psn_cash_pay) */
const PAYER_FIELDS = ['hifp_pay', 'acct_pay', 'psn_cash_pay'] as const;
type SettlementAmounts = Record<AmountField, number | null> & { refd_setl_flag: boolean | null };
const named = (f: AmountField) => `${AMOUNT_LABELS[f]} ${f}`;
/**
 * Parts rounded to the fen each may add up to 1 fen more than the bill rounded once (half-up rounding moves each part
 * by less than ½ fen up and the bill by at most ½ fen down: less than 2 fen in all); a single part never exceeds it.
 */
const SUM_ROUNDING_FEN = 1;

const within = (v: number | null, bill: number) => v === null || (v >= 0 && v <= bill);
/**
 * The usual row (no reversal, every amount within the bill) accepted by reading each field by name, without the
 * loops of reportSettlementAmounts, which finds nothing to report in exactly these rows (tested).
 */
export function plainSettlement(s: SettlementAmounts, bill: number): boolean {
  if (s.refd_setl_flag === true || bill < 0) return false;
  const inscp = s.inscp_scp_amt;
  const own = s.fulamt_ownpay_amt;
  const dedc = s.act_pay_dedc;
  const hifp = s.hifp_pay;
  const acct = s.acct_pay;
  const cash = s.psn_cash_pay;
  return (
    within(inscp, bill) && within(own, bill) && within(s.preselfpay_amt, bill) && within(dedc, bill) && within(hifp, bill) && within(acct, bill) && within(cash, bill) &&
    (hifp ?? 0) + (acct ?? 0) + (cash ?? 0) <= bill + SUM_ROUNDING_FEN &&
    (own === null || inscp === null || own + inscp <= bill + SUM_ROUNDING_FEN) &&
    (dedc === null || inscp === null || dedc <= inscp)
  );
}

/**
 * A settlement's amounts: none below zero, except in a reversal (refd_setl_flag 1) whose amounts all share the sign of
 * its medfee_sumamt (the NHSA reversal row carries them negated; the same-id form re-sends the original's, positive).
 * In either sign (by magnitude): no part above the bill; fund + account + cash, and 全自费 + 符合政策范围, not above
 * it by more than SUM_ROUNDING_FEN; the deductible paid not above the in-scope amount it was taken from.
 */
export function reportSettlementAmounts(row: Record<string, unknown>, issue: RowIssue): void {
  const s = row as SettlementAmounts;
  const total = s.medfee_sumamt;
  if (total === null) return;
  const refund = s.refd_setl_flag === true;
  const sign = refund && total < 0 ? -1 : 1;
  let bad = false;
  for (const f of AMOUNT_FIELDS) {
    const v = s[f];
    if (v === null || v * sign >= 0) continue;
    bad = true;
    issue(
      f,
      refund
        ? `退费结算的${named(f)} ${yuanText(v)} 元与医疗费总额 medfee_sumamt ${yuanText(total)} 元正负号相反；退费结算的各项金额应同为负数（或同为正数）`
        : `${named(f)} ${yuanText(v)} 元为负数；只有退费结算（refd_setl_flag 为 1）的金额可以为负`,
    );
  }
  if (bad) return;
  const bill = total * sign;
  for (const f of PART_FIELDS) {
    const v = s[f];
    if (v === null || v * sign <= bill) continue;
    bad = true;
    issue(f, `${named(f)} ${yuanText(v)} 元超过医疗费总额 medfee_sumamt ${yuanText(total)} 元`);
  }
  if (bad) return;
  const payers = PAYER_FIELDS.filter((f) => s[f] !== null);
  const paid = payers.reduce((a, f) => a + (s[f] ?? 0), 0);
  if (payers.length > 1 && paid * sign > bill + SUM_ROUNDING_FEN)
    issue(
      payers[payers.length - 1] as AmountField,
      `${payers.map(named).join('、')} 之和 ${yuanText(paid)} 元超过医疗费总额 medfee_sumamt ${yuanText(total)} 元（分项舍入最多相差 0.01 元）`,
    );
  const own = s.fulamt_ownpay_amt;
  const inscp = s.inscp_scp_amt;
  if (own !== null && inscp !== null && (own + inscp) * sign > bill + SUM_ROUNDING_FEN)
    issue(
      'inscp_scp_amt',
      `${named('fulamt_ownpay_amt')} ${yuanText(own)} 元与${named('inscp_scp_amt')} ${yuanText(inscp)} 元之和超过医疗费总额 medfee_sumamt ${yuanText(total)} 元`,
    );
  const dedc = s.act_pay_dedc;
  if (dedc !== null && inscp !== null && dedc * sign > inscp * sign)
    issue('act_pay_dedc', `${named('act_pay_dedc')} ${yuanText(dedc)} 元超过${named('inscp_scp_amt')} ${yuanText(inscp)} 元`);
}
const settlementAmounts: CrossCheck = (row, issue) => {
  const s = row as SettlementAmounts;
  if (s.medfee_sumamt !== null && !plainSettlement(s, s.medfee_sumamt)) reportSettlementAmounts(row, issue);
};

const SCALE = [10_000, 1000, 100, 10, 1];
/** decimals the last tenThousandths() text was written with */
let decimalsRead = 0;
/**
 * A decimal text of DECIMAL_RE as an integer of 1/10000 units, read by character code (a fee line has two); exact
 * up to 15 digits, which lineFen checks before trusting a product.
 */
function tenThousandths(s: string): number {
  let i = 0;
  let neg = false;
  const c0 = s.charCodeAt(0);
  if (c0 === 45 || c0 === 43) {
    neg = c0 === 45;
    i = 1;
  }
  let v = 0;
  let dec = -1;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) dec = 0;
    else {
      v = v * 10 + (c - 48);
      if (dec >= 0) dec++;
    }
  }
  decimalsRead = dec < 0 ? 0 : dec;
  v *= SCALE[decimalsRead] as number;
  return neg ? -v : v;
}
/** the same as a bigint, exact at any length */
function bigTenThousandths(s: string): bigint {
  const [int = '', frac = ''] = s.replace('+', '').split('.');
  return BigInt(`${int}${frac.padEnd(4, '0')}`);
}

/** cnt × pric in fen, rounded half away from zero (a refund line's negative amount rounds as its positive one) */
function lineFen(cnt: string, c: number, pric: string, p: number): number {
  const product = c * p; // 1/100,000,000 yuan = 1/1,000,000 fen
  if (Number.isSafeInteger(product)) return Math.sign(product) * Math.floor((Math.abs(product) + 500_000) / 1_000_000);
  const b = bigTenThousandths(cnt) * bigTenThousandths(pric);
  const a = b < 0n ? -b : b;
  const fen = Number((a + 500_000n) / 1_000_000n);
  return b < 0n ? -fen : fen;
}

/**
 * A fee line: the unit price is never negative (a refund line, 退费明细, has a negative cnt and amount); when cnt and
 * pric are both given, det_item_fee_sumamt is cnt × pric rounded half-up to the fen, give or take 1 fen plus what the
 * unit price's own rounding can make of it: |cnt| × ½ unit of pric's last decimal as written (at least the fen's,
 * as a price is known to the fen at least; the platform keeps more decimals than an extract may show).
 */
const detailAmounts: CrossCheck = (row, issue) => {
  const d = row as { cnt: string | null; pric: string | null; det_item_fee_sumamt: number | null };
  if (d.pric === null) return;
  const p = tenThousandths(d.pric);
  const pricDecimals = decimalsRead;
  if (p < 0) {
    issue('pric', `单价 pric ${d.pric} 为负数；退费明细以负的数量 cnt 和费用总额表示，单价不为负`);
    return;
  }
  const sum = d.det_item_fee_sumamt;
  if (d.cnt === null || sum === null) return;
  const c = tenThousandths(d.cnt);
  const fen = lineFen(d.cnt, c, d.pric, p);
  const allowed = 1 + Math.floor((Math.abs(c) * 5) / 10 ** (Math.max(2, pricDecimals) + 3));
  if (Math.abs(fen - sum) > allowed)
    issue(
      'det_item_fee_sumamt',
      `明细项目费用总额 det_item_fee_sumamt ${yuanText(sum)} 元与数量 cnt ${d.cnt} × 单价 pric ${d.pric} = ${yuanText(fen)} 元不符（允许相差 ${yuanText(allowed)} 元）`,
    );
};

type Fields = Record<string, FieldCheck<unknown>>;
type Out<F extends Fields> = { [K in keyof F]: ReturnType<F[K]> };

function zodOf<F extends Fields>(fields: F, cross?: CrossCheck) {
  const shape = {} as { [K in keyof F]: z.ZodType<ReturnType<F[K]>, unknown> };
  for (const k of Object.keys(fields) as Array<keyof F>) {
    const check = fields[k] as F[keyof F];
    shape[k] = z
      .unknown()
      .optional()
      .transform((v, ctx) => check(v, (message) => ctx.addIssue({ code: 'custom', message }))) as unknown as z.ZodType<ReturnType<F[typeof k]>, unknown>;
  }
  const object = z.object(shape);
  if (!cross) return object;
  // only a row whose every field passed (as the fast path): `when` runs it on no other
  return object.check(
    z.superRefine((row, ctx) => cross(row as Record<string, unknown>, (field, message) => ctx.addIssue({ code: 'custom', path: [field], message })), {
      when: (payload) => payload.issues.length === 0,
    }),
  );
}

export const settlementSchema = zodOf(SETTLEMENT_FIELDS, settlementAmounts);
export const detailSchema = zodOf(DETAIL_FIELDS, detailAmounts);
export const institutionSchema = zodOf(INSTITUTION_FIELDS);
export const doctorSchema = zodOf(DOCTOR_FIELDS);
export const personSchema = zodOf(PERSON_FIELDS);

/** The hot path: the same checks without zod's machinery; null when any field has an issue (zod then writes the messages). */
const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
/**
 * The row function is generated once per schema (as zod 4 compiles its object parsers): each field read and written by
 * name, the output an object literal. A loop over the field names would make every read and write a keyed access with
 * a different key (V8's megamorphic path, ~5 % of the ingest's CPU). The field names are this module's own identifiers.
 */
function fastRowOf<F extends Fields>(fields: F, cross?: CrossCheck): (values: Record<string, unknown>) => Out<F> | null {
  const keys = Object.keys(fields);
  const bad = keys.find((k) => !IDENTIFIER.test(k));
  if (bad) throw new Error(`field name ${bad} is not an identifier`);
  const checks = keys.map((k) => fields[k] as FieldCheck<unknown>);
  const make = new Function(
    'checks',
    'cross',
    `let failed = false;
     const issue = () => { failed = true; };
     const [${keys.map((_, i) => `c${i}`).join(', ')}] = checks;
     return (values) => {
       failed = false;
       const out = { ${keys.map((k, i) => `${k}: c${i}(values.${k}, issue)`).join(', ')} };
       if (!failed && cross !== undefined) cross(out, issue);
       return failed ? null : out;
     };`,
  ) as (checks: Array<FieldCheck<unknown>>, cross: CrossCheck | undefined) => (values: Record<string, unknown>) => Out<F> | null;
  return make(checks, cross);
}
export const FAST = {
  settlements: fastRowOf(SETTLEMENT_FIELDS, settlementAmounts),
  details: fastRowOf(DETAIL_FIELDS, detailAmounts),
  institutions: fastRowOf(INSTITUTION_FIELDS),
  doctors: fastRowOf(DOCTOR_FIELDS),
  persons: fastRowOf(PERSON_FIELDS),
} as const;

export type SettlementRow = z.output<typeof settlementSchema>;
export type DetailRow = z.output<typeof detailSchema>;
export type InstitutionRow = z.output<typeof institutionSchema>;
export type DoctorRow = z.output<typeof doctorSchema>;
export type PersonRow = z.output<typeof personSchema>;

export const SCHEMAS = {
  settlements: settlementSchema,
  details: detailSchema,
  institutions: institutionSchema,
  doctors: doctorSchema,
  persons: personSchema,
} as const;

export interface RowError {
  file: string;
  row: number;
  field: string;
  message: string;
  value?: string;
}

const IS_KNOWN = Object.fromEntries(
  Object.entries(KNOWN_FIELDS).map(([kind, fields]) => {
    const known = new Set(fields);
    return [kind, keyTestByPosition((k) => known.has(k))];
  }),
) as Record<Kind, (key: string, position: number) => boolean>;

/** Fields of a record the contract does not name; kept in `extra` rather than rejected. */
export function extraOf(kind: Kind, values: Record<string, unknown>): Record<string, unknown> | null {
  const isKnown = IS_KNOWN[kind];
  let extra: Record<string, unknown> | null = null;
  let i = 0;
  for (const k in values) if (!isKnown(k, i++)) (extra ??= {})[k] = values[k];
  return extra;
}

export type ValidateResult<K extends Kind> =
  | { ok: true; value: z.output<(typeof SCHEMAS)[K]>; extra: Record<string, unknown> | null }
  | { ok: false; errors: RowError[] };

export function validateRow<K extends Kind>(kind: K, file: string, row: number, values: Record<string, unknown>): ValidateResult<K> {
  if (typeof values.__error === 'string') return { ok: false, errors: [{ file, row, field: '*', message: values.__error }] };
  // persons and doctors files often say 医保区划 (admdvs) for their region
  if ((kind === 'persons' || kind === 'doctors' || kind === 'institutions') && values.region_code === undefined && values.admdvs !== undefined) {
    values.region_code = values.admdvs;
    delete values.admdvs;
  }
  const fast = FAST[kind](values);
  if (fast) return { ok: true, value: fast as unknown as z.output<(typeof SCHEMAS)[K]>, extra: extraOf(kind, values) };
  const r = SCHEMAS[kind].safeParse(values);
  if (!r.success) {
    return {
      ok: false,
      errors: r.error.issues.map((i) => {
        const field = String(i.path[0] ?? '*');
        const v = values[field];
        return { file, row, field, message: i.message, value: v === undefined ? undefined : String(v).slice(0, 200) };
      }),
    };
  }
  return { ok: true, value: r.data as z.output<(typeof SCHEMAS)[K]>, extra: extraOf(kind, values) };
}
