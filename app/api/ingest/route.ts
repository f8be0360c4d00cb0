/**
 * POST /api/ingest?name=FILE[&strict=1][&format=csv|xlsx|ndjson]: the request body is the file. It is
 * streamed to DATA_DIR/uploads (never buffered whole), a batch is created at once and its id
 * returned (202); the load runs on, and GET /api/ingest/{id} reports its progress.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { randomUUID } from 'node:crypto';
import { NextResponse } from 'next/server';
import { z } from 'zod';
import { getActor } from '@/lib/auth/current';
import { allowed } from '@/lib/cases/allowed';
import { getDb } from '@/lib/db/client';
import { dataDir } from '@/lib/env';
import { createBatch, ingestFiles } from '@/lib/ingest';

export const dynamic = 'force-dynamic';

const query = z.object({
  name: z
    .string()
    .min(1)
    .max(200)
    .regex(/\.(csv|txt|xlsx|ndjson|jsonl|json)$/i, '文件扩展名应为 csv / xlsx / ndjson'),
  strict: z.enum(['0', '1', 'true', 'false']).optional(),
  format: z.enum(['csv', 'xlsx', 'ndjson']).optional(),
});

export async function POST(request: Request) {
  const actor = await getActor();
  if (!actor) return NextResponse.json({ error: '未登录，请先登录' }, { status: 401 });
  if (!allowed(actor, 'ingest')) return NextResponse.json({ error: '您的角色无导入数据权限' }, { status: 403 });
  const url = new URL(request.url);
  const q = query.safeParse(Object.fromEntries(url.searchParams));
  if (!q.success) return NextResponse.json({ error: q.error.issues[0]?.message ?? '请求参数无效', field: q.error.issues[0]?.path.join('.') }, { status: 400 });
  if (!request.body) return NextResponse.json({ error: '上传内容为空' }, { status: 400 });

  const name = path.basename(q.data.name);
  const strict = q.data.strict === '1' || q.data.strict === 'true';
  const dir = path.join(dataDir(), 'uploads');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${randomUUID()}${path.extname(name).toLowerCase()}`);
  const db = await getDb();
  const batchId = await createBatch(db, name, { userId: actor.userId, strict, format: q.data.format });
  try {
    await pipeline(Readable.fromWeb(request.body as unknown as WebReadableStream<Uint8Array>), fs.createWriteStream(file));
  } catch {
    await db.$client.query(`update ingest_batches set status = 'failed', message = $2, finished_at = now() where id = $1`, [batchId, '上传中断，文件未完整接收']);
    fs.rmSync(file, { force: true });
    return NextResponse.json({ error: '上传中断，请重试' }, { status: 400 });
  }
  // the load continues after the response; the page polls GET /api/ingest/{id}
  void ingestFiles(db, [file], { strict, format: q.data.format, userId: actor.userId, regions: actor.regions, displayNames: [name], batchIds: [batchId] })
    .catch(async (e: unknown) => {
      await db.$client
        .query(`update ingest_batches set status = 'failed', message = $2, finished_at = now() where id = $1 and status = 'running'`, [batchId, (e as Error).message.slice(0, 500)])
        .catch(() => undefined);
    })
    .finally(() => fs.rmSync(file, { force: true }));
  return NextResponse.json({ id: batchId, status: 'running' }, { status: 202 });
}
