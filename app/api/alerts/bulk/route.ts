/** POST /api/alerts/bulk {action: assign|confirm|dismiss, ids, reason?, userId?}: the bulk actions for scripts. */
import { NextResponse, type NextRequest } from 'next/server';
import { z } from 'zod';
import { assignAlerts, confirmAlerts, dismissAlerts } from '@/lib/alerts/lifecycle';
import { getActor } from '@/lib/auth/current';
import { getDb } from '@/lib/db/client';
import { ForbiddenError, InputError, NotFoundError } from '@/lib/errors';
import { fieldError, readJsonBody } from '@/lib/http/json-body';

const body = z.object({
  action: z.enum(['assign', 'confirm', 'dismiss']),
  ids: z.array(z.number().int().positive()).min(1).max(1000),
  reason: z.string().max(2000).optional(),
  userId: z.number().int().positive().optional(),
});

export async function POST(req: NextRequest) {
  const actor = await getActor();
  if (!actor) return NextResponse.json({ error: '未登录' }, { status: 401 });
  const raw = await readJsonBody(req);
  if (!raw.ok) return NextResponse.json({ error: raw.error }, { status: 400 });
  const parsed = body.safeParse(raw.value);
  if (!parsed.success) return NextResponse.json(fieldError(parsed.error.issues[0]), { status: 400 });
  const v = parsed.data;
  const db = await getDb();
  try {
    const ids =
      v.action === 'assign'
        ? await assignAlerts(db, actor, v.ids, v.userId ?? actor.userId)
        : v.action === 'confirm'
          ? await confirmAlerts(db, actor, v.ids, v.reason)
          : await dismissAlerts(db, actor, v.ids, v.reason ?? '');
    return NextResponse.json({ ok: true, ids });
  } catch (e) {
    if (e instanceof InputError) return NextResponse.json({ error: e.message }, { status: 400 });
    if (e instanceof ForbiddenError) return NextResponse.json({ error: e.message }, { status: 403 });
    if (e instanceof NotFoundError) return NextResponse.json({ error: e.message }, { status: 404 });
    throw e;
  }
}
