'use server';
/**
 * User administration. Permission ('user.manage'), zod validation and the audit row are in
 * lib/auth/users.ts. Every outcome — including a caller without the permission — ends in a redirect
 * with a message code (lib/dashboard/flash.ts), never in a server error.
 */
import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import { clientIp, requireActor, type SessionUser } from '@/lib/auth/current';
import { createUser, parseRegionField, resetPassword, updateUser } from '@/lib/auth/users';
import { errorQuery, okQuery, type FlashOk } from '@/lib/dashboard/flash';
import { getDb } from '@/lib/db/client';

async function run(fn: (actor: SessionUser, ip: string | null) => Promise<FlashOk>): Promise<never> {
  let target: string;
  try {
    // inside the try: a signed-in user without 'user.manage' gets 无权限, not a 500
    const actor = await requireActor('user.manage');
    const ok = await fn(actor, await clientIp());
    revalidatePath('/admin');
    target = `/admin?${okQuery(ok)}`;
  } catch (e) {
    target = `/admin?${errorQuery(e)}`; // rethrows anything that is not a user-facing error (incl. redirect to /login)
  }
  redirect(target);
}

const str = (form: FormData, k: string) => String(form.get(k) ?? '');

export async function createUserAction(form: FormData): Promise<void> {
  await run(async (actor, ip) => {
    await createUser(await getDb(), actor, { email: str(form, 'email'), name: str(form, 'name'), role: str(form, 'role'), regions: parseRegionField(form.get('regions')), password: str(form, 'password') }, { ip });
    return 'user_created';
  });
}

export async function updateUserAction(form: FormData): Promise<void> {
  await run(async (actor, ip) => {
    await updateUser(
      await getDb(),
      actor,
      Number(form.get('userId')),
      { name: str(form, 'name'), role: str(form, 'role'), regions: parseRegionField(form.get('regions')), active: form.get('active') === 'on' },
      { ip },
    );
    return 'user_saved';
  });
}

export async function resetPasswordAction(form: FormData): Promise<void> {
  await run(async (actor, ip) => {
    await resetPassword(await getDb(), actor, Number(form.get('userId')), str(form, 'password'), { ip });
    return 'password_reset';
  });
}
