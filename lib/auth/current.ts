/**
 * Who is acting, for pages, route handlers and server actions.
 * The session cookie holds a random token; the database keeps only its SHA-256 (sessions.id).
 */
import { and, eq, gt } from 'drizzle-orm';
import { cookies, headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { getDb } from '../db/client';
import { sessions, users } from '../db/schema';
import type { Actor, Role } from '../db/scoped';
import { env } from '../env';
import { CLIENT_IP_HEADER, normaliseIp } from './client-ip';
import { assertCan, type Action } from './permissions';
import { hashToken } from './token';

export { hashToken };

export const SESSION_COOKIE = 'ofm_session';

export interface SessionUser extends Actor {
  userId: number;
  role: Role;
  email: string;
}

export async function getActor(): Promise<SessionUser | null> {
  const token = (await cookies()).get(SESSION_COOKIE)?.value;
  if (!token) return null;
  const db = await getDb();
  const rows = await db
    .select({ id: users.id, name: users.name, email: users.email, role: users.role, regions: users.regions, active: users.active })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.id, hashToken(token)), gt(sessions.expiresAt, new Date())))
    .limit(1);
  const u = rows[0];
  if (!u || !u.active) return null;
  return { userId: u.id, name: u.name, email: u.email, role: u.role as Role, regions: u.regions };
}

/** For pages and server actions: the signed-in user, or a redirect to the sign-in page. */
export async function requireActor(action?: Action): Promise<SessionUser> {
  const actor = await getActor();
  if (!actor) redirect('/login');
  if (action) assertCan(actor, action);
  return actor;
}

/**
 * The client address: the header the server process stamped from the TCP peer and TRUSTED_PROXIES
 * (./client-ip.ts, installed by instrumentation.ts). X-Forwarded-For / X-Real-IP are never read here:
 * a client sets them freely. Null when the stamp is missing (a request outside the Next server).
 */
export async function clientIp(): Promise<string | null> {
  return normaliseIp((await headers()).get(CLIENT_IP_HEADER));
}

async function isHttps(): Promise<boolean> {
  const h = await headers();
  return h.get('x-forwarded-proto') === 'https' || (env().APP_URL ?? '').startsWith('https:');
}

/** httpOnly (no script can read it), SameSite=Lax (not sent on cross-site POSTs), Secure over https. */
export async function setSessionCookie(token: string, expiresAt: Date): Promise<void> {
  (await cookies()).set(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'lax', secure: await isHttps(), path: '/', expires: expiresAt });
}

export async function clearSessionCookie(): Promise<void> {
  (await cookies()).delete(SESSION_COOKIE);
}

export async function sessionToken(): Promise<string | null> {
  return (await cookies()).get(SESSION_COOKIE)?.value ?? null;
}
