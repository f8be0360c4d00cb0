'use server';
/**
 * Sign-in and sign-out. Server actions: Next checks the Origin header against the host (CSRF), and the
 * cookie is SameSite=Lax. Input is validated with zod in lib/auth/sign-in.ts.
 */
import { redirect } from 'next/navigation';
import { clearSessionCookie, clientIp, sessionToken, setSessionCookie } from '@/lib/auth/current';
import { signIn, signOut } from '@/lib/auth/sign-in';
import { getDb } from '@/lib/db/client';

/** Only same-site paths: never redirect to another origin after sign-in. */
function safeNext(v: FormDataEntryValue | null): string {
  const s = typeof v === 'string' ? v : '';
  return /^\/(?![/\\])[\x21-\x7e]*$/.test(s) && !s.startsWith('/login') ? s : '/';
}

export async function signInAction(form: FormData): Promise<void> {
  const db = await getDb();
  const next = safeNext(form.get('next'));
  const email = String(form.get('email') ?? '');
  const r = await signIn(db, { email, password: String(form.get('password') ?? '') }, { ip: await clientIp() });
  if (!r.ok) {
    const q = new URLSearchParams({ error: `sign_in_${r.reason}`, email: email.slice(0, 254) });
    if (next !== '/') q.set('next', next);
    redirect(`/login?${q.toString()}`);
  }
  await setSessionCookie(r.token, r.expiresAt);
  redirect(next);
}

export async function signOutAction(): Promise<void> {
  const token = await sessionToken();
  if (token) await signOut(await getDb(), token, { ip: await clientIp() });
  await clearSessionCookie();
  redirect('/login');
}
