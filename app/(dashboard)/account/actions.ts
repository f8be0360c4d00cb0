'use server';
import { redirect } from 'next/navigation';
import { clientIp, requireActor, setSessionCookie } from '@/lib/auth/current';
import { changePassword } from '@/lib/auth/sign-in';
import { getDb } from '@/lib/db/client';
import { errorQuery, okQuery } from '@/lib/dashboard/flash';
import { InputError } from '@/lib/errors';

/** 修改密码: zod-validated in lib/auth/sign-in.ts; ends every other session and starts a fresh one. */
export async function changePasswordAction(form: FormData): Promise<void> {
  const actor = await requireActor();
  let target = `/account?${okQuery('password_changed')}`;
  try {
    const s = await changePassword(
      await getDb(),
      actor,
      { current: String(form.get('current') ?? ''), next: String(form.get('next') ?? ''), confirm: String(form.get('confirm') ?? '') },
      { ip: await clientIp() },
    );
    await setSessionCookie(s.token, s.expiresAt);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    target = `/account?${errorQuery(e)}`;
  }
  redirect(target);
}
