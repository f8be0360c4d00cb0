/**
 * POST /api/ingest?name=FILE[&strict=1][&format=csv|xlsx|ndjson]: the request body is the file. It is
 * streamed to DATA_DIR/uploads (never buffered whole), a batch is created at once and its id
 * returned (202); the load runs on, and GET /api/ingest/{id} reports its progress.
 * The proxy does not run for this path (proxy.ts): Next would copy the body for it and cut it at 10 MB. A body over
 * OFM_UPLOAD_MAX_BYTES is refused (before it is read when Content-Length says so); one that ends short of its
 * Content-Length is a failed batch, never a loaded file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { randomUUID } from 'node:crypto';
import { NextResponse } from 'next/server';
import { CROSS_ORIGIN_MESSAGE, crossOriginReason, mediaType, UPLOAD_TYPE_MESSAGE, UPLOAD_TYPES } from '@/lib/http/request-gate';
import { z } from 'zod';
import { auditIngest } from '@/lib/audit/operations';
import { clientIp, getActor } from '@/lib/auth/current';
import { allowed } from '@/lib/cases/allowed';
import { getDb } from '@/lib/db/client';
import { dataDir } from '@/lib/env';
import { createBatch, ingestFiles } from '@/lib/ingest';
import { describeInputError, InputError } from '@/lib/errors';
import { limit, LIMITS, sizeText } from '@/lib/ingest/limits';

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
  // the proxy does not see this route (its body streams to disk): the same gate as every other write, here
  if (crossOriginReason(request.headers)) return NextResponse.json({ error: CROSS_ORIGIN_MESSAGE }, { status: 403 });
  if (!UPLOAD_TYPES.has(mediaType(request.headers))) return NextResponse.json({ error: UPLOAD_TYPE_MESSAGE }, { status: 415 });
  const actor = await getActor();
  if (!actor) return NextResponse.json({ error: '未登录，请先登录' }, { status: 401 });
  if (!allowed(actor, 'ingest')) return NextResponse.json({ error: '您的角色无导入数据权限' }, { status: 403 });
  const url = new URL(request.url);
  const q = query.safeParse(Object.fromEntries(url.searchParams));
  if (!q.success) return NextResponse.json({ error: q.error.issues[0]?.message ?? '请求参数无效', field: q.error.issues[0]?.path.join('.') }, { status: 400 });
  if (!request.body) return NextResponse.json({ error: '上传内容为空' }, { status: 400 });

  const ip = await clientIp();
  const name = path.basename(q.data.name);
  const strict = q.data.strict === '1' || q.data.strict === 'true';
  let maxBytes: number;
  try {
    maxBytes = limit('uploadBytes');
  } catch (e) {
    return NextResponse.json({ error: (e as InputError).message }, { status: 500 });
  }
  // Content-Length is what the client says it sends: beyond the limit the body is refused before it is read;
  // below it, a body that ends short of it is a cut upload (a dropped connection), never a loaded file.
  const declared = request.headers.get('content-length');
  const expected = declared !== null && /^\d+$/.test(declared) ? Number(declared) : null;
  if (expected !== null && expected > maxBytes)
    return NextResponse.json(
      { error: `文件过大 file too large: ${name} 为 ${sizeText(expected)}，网页上传上限为 ${sizeText(maxBytes)}（${LIMITS.uploadBytes.env}）；更大的文件请用命令行 ingest 导入`, field: 'file' },
      { status: 413 },
    );
  const dir = path.join(dataDir(), 'uploads');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${randomUUID()}${path.extname(name).toLowerCase()}`);
  const db = await getDb();
  const batchId = await createBatch(db, name, { userId: actor.userId, strict, format: q.data.format });
  const fail = async (message: string) => {
    await db.$client.query(`update ingest_batches set status = 'failed', message = $2, finished_at = now() where id = $1`, [batchId, message]);
    fs.rmSync(file, { force: true });
  };
  let received = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      received += chunk.length;
      // a body without Content-Length (chunked) is stopped as soon as it passes the limit
      if (received > maxBytes) done(new InputError(`文件过大 file too large: ${name} 超过网页上传上限 ${sizeText(maxBytes)}（${LIMITS.uploadBytes.env}）`, { file: name }));
      else done(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(request.body as unknown as WebReadableStream<Uint8Array>), counter, fs.createWriteStream(file));
  } catch (e) {
    const tooLarge = e instanceof InputError;
    const message = tooLarge ? e.message : `上传中断 upload interrupted: ${name} 只收到 ${sizeText(received)}，文件未导入 (${(e as Error).message})`;
    await fail(message);
    return NextResponse.json({ error: message, id: batchId }, { status: tooLarge ? 413 : 400 });
  }
  if (expected !== null && received !== expected) {
    const message = `上传不完整 upload incomplete: ${name} 收到 ${received} 字节，应为 ${expected} 字节（连接中断？），文件未导入，请重新上传`;
    await fail(message);
    return NextResponse.json({ error: message, id: batchId }, { status: 400 });
  }
  // the load continues after the response; the page polls GET /api/ingest/{id}
  void ingestFiles(db, [file], { strict, format: q.data.format, userId: actor.userId, regions: actor.regions, displayNames: [name], batchIds: [batchId] })
    .catch(async (e: unknown) => {
      const message = e instanceof InputError ? describeInputError(e) : (e as Error).message;
      await db.$client
        .query(`update ingest_batches set status = 'failed', message = $2, finished_at = now() where id = $1 and status = 'running'`, [batchId, message.slice(0, 500)])
        .catch(() => undefined);
    })
    .finally(() => fs.rmSync(file, { force: true }))
    // who loaded what: one audit row per batch and region, whatever the outcome (lib/audit/operations.ts)
    .finally(() => auditIngest(db, actor, [batchId], { via: 'upload', ip }).catch((e: unknown) => console.error('ingest audit failed', e)));
  return NextResponse.json({ id: batchId, status: 'running' }, { status: 202 });
}

/** GET /api/ingest?name=FILE: the caller's latest batches of that file name (newest first; an admin sees everyone's). */
export async function GET(request: Request) {
  const actor = await getActor();
  if (!actor) return NextResponse.json({ error: '未登录 sign in first' }, { status: 401 });
  const name = new URL(request.url).searchParams.get('name') ?? '';
  const db = await getDb();
  const r = await db.$client.query(
    `select id, file_name, kind, format, status, rows, inserted, updated, unchanged, rejected, message, started_at, finished_at
     from ingest_batches where file_name = $1 and (user_id = $2 or $3) order by id desc limit 20`,
    [name, actor.userId, actor.role === 'admin' || actor.regions.includes('*')],
  );
  return NextResponse.json({ batches: r.rows });
}
