'use server';
import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import { requireActor } from '@/lib/auth/current';
import { getDb } from '@/lib/db/client';
import { describeInputError, ForbiddenError, InputError, NotFoundError } from '@/lib/errors';
import { resendDigest } from '@/lib/mail/status';
import { saveSubscription } from '@/lib/mail/subscriptions';

async function run(back: string, fn: () => Promise<string>): Promise<never> {
  let target: string;
  try {
    const ok = await fn();
    revalidatePath('/settings');
    target = `${back}${back.includes('?') ? '&' : '?'}ok=${encodeURIComponent(ok)}`;
  } catch (e) {
    const msg = e instanceof InputError ? describeInputError(e) : e instanceof ForbiddenError || e instanceof NotFoundError ? e.message : undefined;
    if (msg === undefined) throw e;
    target = `${back}${back.includes('?') ? '&' : '?'}error=${encodeURIComponent(msg)}`;
  }
  redirect(target);
}

/** Saves a subscription from the settings form (zod validation and the permission check are in lib/mail). */
export async function saveSubscriptionAction(form: FormData): Promise<void> {
  const actor = await requireActor();
  const db = await getDb();
  const userId = Number(form.get('userId'));
  const allRules = form.get('allRules') === 'on';
  await run(`/settings?user=${userId}`, async () => {
    await saveSubscription(db, actor, {
      userId,
      enabled: form.get('enabled') === 'on',
      regions: form.getAll('regions').map(String),
      rules: allRules ? [] : form.getAll('rules').map(String),
      minSeverity: String(form.get('minSeverity') ?? ''),
    });
    return '订阅已保存';
  });
}

/** Admin: re-send a failed or unconfirmed digest now. */
export async function resendAction(form: FormData): Promise<void> {
  const actor = await requireActor();
  const db = await getDb();
  const id = Number(form.get('sentId'));
  await run(`/settings?user=${Number(form.get('userId'))}`, async () => {
    const r = await resendDigest(db, actor, id);
    if (r.status === 'failed') throw new InputError(`重发失败: ${r.error ?? ''}`);
    return `已重发给 ${r.email}（${r.status}）`;
  });
}
