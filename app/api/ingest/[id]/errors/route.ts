/** GET /api/ingest/{id}/errors: the batch's rejected rows and warnings as an XLSX workbook (类别/文件/行号/字段/说明), streamed. */
import { PassThrough, Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { NextResponse } from 'next/server';
import { z } from 'zod';
import { getActor } from '@/lib/auth/current';
import { getDb } from '@/lib/db/client';

export const dynamic = 'force-dynamic';

export async function GET(_request: Request, ctx: { params: Promise<{ id: string }> }) {
  const actor = await getActor();
  if (!actor) return NextResponse.json({ error: '未登录，请先登录' }, { status: 401 });
  const id = z.coerce.number().int().positive().safeParse((await ctx.params).id);
  if (!id.success) return NextResponse.json({ error: '批次号无效' }, { status: 400 });
  const db = await getDb();
  const b = await db.$client.query(`select id, file_name from ingest_batches where id = $1 and (user_id = $2 or $3)`, [
    id.data,
    actor.userId,
    actor.role === 'admin' || actor.regions.includes('*'),
  ]);
  const batch = b.rows[0] as { id: number; file_name: string } | undefined;
  if (!batch) return NextResponse.json({ error: '批次不存在或无权查看' }, { status: 404 });
  const errors = await db.$client.query(
    `select case severity when 'warning' then '警告' else '错误' end as severity, file, row, field, message, value
     from ingest_errors where batch_id = $1 order by row, id`,
    [batch.id],
  );

  const out = new PassThrough();
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: false, useSharedStrings: false });
  const ws = wb.addWorksheet('错误');
  ws.columns = [
    { header: '类别', key: 'severity', width: 8 },
    { header: '文件', key: 'file', width: 30 },
    { header: '行号', key: 'row', width: 8 },
    { header: '字段', key: 'field', width: 20 },
    { header: '说明', key: 'message', width: 60 },
    { header: '原值', key: 'value', width: 30 },
  ];
  void (async () => {
    for (const e of errors.rows as Array<Record<string, unknown>>) ws.addRow(e).commit();
    ws.commit();
    await wb.commit();
  })().catch((e: unknown) => out.destroy(e as Error));
  const name = encodeURIComponent(`导入错误-${batch.id}.xlsx`);
  return new Response(Readable.toWeb(out) as unknown as ReadableStream, {
    headers: {
      'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      'content-disposition': `attachment; filename="errors-${batch.id}.xlsx"; filename*=UTF-8''${name}`,
    },
  });
}
