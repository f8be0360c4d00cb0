/**
 * GET /api/alerts/export?format=xlsx|csv&<filters>: every alert matching the list's filters, as an
 * Excel workbook (exceljs) or a CSV with a UTF-8 BOM (so Excel/WPS read the Chinese). Personal
 * identifiers of insured persons are masked (lib/auth/mask); the export is written to the audit log.
 */
import ExcelJS from 'exceljs';
import { NextResponse, type NextRequest } from 'next/server';
import { audit } from '@/lib/audit';
import { getActor } from '@/lib/auth/current';
import { can } from '@/lib/auth/permissions';
import { alertQueryFrom, EXPORT_HEADER, exportRows } from '@/lib/dashboard/alerts';
import { getDb } from '@/lib/db/client';
import { dateOnly } from '@/lib/format';
import { scoped } from '@/lib/db/scoped';
import { toCsv } from '@/lib/export/csv';

export const dynamic = 'force-dynamic';

export async function GET(req: NextRequest) {
  const actor = await getActor();
  if (!actor) return NextResponse.json({ error: '未登录' }, { status: 401 });
  if (!can(actor, 'export')) return NextResponse.json({ error: '无权导出 (forbidden: export)' }, { status: 403 });
  const sp = Object.fromEntries(req.nextUrl.searchParams);
  const format = sp.format === 'csv' ? 'csv' : 'xlsx';
  const q = alertQueryFrom(sp, actor.userId);
  const db = await getDb();
  const rows = await scoped(db, actor, async (tx) => {
    const r = await exportRows(tx, q);
    await audit(tx, actor, { action: 'export', entity: 'alerts', entityId: format, after: { filters: q.params.filters, rows: r.length } });
    return r;
  });
  // the Shanghai day: just after midnight in Shanghai, the UTC day is still yesterday
  const stamp = dateOnly(new Date());
  const name = `预警清单-${stamp}.${format}`;
  const disposition = `attachment; filename="alerts-${stamp}.${format}"; filename*=UTF-8''${encodeURIComponent(name)}`;
  if (format === 'csv') {
    const buf = toCsv(EXPORT_HEADER, rows);
    return new NextResponse(new Uint8Array(buf), { headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': disposition } });
  }
  const wb = new ExcelJS.Workbook();
  wb.creator = '门诊统筹基金监管';
  const ws = wb.addWorksheet('预警');
  ws.addRow(EXPORT_HEADER).font = { bold: true };
  // 涉及金额 as a number so Excel sums it (CSV keeps the two-decimal text)
  for (const r of rows) ws.addRow(r.map((v, i) => (i === 14 && typeof v === 'string' && v !== '' ? Number(v) : v)));
  ws.views = [{ state: 'frozen', ySplit: 1 }];
  ws.columns.forEach((c, i) => {
    c.width = i === EXPORT_HEADER.length - 1 ? 80 : Math.max(10, (EXPORT_HEADER[i]?.length ?? 8) * 2 + 2);
  });
  ws.getColumn(15).numFmt = '#,##0.00';
  const buf = await wb.xlsx.writeBuffer();
  return new NextResponse(new Uint8Array(buf as ArrayBuffer), {
    headers: { 'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'content-disposition': disposition },
  });
}
