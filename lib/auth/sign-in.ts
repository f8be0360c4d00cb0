/**
 * Sign-in, sign-out and password change, on the owner connection (users and sessions are not region
 * data and the app role may not write them). Every attempt leaves an audit row, in the same transaction
 * as its effect.
 *
 * Rate limiting, parameters in ./config.ts:
 * - per account: `maxFailedLogins` wrong passwords in a row lock it for `lockoutMs` (users.locked_until);
 *   while locked even the right password is refused; a success resets the counter;
 * - per client IP: more than `ipMaxFailures` failed sign-ins within `ipWindowMs` (counted from the audit
 *   log, so every app process sees the same count) refuse further attempts from that IP.
 */
import { and, eq, gt, sql } from 'drizzle-orm';
import { z } from 'zod';
import { audit } from '../audit';
import type { Db } from '../db/client';
import { auditLog, users } from '../db/schema';
import type { Actor, Role } from '../db/scoped';
import { InputError } from '../errors';
import { AUTH_CONFIG } from './config';
import { burnVerify, hashPassword, newPasswordSchema, verifyPassword } from './password';
import { createSession, deleteSession, deleteUserSessions, type NewSession } from './session';

export const signInInput = z.object({
  email: z.string().trim().toLowerCase().min(3).max(254),
  password: z.string().min(1).max(AUTH_CONFIG.passwordMaxLength),
});

export interface RequestContext {
  ip: string | null;
  now?: Date;
}

export type SignInResult =
  | ({ ok: true; userId: number } & NewSession)
  | { ok: false; reason: 'invalid' | 'locked' | 'rate_limited'; message: string };

const INVALID = '邮箱或密码错误 (wrong e-mail or password)';

function anonymous(email: string): Actor {
  return { userId: null, name: email.slice(0, 254), role: 'system', regions: [] };
}

export async function failedFromIp(db: Db, ip: string, now: Date): Promise<number> {
  const since = new Date(now.getTime() - AUTH_CONFIG.ipWindowMs);
  const rows = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(auditLog)
    .where(and(eq(auditLog.action, 'auth.sign_in_failed'), eq(auditLog.ip, ip), gt(auditLog.at, since)));
  return rows[0]?.n ?? 0;
}

export async function signIn(db: Db, input: z.input<typeof signInInput>, ctx: RequestContext): Promise<SignInResult> {
  const now = ctx.now ?? new Date();
  const parsed = signInInput.safeParse(input);
  if (!parsed.success) return { ok: false, reason: 'invalid', message: INVALID };
  const { email, password } = parsed.data;

  if (ctx.ip && (await failedFromIp(db, ctx.ip, now)) >= AUTH_CONFIG.ipMaxFailures) {
    await audit(db, anonymous(email), { action: 'auth.sign_in_blocked', entity: 'user', after: { email, reason: 'ip_rate_limited' }, ip: ctx.ip });
    return { ok: false, reason: 'rate_limited', message: '尝试次数过多，请稍后再试 (too many attempts from this address, try again later)' };
  }

  const [u] = await db
    .select({ id: users.id, name: users.name, role: users.role, regions: users.regions, active: users.active, passwordHash: users.passwordHash, failedLogins: users.failedLogins, lockedUntil: users.lockedUntil })
    .from(users)
    .where(sql`lower(${users.email}) = ${email}`)
    .limit(1);

  if (!u) {
    await burnVerify(password);
    await audit(db, anonymous(email), { action: 'auth.sign_in_failed', entity: 'user', after: { email, reason: 'unknown_user' }, ip: ctx.ip });
    return { ok: false, reason: 'invalid', message: INVALID };
  }
  const who: Actor = { userId: u.id, name: u.name, role: u.role as Role, regions: u.regions };

  if (u.lockedUntil && u.lockedUntil > now) {
    await audit(db, who, { action: 'auth.sign_in_failed', entity: 'user', entityId: u.id, after: { email, reason: 'locked', lockedUntil: u.lockedUntil.toISOString() }, ip: ctx.ip });
    const minutes = Math.ceil((u.lockedUntil.getTime() - now.getTime()) / 60000);
    return { ok: false, reason: 'locked', message: `账户因多次密码错误已锁定，请 ${minutes} 分钟后再试 (account locked)` };
  }

  const good = await verifyPassword(u.passwordHash, password);
  if (!good || !u.active) {
    return db.transaction(async (tx) => {
      if (!good) {
        const [r] = await tx
          .update(users)
          .set({ failedLogins: sql`${users.failedLogins} + 1` })
          .where(eq(users.id, u.id))
          .returning({ failed: users.failedLogins });
        const failed = r?.failed ?? 0;
        if (failed >= AUTH_CONFIG.maxFailedLogins) {
          const lockedUntil = new Date(now.getTime() + AUTH_CONFIG.lockoutMs);
          await tx.update(users).set({ failedLogins: 0, lockedUntil }).where(eq(users.id, u.id));
          await audit(tx, who, { action: 'auth.lockout', entity: 'user', entityId: u.id, before: { failedLogins: failed }, after: { lockedUntil: lockedUntil.toISOString() }, ip: ctx.ip });
        }
        await audit(tx, who, { action: 'auth.sign_in_failed', entity: 'user', entityId: u.id, after: { email, reason: 'wrong_password', failedLogins: failed }, ip: ctx.ip });
      } else {
        await audit(tx, who, { action: 'auth.sign_in_failed', entity: 'user', entityId: u.id, after: { email, reason: 'inactive' }, ip: ctx.ip });
      }
      return { ok: false as const, reason: 'invalid' as const, message: INVALID };
    });
  }

  return db.transaction(async (tx) => {
    await tx.update(users).set({ failedLogins: 0, lockedUntil: null }).where(eq(users.id, u.id));
    const s = await createSession(tx, u.id, now);
    await audit(tx, who, { action: 'auth.sign_in', entity: 'user', entityId: u.id, after: { email }, ip: ctx.ip });
    return { ok: true as const, userId: u.id, ...s };
  });
}

