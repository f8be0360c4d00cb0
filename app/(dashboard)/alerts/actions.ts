'use server';
/**
 * Server actions of the alert pages: bulk assign / confirm / dismiss (reason required) through the
 * lib/alerts lifecycle, which checks the permission, runs in scoped() (RLS) and writes the history
 * and audit rows. Results come back as values so the client can show the message.
 */
import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { assignAlerts, confirmAlerts, dismissAlerts } from '@/lib/alerts/lifecycle';
import { requireActor } from '@/lib/auth/current';
import { assertCan } from '@/lib/auth/permissions';
import { getDb } from '@/lib/db/client';
import { ForbiddenError, InputError, NotFoundError } from '@/lib/errors';

export type ActionResult = { ok: true; count: number; message: string } | { ok: false; error: string };

const input = z.discriminatedUnion('action', [
  z.object({ action: z.literal('assign'), ids: z.array(z.number().int().positive()).min(1).max(1000), userId: z.number().int().positive().optional() }),
  z.object({ action: z.literal('confirm'), ids: z.array(z.number().int().positive()).min(1).max(1000), note: z.string().max(2000).optional() }),
  z.object({ action: z.literal('dismiss'), ids: z.array(z.number().int().positive()).min(1).max(1000), reason: z.string().trim().min(1, '排除预警必须填写原因').max(2000) }),
]);

const DONE: Record<string, string> = { assign: '已分派', confirm: '已确认', dismiss: '已排除' };

export async function alertAction(raw: z.input<typeof input>): Promise<ActionResult> {
  const actor = await requireActor();
  const parsed = input.safeParse(raw);
  if (!parsed.success) return { ok: false, error: parsed.error.issues[0]?.message ?? '输入有误' };
  const v = parsed.data;
  try {
    assertCan(actor, 'alert.verdict');
    const db = await getDb();
    let ids: number[];
    if (v.action === 'assign') ids = await assignAlerts(db, actor, v.ids, v.userId ?? actor.userId);
    else if (v.action === 'confirm') ids = await confirmAlerts(db, actor, v.ids, v.note);
    else ids = await dismissAlerts(db, actor, v.ids, v.reason);
    revalidatePath('/alerts');
    revalidatePath('/');
    return { ok: true, count: ids.length, message: `${DONE[v.action]} ${ids.length} 条预警` };
  } catch (e) {
    if (e instanceof InputError || e instanceof ForbiddenError || e instanceof NotFoundError) return { ok: false, error: e.message };
    throw e;
  }
}
