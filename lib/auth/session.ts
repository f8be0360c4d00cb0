/**
 * Database sessions: the cookie holds a random 256-bit token; the sessions table keeps only its
 * SHA-256 (a leaked table does not let anyone sign in). No sliding renewal; sign-out deletes the row.
 */
import { randomBytes } from 'node:crypto';
import { eq, lt } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { sessions } from '../db/schema';
import { AUTH_CONFIG } from './config';
import { hashToken } from './token';

export interface NewSession {
  token: string;
  expiresAt: Date;
}

export async function createSession(tx: DbOrTx, userId: number, now = new Date()): Promise<NewSession> {
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(now.getTime() + AUTH_CONFIG.sessionTtlMs);
  await tx.insert(sessions).values({ id: hashToken(token), userId, expiresAt });
  // Housekeeping: expired rows are useless; drop them while we are here.
  await tx.delete(sessions).where(lt(sessions.expiresAt, now));
  return { token, expiresAt };
}

export async function deleteSession(tx: DbOrTx, token: string): Promise<number | null> {
  const rows = await tx.delete(sessions).where(eq(sessions.id, hashToken(token))).returning({ userId: sessions.userId });
  return rows[0]?.userId ?? null;
}

export async function deleteUserSessions(tx: DbOrTx, userId: number): Promise<void> {
  await tx.delete(sessions).where(eq(sessions.userId, userId));
}
