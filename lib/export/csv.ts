/** RFC 4180 CSV with a UTF-8 BOM, so Excel and WPS open Chinese text correctly. */
export function toCsv(header: string[], rows: Array<Array<string | number | null | undefined>>): Buffer {
  const cell = (v: string | number | null | undefined) => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const text = [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
  return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
}
