/**
 * POST /api/alerts/bulk {action: assign|confirm|dismiss|reopen, ids, reason?, reasonCode?, userId?}: the bulk
 * actions for scripts. Alerts are worked one by one: `{ok, changed:[id…], unchanged:[{id, reason}…]}`;
 * a request wrong as a whole (no permission, missing user, no opinion) is refused.
 */
import { NextResponse, type NextRequest } from 'next/server';
import { z } from 'zod';
import { assignAlerts, recordVerdict } from '@/lib/alerts/lifecycle';
import { getActor } from '@/lib/auth/current';
import { assertCan } from '@/lib/auth/permissions';
import { getDb } from '@/lib/db/client';
import { ForbiddenError, InputError, NotFoundError } from '@/lib/errors';
import { fieldError, readJsonBody } from '@/lib/http/json-body';

const body = z.object({
  action: z.enum(['assign', 'confirm', 'dismiss', 'reopen'], { message: 'action 应为 assign、confirm、dismiss 或 reopen' }),
  ids: z.array(z.number().int().positive(), { message: 'ids 应为预警编号数组' }).min(1, '未选择预警').max(1000, '一次最多处理 1000 条预警'),
  reason: z.string().max(2000, '说明不能超过 2000 字').optional(),
  reasonCode: z.string().optional(),
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
    assertCan(actor, 'alert.verdict');
    const r =
      v.action === 'assign'
        ? await assignAlerts(db, actor, v.ids, v.userId ?? actor.userId ?? 0)
        : v.action === 'confirm'
          ? await recordVerdict(db, actor, v.ids, { verdict: 'confirm', opinion: v.reason ?? '' })
          : v.action === 'dismiss'
            ? await recordVerdict(db, actor, v.ids, { verdict: 'dismiss', reason: v.reasonCode ? { code: v.reasonCode, text: v.reason } : (v.reason ?? '') })
            : await recordVerdict(db, actor, v.ids, { verdict: 'reopen', reason: v.reason ?? '' });
    return NextResponse.json({ ok: true, ids: r.changed, changed: r.changed, unchanged: r.unchanged });
  } catch (e) {
    if (e instanceof InputError) return NextResponse.json({ error: e.message, field: e.where?.field }, { status: 400 });
    if (e instanceof ForbiddenError) return NextResponse.json({ error: e.message }, { status: 403 });
    if (e instanceof NotFoundError) return NextResponse.json({ error: e.message }, { status: 404 });
    throw e;
  }
}
