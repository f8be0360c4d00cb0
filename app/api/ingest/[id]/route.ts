/** GET /api/ingest/{id}: the batch's status and progress (rows read so far while running), its error and warning counts. */
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
  const r = await db.$client.query(
    `select id, file_name, kind, format, status, strict, rows, inserted, updated, unchanged, rejected, reversed, months, region_codes,
       message, started_at, finished_at,
       (select count(*)::int from ingest_errors e where e.batch_id = b.id and e.severity = 'error') as errors,
       (select count(*)::int from ingest_errors e where e.batch_id = b.id and e.severity = 'warning') as warnings
     from ingest_batches b where id = $1 and (user_id = $2 or $3)`,
    [id.data, actor.userId, actor.role === 'admin' || actor.regions.includes('*')],
  );
  const b = r.rows[0];
  if (!b) return NextResponse.json({ error: '批次不存在或无权查看' }, { status: 404 });
  return NextResponse.json(b);
}
