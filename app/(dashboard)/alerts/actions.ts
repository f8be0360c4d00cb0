'use server';
/**
 * Server actions of the alert pages: assign / confirm (opinion) / dismiss (reason code + text) / reopen,
 * through the lib/alerts lifecycle, which checks the permission, runs in scoped() (RLS) and writes the
 * history and audit rows. Several alerts are worked one by one; the result says how many changed and why
 * the others did not.
 */
import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { assignAlerts, describeResult, recordVerdict, type VerdictResult } from '@/lib/alerts/lifecycle';
import { requireActor } from '@/lib/auth/current';
import { assertCan } from '@/lib/auth/permissions';
import { getDb } from '@/lib/db/client';
import { ForbiddenError, InputError, NotFoundError } from '@/lib/errors';

export type ActionResult = { ok: true; changed: number; unchanged: Array<{ id: number; reason: string }>; message: string } | { ok: false; error: string };

const ids = z.array(z.number().int().positive()).min(1, '未选择预警').max(1000, '一次最多处理 1000 条预警');
const input = z.discriminatedUnion('action', [
  z.object({ action: z.literal('assign'), ids, userId: z.number().int().positive().optional() }),
  z.object({ action: z.literal('confirm'), ids, opinion: z.string().max(2000, '意见不能超过 2000 字') }),
  z.object({ action: z.literal('dismiss'), ids, reasonCode: z.string(), reason: z.string().max(2000, '说明不能超过 2000 字').optional() }),
  z.object({ action: z.literal('reopen'), ids, reason: z.string().max(2000, '理由不能超过 2000 字') }),
]);

const DONE: Record<string, string> = { assign: '已分派', confirm: '已确认', dismiss: '已排除', reopen: '已撤销结论' };

export async function alertAction(raw: z.input<typeof input>): Promise<ActionResult> {
  const actor = await requireActor();
  const parsed = input.safeParse(raw);
  if (!parsed.success) return { ok: false, error: parsed.error.issues[0]?.message ?? '输入有误' };
  const v = parsed.data;
  try {
    assertCan(actor, 'alert.verdict');
    const db = await getDb();
    let r: VerdictResult;
    if (v.action === 'assign') {
      if (v.userId === undefined && actor.userId === null) return { ok: false, error: '请选择处理人' };
      r = await assignAlerts(db, actor, v.ids, v.userId ?? actor.userId ?? 0);
    } else if (v.action === 'confirm') r = await recordVerdict(db, actor, v.ids, { verdict: 'confirm', opinion: v.opinion });
    else if (v.action === 'dismiss') r = await recordVerdict(db, actor, v.ids, { verdict: 'dismiss', reason: { code: v.reasonCode, text: v.reason } });
    else r = await recordVerdict(db, actor, v.ids, { verdict: 'reopen', reason: v.reason });
    revalidatePath('/alerts');
    revalidatePath('/');
    const message = describeResult(DONE[v.action] ?? '已处理', r);
    // one alert that could not change is a refusal, not a success
    if (!r.changed.length) return { ok: false, error: message };
    return { ok: true, changed: r.changed.length, unchanged: r.unchanged, message };
  } catch (e) {
    if (e instanceof InputError || e instanceof ForbiddenError || e instanceof NotFoundError) return { ok: false, error: e.message };
    throw e;
  }
}
