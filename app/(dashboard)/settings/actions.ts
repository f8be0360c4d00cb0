'use server';
import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import { requireActor } from '@/lib/auth/current';
import { getDb } from '@/lib/db/client';
import { errorQuery, okQuery, type FlashError, type FlashOk } from '@/lib/dashboard/flash';
import { resendDigest } from '@/lib/mail/status';
import { saveSubscription } from '@/lib/mail/subscriptions';

async function run(back: string, fn: () => Promise<FlashOk | FlashError>): Promise<never> {
  let target: string;
  const sep = back.includes('?') ? '&' : '?';
  try {
    const code = await fn();
    revalidatePath('/settings');
    target = `${back}${sep}${code === 'resend_failed' ? `error=${code}` : okQuery(code as FlashOk)}`;
  } catch (e) {
    target = `${back}${sep}${errorQuery(e)}`; // a message code (lib/dashboard/flash.ts); other errors rethrown
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
    return 'subscription_saved';
  });
}

/** Admin: re-send a failed or unconfirmed digest now. */
export async function resendAction(form: FormData): Promise<void> {
  const actor = await requireActor();
  const db = await getDb();
  const id = Number(form.get('sentId'));
  await run(`/settings?user=${Number(form.get('userId'))}`, async () => {
    const r = await resendDigest(db, actor, id);
    // the failure's detail is on this page's delivery list (发送记录)
    return r.status === 'failed' ? 'resend_failed' : 'digest_resent';
  });
}
