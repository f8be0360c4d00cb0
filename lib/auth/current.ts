/**
 * Who is acting, for pages, route handlers and server actions.
 * The session cookie holds a random token; the database keeps only its SHA-256 (sessions.id).
 */
import { createHash } from 'node:crypto';
import { and, eq, gt } from 'drizzle-orm';
import { cookies } from 'next/headers';
import { redirect } from 'next/navigation';
import { getDb } from '../db/client';
import { sessions, users } from '../db/schema';
import type { Actor, Role } from '../db/scoped';

export const SESSION_COOKIE = 'ofm_session';

export interface SessionUser extends Actor {
  userId: number;
  role: Role;
  email: string;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
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

/** For pages: the signed-in user, or a redirect to the sign-in page. */
export async function requireActor(): Promise<SessionUser> {
  const actor = await getActor();
  if (!actor) redirect('/login');
  return actor;
}
