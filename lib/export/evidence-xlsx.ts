/** The evidence claims and fee lines as XLSX with Chinese headers (exceljs), amounts in 元 as numbers shown with thousands separators. */
import ExcelJS from 'exceljs';

export interface Column {
  header: string;
  key: string;
  width?: number;
  money?: boolean;
}

export async function renderXlsx(sheets: Array<{ name: string; columns: Column[]; rows: Array<Record<string, unknown>> }>, created: Date): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = '门诊统筹基金监管系统';
  wb.created = created;
  wb.modified = created;
  for (const s of sheets) {
    const ws = wb.addWorksheet(s.name, { views: [{ state: 'frozen', ySplit: 1 }] });
    ws.columns = s.columns.map((c) => ({ header: c.header, key: c.key, width: c.width ?? 14, style: c.money ? { numFmt: '#,##0.00' } : {} }));
    ws.getRow(1).font = { bold: true };
    for (const r of s.rows) ws.addRow(r);
  }
  const buf = await wb.xlsx.writeBuffer();
  return Buffer.from(buf as ArrayBuffer);
}
