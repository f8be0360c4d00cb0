/**
 * RFC 4180 CSV with a UTF-8 BOM, so Excel and WPS open Chinese text correctly. Every CSV the product
 * writes goes through `toCsv` / `csvCell`, so formula neutralisation happens in one place.
 *
 * Formula injection (CWE-1236): a spreadsheet runs a text cell that starts with = + - @ (or their
 * full-width forms, which Excel/WPS with a Chinese IME also accept) or with a tab/CR as a formula, e.g.
 * `=HYPERLINK(…)` in an institution's name. Such text cells get a leading apostrophe, which the
 * spreadsheet shows as text. Numbers are never changed: a JS number, or a string that is exactly a
 * plain decimal (`-123.45`, how amounts in yuan are written), stays as is, so a negative amount is
 * still a number in Excel; anything else (`-1+1`, `-2+3+cmd|…`) is text and is neutralised.
 */
export type CsvValue = string | number | bigint | null | undefined;

const PLAIN_NUMBER = /^-?\d+(\.\d+)?$/;
// leading whitespace or control characters do not hide a trigger character behind them
const FORMULA_START = /^[\s\u0000-\u001f]*[=+\-@\uff1d\uff0b\uff0d\uff20]|^[\t\r\n]/;

/** The text a cell carries, neutralised if a spreadsheet would read it as a formula. */
export function neutraliseFormula(v: CsvValue): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (PLAIN_NUMBER.test(v)) return v;
  return FORMULA_START.test(v) ? `'${v}` : v;
}

/** One CSV field: neutralised, then quoted when it holds a quote, comma, tab or line break. */
export function csvCell(v: CsvValue): string {
  const s = neutraliseFormula(v);
  return /[",\t\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(header: string[], rows: Array<Array<CsvValue>>): Buffer {
  const text = [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
  return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
}
