/**
 * The period picker's model. A period is a month ('2024-03'), a quarter ('2024-Q2') or a year
 * ('2024'); every dashboard query reads it as a list of month starts, so the rollup tables (one row
 * per month) and the month-partitioned facts are pruned to exactly those months.
 */
import { InputError } from '../errors';

export interface Period {
  key: string;
  kind: 'month' | 'quarter' | 'year';
  /** first month start, 'YYYY-MM-01' */
  from: string;
  /** last month start, 'YYYY-MM-01' (inclusive) */
  to: string;
  /** last day of the period, 'YYYY-MM-DD' */
  end: string;
  months: string[];
}

const pad = (n: number) => String(n).padStart(2, '0');
const monthStart = (y: number, m: number) => `${y}-${pad(m)}-01`;

function addMonths(iso: string, n: number): string {
  const y = Number(iso.slice(0, 4));
  const m = Number(iso.slice(5, 7)) - 1 + n;
  const yy = y + Math.floor(m / 12);
  const mm = ((m % 12) + 12) % 12;
  return monthStart(yy, mm + 1);
}

function lastDay(monthIso: string): string {
  const y = Number(monthIso.slice(0, 4));
  const m = Number(monthIso.slice(5, 7));
  const d = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return `${y}-${pad(m)}-${pad(d)}`;
}

function span(key: string, kind: Period['kind'], from: string, n: number): Period {
  const months = Array.from({ length: n }, (_, i) => addMonths(from, i));
  const to = months[months.length - 1] ?? from;
  return { key, kind, from, to, end: lastDay(to), months };
}

/** Parses a period key; throws InputError naming the field on anything else. */
export function parsePeriod(key: string): Period {
  let m = /^(\d{4})-(\d{2})$/.exec(key);
  if (m && Number(m[2]) >= 1 && Number(m[2]) <= 12) return span(key, 'month', monthStart(Number(m[1]), Number(m[2])), 1);
  m = /^(\d{4})-Q([1-4])$/.exec(key);
  if (m) return span(key, 'quarter', monthStart(Number(m[1]), (Number(m[2]) - 1) * 3 + 1), 3);
  m = /^(\d{4})$/.exec(key);
  if (m) return span(key, 'year', monthStart(Number(m[1]), 1), 12);
  throw new InputError(`期间格式不正确：${key}（应为 2024-03、2024-Q2 或 2024）`, { field: 'period' });
}

/** The period of the same length just before (for growth). */
export function previousPeriod(p: Period): Period {
  const n = p.months.length;
  const from = addMonths(p.from, -n);
  const y = from.slice(0, 4);
  const mo = Number(from.slice(5, 7));
  const key = p.kind === 'month' ? from.slice(0, 7) : p.kind === 'quarter' ? `${y}-Q${Math.floor((mo - 1) / 3) + 1}` : y;
  return span(key, p.kind, from, n);
}

/** The quarter that contains a month start ('2024-11-01' → '2024-Q4'). */
export function quarterOf(monthIso: string): string {
  return `${monthIso.slice(0, 4)}-Q${Math.floor((Number(monthIso.slice(5, 7)) - 1) / 3) + 1}`;
}

/** `n` month starts ending with `to` (trend charts). */
export function monthsEnding(to: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => addMonths(to, i - n + 1));
}

/** Picker options for the months that have data: every month, quarter and year, newest first. */
export function periodOptions(dataMonths: string[]): Array<{ key: string; label: string }> {
  const months = [...new Set(dataMonths)].sort().reverse();
  const out: Array<{ key: string; label: string }> = [];
  const seen = new Set<string>();
  const add = (key: string, label: string) => {
    if (!seen.has(key)) {
      seen.add(key);
      out.push({ key, label });
    }
  };
  for (const m of months) add(m.slice(0, 4), `${m.slice(0, 4)}年`);
  for (const m of months) add(quarterOf(m), `${m.slice(0, 4)}年第${quarterOf(m).slice(-1)}季度`);
  for (const m of months) add(m.slice(0, 7), `${m.slice(0, 4)}年${Number(m.slice(5, 7))}月`);
  return out;
}
