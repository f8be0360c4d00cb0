/** Money crosses the boundary as decimal yuan strings and lives inside as integer fen. */
import { InputError } from '../errors';

/** How a field of a sanction reads in a message (the field itself stays in InputError.where for the CLI). */
export const PENALTY_FIELD_ZH: Record<string, string> = {
  amount: '违规金额',
  'own-pay': '个人自付金额',
  ownPay: '个人自付金额',
  multiple: '倍数',
  months: '暂停月数',
  start: '暂停起始日期',
  subject: '处罚对象',
  paidOn: '缴款日期',
};

export function fieldZh(field: string): string {
  return PENALTY_FIELD_ZH[field] ?? field;
}

/** "1234.5" → 123450. Up to two decimals; sign refused here so the message can name the field. */
export function parseYuan(value: string | number, field: string, label = fieldZh(field)): number {
  const s = String(value).trim();
  if (/^-/.test(s)) throw new InputError(`${label}不能为负数：${s}`, { field });
  const m = /^(\d{1,13})(?:\.(\d{1,2}))?$/.exec(s);
  if (!m) throw new InputError(`${label}应为金额（元，最多两位小数）：${s || '（空）'}`, { field });
  const [, whole = '0', frac = ''] = m;
  return Number(whole) * 100 + Number(frac.padEnd(2, '0'));
}

/**
 * A multiple such as "2.5" as hundredths (250), exactly: at most two decimals, so damages stay exact in fen.
 */
export function parseMultiple(value: string | number, field: string): number {
  const s = String(value).trim();
  const m = /^(\d{1,3})(?:\.(\d{1,2}))?$/.exec(s);
  if (!m) throw new InputError(`${fieldZh(field)}应为倍数（最多两位小数）：${s || '（空）'}`, { field });
  const [, whole = '0', frac = ''] = m;
  return Number(whole) * 100 + Number(frac.padEnd(2, '0'));
}

/** amount × multiple, half-up to the fen. */
export function times(amountFen: number, multipleHundredths: number): number {
  return Math.round((amountFen * multipleHundredths) / 100);
}
