/** Calendar arithmetic on ISO dates (YYYY-MM-DD), in UTC so no time zone can shift a day. */
import { InputError } from '../errors';
import { fieldZh } from './money';

export function parseIsoDate(value: string, field: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value.trim());
  const d = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : undefined;
  if (!m || !d || d.getUTCFullYear() !== Number(m[1]) || d.getUTCMonth() !== Number(m[2]) - 1 || d.getUTCDate() !== Number(m[3])) {
    throw new InputError(`${fieldZh(field)}应为有效日期（年-月-日，如 2026-01-31）：${value || '（空）'}`, { field });
  }
  return value.trim();
}

function parts(iso: string): [number, number, number] {
  const [y = '0', m = '0', d = '0'] = iso.split('-');
  return [Number(y), Number(m), Number(d)];
}

function fmt(d: Date): string {
  return d.toISOString().slice(0, 10);
}

export function lastDayOfMonth(year: number, month1: number): number {
  return new Date(Date.UTC(year, month1, 0)).getUTCDate();
}

/**
 * start + n calendar months; when the target month is shorter, the month's last day
 * (2024-01-31 + 1 → 2024-02-29, 2023-01-31 + 1 → 2023-02-28, 2024-02-29 + 12 → 2025-02-28).
 */
export function addMonths(iso: string, n: number): string {
  const [y, m, d] = parts(iso);
  const total = y * 12 + (m - 1) + n;
  const ty = Math.floor(total / 12);
  const tm = (total % 12) + 1;
  return fmt(new Date(Date.UTC(ty, tm - 1, Math.min(d, lastDayOfMonth(ty, tm)))));
}

export function addDays(iso: string, n: number): string {
  const [y, m, d] = parts(iso);
  return fmt(new Date(Date.UTC(y, m - 1, d + n)));
}

/** The n-th working day after `iso` (Saturdays, Sundays and the listed holidays do not count). */
export function addWorkingDays(iso: string, n: number, holidays: readonly string[]): string {
  const off = new Set(holidays);
  let cur = iso;
  let left = n;
  while (left > 0) {
    cur = addDays(cur, 1);
    const dow = new Date(`${cur}T00:00:00Z`).getUTCDay();
    if (dow !== 0 && dow !== 6 && !off.has(cur)) left -= 1;
  }
  return cur;
}

/** Today in Asia/Shanghai. */
export function todayShanghai(now = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}
