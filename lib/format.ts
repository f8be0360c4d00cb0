/**
 * Number formatting as Chinese inspectors read it: money in 元 with two decimals (amounts are stored
 * as integer fen), 万元 once a sum reaches 10 万, percentages with one decimal, thousands separators.
 * Pure functions: used by server pages, client tables, charts and exports alike.
 */

const grouped2 = new Intl.NumberFormat('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const grouped0 = new Intl.NumberFormat('zh-CN', { maximumFractionDigits: 0 });

const missing = (v: number | null | undefined): v is null | undefined => v === null || v === undefined || !Number.isFinite(v);

/** 1234567 fen → "12,345.67 元" (always 元, two decimals). */
export function yuan(fen: number | null | undefined): string {
  if (missing(fen)) return '—';
  return `${grouped2.format(fen / 100)} 元`;
}

/** Large sums in 万元: 123456789 fen → "123.46 万元". */
export function wan(fen: number | null | undefined): string {
  if (missing(fen)) return '—';
  return `${grouped2.format(fen / 100 / 10000)} 万元`;
}

/** 元 below 10 万元, 万元 from there on (the way a report reads). */
export function money(fen: number | null | undefined): string {
  if (missing(fen)) return '—';
  return Math.abs(fen) >= 100000 * 100 ? wan(fen) : yuan(fen);
}

/**
 * Exact decimal 元 from integer fen, no separators, no unit: 123450 → "1234.50", -5 → "-0.05".
 * Integer arithmetic on the digits, so it is right to the fen at any size (the CLI contract's style).
 */
export function yuanDecimal(fen: number): string {
  const a = Math.abs(Math.round(fen));
  return `${fen < 0 && a > 0 ? '-' : ''}${Math.floor(a / 100)}.${String(a % 100).padStart(2, '0')}`;
}

/** Plain amount in 元 without the unit, for table cells and exports: "12345.67" ('' when missing). */
export function yuanPlain(fen: number | null | undefined): string {
  if (missing(fen)) return '';
  return yuanDecimal(fen);
}

/** A ratio (0.123) → "12.3%". */
export function pct(ratio: number | null | undefined): string {
  if (missing(ratio)) return '—';
  return `${(ratio * 100).toFixed(1)}%`;
}

/** A growth ratio (0.123) → "+12.3%". */
export function growth(ratio: number | null | undefined): string {
  if (missing(ratio)) return '—';
  const s = (ratio * 100).toFixed(1);
  return `${ratio > 0 ? '+' : ''}${s}%`;
}

/** Counts: 12345 → "12,345". */
export function count(n: number | null | undefined): string {
  if (missing(n)) return '—';
  return grouped0.format(n);
}

/** Any number with fixed decimals and separators. */
export function num(n: number | null | undefined, digits = 2): string {
  if (missing(n)) return '—';
  return new Intl.NumberFormat('zh-CN', { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(n);
}

/** '2024-03' → '2024年3月', '2024-Q2' → '2024年第2季度', '2024' → '2024年'. */
export function periodLabel(key: string): string {
  let m = /^(\d{4})-(\d{2})(?:-\d{2})?$/.exec(key);
  if (m) return `${m[1]}年${Number(m[2])}月`;
  m = /^(\d{4})-Q(\d)$/.exec(key);
  if (m) return `${m[1]}年第${m[2]}季度`;
  if (/^\d{4}$/.test(key)) return `${key}年`;
  return key;
}

/** '2024-03-01' → '24/03' (compact chart axis label). */
export function monthTick(isoDate: string): string {
  return `${isoDate.slice(2, 4)}/${isoDate.slice(5, 7)}`;
}

/** Amount in 元 with separators and no unit, for PDF and e-mail text beside their own "元": 1079954 → "10,799.54". */
export function yuanGrouped(fen: number | null | undefined): string {
  if (missing(fen)) return '—';
  return grouped2.format(fen / 100);
}

// Every date and time a user reads is Asia/Shanghai (the inspectors' clock), whatever the server's TZ.
const shanghaiParts = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

function toDate(v: Date | string | number): Date {
  return v instanceof Date ? v : new Date(v);
}

function parts(d: Date): Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', string> {
  const p = shanghaiParts.formatToParts(d);
  const get = (t: string) => p.find((x) => x.type === t)?.value ?? '';
  return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour'), minute: get('minute'), second: get('second') };
}

/** A timestamp → 'YYYY-MM-DD HH:mm' in Asia/Shanghai. */
export function dateTime(v: Date | string | null | undefined): string {
  if (!v) return '—';
  const d = toDate(v);
  if (Number.isNaN(d.getTime())) return String(v);
  const p = parts(d);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

/** A timestamp → 'YYYY-MM-DD HH:mm:ss' in Asia/Shanghai ('' when missing): evidence and audit rows. */
export function dateTimeSeconds(v: Date | string | null | undefined): string {
  if (!v) return '';
  const d = toDate(v);
  if (Number.isNaN(d.getTime())) return String(v);
  const p = parts(d);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

/** ISO 8601 with the Shanghai offset (no daylight saving): '2026-12-02T07:41:05+08:00', for machine-read files. */
export function isoShanghai(v: Date): string {
  return `${dateTimeSeconds(v).replace(' ', 'T')}+08:00`;
}

/**
 * The calendar day in Asia/Shanghai: 'YYYY-MM-DD'. For lists and file names — never `toISOString().slice(0, 10)`,
 * which is the UTC day (2026-12-01 for 2026-12-02 07:41 in Shanghai). A plain 'YYYY-MM-DD' string is a day already.
 */
export function dateOnly(v: Date | string | number | null | undefined): string {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v)) return v;
  const d = toDate(v);
  if (Number.isNaN(d.getTime())) return String(v);
  const p = parts(d);
  return `${p.year}-${p.month}-${p.day}`;
}

/**
 * The Chinese part of a validator message: they are written "中文 english detail" for the CLI's log readers
 * ('金额无效 not an amount in yuan…', '结算时间无效 (invalid setl_time) …'); the page shows what precedes the English.
 */
export function chinesePart(message: string): string {
  const m = /^(.*?[\u4e00-\u9fff][^A-Za-z]*?)\s*\(?[A-Za-z]+ [A-Za-z]+/.exec(message);
  const head = m?.[1]?.replace(/[\s:：(（]+$/, '');
  return head && /[\u4e00-\u9fff]/.test(head) ? head : message;
}