export async function signOut(db: Db, token: string, ctx: RequestContext): Promise<void> {
  await db.transaction(async (tx) => {
    const userId = await deleteSession(tx, token);
    if (userId === null) return;
    const [u] = await tx.select({ name: users.name, role: users.role, regions: users.regions }).from(users).where(eq(users.id, userId));
    await audit(tx, { userId, name: u?.name ?? String(userId), role: (u?.role ?? 'viewer') as Role, regions: u?.regions ?? [] }, { action: 'auth.sign_out', entity: 'user', entityId: userId, ip: ctx.ip });
  });
}

export const changePasswordInput = z
  .object({
    current: z.string().min(1, '请输入当前密码').max(AUTH_CONFIG.passwordMaxLength),
    next: newPasswordSchema,
    confirm: z.string(),
  })
  .refine((v) => v.next === v.confirm, { message: '两次输入的新密码不一致 (passwords do not match)', path: ['confirm'] })
  .refine((v) => v.next !== v.current, { message: '新密码不能与当前密码相同', path: ['next'] });

/** Changes the actor's own password; every session of the user is ended and a fresh one returned. */
export async function changePassword(db: Db, actor: Actor, input: z.input<typeof changePasswordInput>, ctx: RequestContext): Promise<NewSession> {
  if (actor.userId === null) throw new InputError('系统账户没有密码');
  const parsed = changePasswordInput.safeParse(input);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new InputError(i?.message ?? 'invalid', { field: i?.path.join('.') });
  }
  const userId = actor.userId;
  const [u] = await db.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, userId));
  if (!u || !(await verifyPassword(u.passwordHash, parsed.data.current))) {
    await audit(db, actor, { action: 'user.password_change_failed', entity: 'user', entityId: userId, after: { reason: 'wrong_current_password' }, ip: ctx.ip });
    throw new InputError('当前密码不正确 (current password is wrong)', { field: 'current' });
  }
  const passwordHash = await hashPassword(parsed.data.next);
  return db.transaction(async (tx) => {
    await tx.update(users).set({ passwordHash, failedLogins: 0, lockedUntil: null }).where(eq(users.id, userId));
    await deleteUserSessions(tx, userId);
    await audit(tx, actor, { action: 'user.password_change', entity: 'user', entityId: userId, before: { password: '(旧密码)' }, after: { password: '(已更改)', otherSessionsEnded: true }, ip: ctx.ip });
    return createSession(tx, userId, ctx.now);
  });
}
