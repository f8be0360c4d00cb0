/** GET /api/cases?page&stage&overdue=1&todo=1 — the case list (JSON); POST {alertIds, comment, title?} — open a case. */
import { getActor } from '@/lib/auth/current';
import { createCase } from '@/lib/cases/create';
import { listCases } from '@/lib/cases/queries';
import { getDb } from '@/lib/db/client';
import { describeInputError, ForbiddenError, InputError, NotFoundError } from '@/lib/errors';
import { readJsonBody } from '@/lib/http/json-body';

export const dynamic = 'force-dynamic';

function fail(e: unknown): Response {
  if (e instanceof InputError) return Response.json({ error: describeInputError(e), field: e.where?.field ?? null }, { status: 400 });
  if (e instanceof ForbiddenError) return Response.json({ error: e.message }, { status: 403 });
  if (e instanceof NotFoundError) return Response.json({ error: e.message }, { status: 404 });
  throw e;
}

export async function GET(req: Request) {
  const actor = await getActor();
  if (!actor) return Response.json({ error: '未登录 sign in first' }, { status: 401 });
  const q = new URL(req.url).searchParams;
  try {
    const r = await listCases(await getDb(), actor, { page: Number(q.get('page') ?? '1') || 1, pageSize: Number(q.get('pageSize') ?? '20') || 20, stage: q.get('stage') ?? undefined, overdueOnly: q.get('overdue') === '1', todo: q.get('todo') === '1' });
    return Response.json(r);
  } catch (e) {
    return fail(e);
  }
}

export async function POST(req: Request) {
  const actor = await getActor();
  if (!actor) return Response.json({ error: '未登录 sign in first' }, { status: 401 });
  const raw = await readJsonBody(req);
  if (!raw.ok) return Response.json({ error: raw.error }, { status: 400 });
  const body = raw.value;
  if (!body || typeof body !== 'object') return Response.json({ error: '请求体应为 JSON 对象' }, { status: 400 });
  try {
    const r = await createCase(await getDb(), actor, body as Parameters<typeof createCase>[2]);
    return Response.json(r, { status: 201 });
  } catch (e) {
    return fail(e);
  }
}
