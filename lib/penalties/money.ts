/** Money crosses the boundary as decimal yuan strings and lives inside as integer fen. */
import { InputError } from '../errors';

/** "1234.5" → 123450. Up to two decimals; sign refused here so the message can name the field. */
export function parseYuan(value: string | number, field: string): number {
  const s = String(value).trim();
  if (/^-/.test(s)) throw new InputError(`${field} 不能为负数 must not be negative: ${s}`, { field });
  const m = /^(\d{1,13})(?:\.(\d{1,2}))?$/.exec(s);
  if (!m) throw new InputError(`${field} 应为金额（元，最多两位小数）expected yuan with at most two decimals: ${s || '(empty)'}`, { field });
  const [, whole = '0', frac = ''] = m;
  return Number(whole) * 100 + Number(frac.padEnd(2, '0'));
}

/**
 * A multiple such as "2.5" as hundredths (250), exactly: at most two decimals, so damages stay exact in fen.
 */
export function parseMultiple(value: string | number, field: string): number {
  const s = String(value).trim();
  const m = /^(\d{1,3})(?:\.(\d{1,2}))?$/.exec(s);
  if (!m) throw new InputError(`${field} 应为倍数（最多两位小数）expected a multiple with at most two decimals: ${s || '(empty)'}`, { field });
  const [, whole = '0', frac = ''] = m;
  return Number(whole) * 100 + Number(frac.padEnd(2, '0'));
}

/** amount × multiple, half-up to the fen. */
export function times(amountFen: number, multipleHundredths: number): number {
  return Math.round((amountFen * multipleHundredths) / 100);
}
