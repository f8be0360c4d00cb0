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

/** A timestamp → 'YYYY-MM-DD HH:mm' in Asia/Shanghai. */
export function dateTime(v: Date | string | null | undefined): string {
  if (!v) return '—';
  const d = typeof v === 'string' ? new Date(v) : v;
  if (Number.isNaN(d.getTime())) return String(v);
  const parts = new Intl.DateTimeFormat('zh-CN', {
    timeZone: 'Asia/Shanghai',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  }).formatToParts(d);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}`;
}
