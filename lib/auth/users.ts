/**
 * User administration (管理员 only): create, change role/regions/name, activate/deactivate, reset a
 * password. Rules: permission first; zod on every input; one transaction per change with its audit row
 * (before/after, never a password hash); deactivation or a password reset ends the user's sessions;
 * an admin cannot deactivate or demote themself (so the system never loses its last admin by accident).
 */
import { asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { audit } from '../audit';
import type { Db } from '../db/client';
import { users } from '../db/schema';
import type { Actor } from '../db/scoped';
import { InputError, NotFoundError } from '../errors';
import { hashPassword, newPasswordSchema } from './password';
import { assertCan, ROLES } from './permissions';
import { deleteUserSessions } from './session';

const regionList = z
  .array(z.string().trim().regex(/^(\d{6}|\*)$/, '地区须为 6 位行政区划代码或 * (region: 6-digit code or *)'))
  .min(1, '至少指定一个地区 (at least one region)')
  .max(100)
  .transform((r) => (r.includes('*') ? ['*'] : [...new Set(r)].sort()));

/** "140500, 360100" or "140500\n360100" from a form field → a list. */
export function parseRegionField(v: unknown): string[] {
  return typeof v === 'string' ? v.split(/[\s,，;；]+/).filter(Boolean) : [];
}

export const createUserInput = z.object({
  email: z.string().trim().toLowerCase().pipe(z.email('邮箱格式不正确 (invalid e-mail)')).pipe(z.string().max(254)),
  name: z.string().trim().min(1, '请填写姓名').max(100),
  role: z.enum(ROLES as [string, ...string[]]),
  regions: regionList,
  password: newPasswordSchema,
});

export const updateUserInput = z.object({
  name: z.string().trim().min(1).max(100).optional(),
  role: z.enum(ROLES as [string, ...string[]]).optional(),
  regions: regionList.optional(),
  active: z.boolean().optional(),
});

function parse<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const r = schema.safeParse(input);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new InputError(i?.message ?? 'invalid', { field: i?.path.join('.') });
  }
  return r.data;
}

const publicCols = { id: users.id, email: users.email, name: users.name, role: users.role, regions: users.regions, active: users.active, lockedUntil: users.lockedUntil, createdAt: users.createdAt };
export type UserRow = { id: number; email: string; name: string; role: string; regions: string[]; active: boolean; lockedUntil: Date | null; createdAt: Date };

export async function listUsers(db: Db, actor: Actor): Promise<UserRow[]> {
  assertCan(actor, 'user.manage');
  return db.select(publicCols).from(users).orderBy(asc(users.id));
}

export async function createUser(db: Db, actor: Actor, input: z.input<typeof createUserInput>, ctx: { ip?: string | null } = {}): Promise<UserRow> {
  assertCan(actor, 'user.manage');
  const v = parse(createUserInput, input);
  const passwordHash = await hashPassword(v.password);
  return db.transaction(async (tx) => {
    const [dup] = await tx.select({ id: users.id }).from(users).where(eq(users.email, v.email));
    if (dup) throw new InputError(`邮箱 ${v.email} 已被使用 (e-mail already in use)`, { field: 'email' });
    const [row] = await tx.insert(users).values({ email: v.email, name: v.name, role: v.role, regions: v.regions, passwordHash }).returning(publicCols);
    if (!row) throw new Error('insert returned nothing');
    await audit(tx, actor, { action: 'user.create', entity: 'user', entityId: row.id, after: { email: row.email, name: row.name, role: row.role, regions: row.regions, active: row.active }, ip: ctx.ip });
    return row;
  });
}

export async function updateUser(db: Db, actor: Actor, userId: number, input: z.input<typeof updateUserInput>, ctx: { ip?: string | null } = {}): Promise<UserRow> {
  assertCan(actor, 'user.manage');
  const id = parse(z.number().int().positive(), userId);
  const v = parse(updateUserInput, input);
  return db.transaction(async (tx) => {
    const [before] = await tx.select(publicCols).from(users).where(eq(users.id, id)).for('update');
    if (!before) throw new NotFoundError(`用户 ${id} 不存在 (user not found)`);
    if (actor.userId === id && (v.active === false || (v.role !== undefined && v.role !== 'admin'))) {
      throw new InputError('不能停用自己或取消自己的管理员角色 (you cannot deactivate or demote yourself)', { field: v.active === false ? 'active' : 'role' });
    }
    const set: Partial<typeof users.$inferInsert> = {};
    if (v.name !== undefined) set.name = v.name;
    if (v.role !== undefined) set.role = v.role;
    if (v.regions !== undefined) set.regions = v.regions;
    if (v.active !== undefined) set.active = v.active;
    if (v.active === true) Object.assign(set, { failedLogins: 0, lockedUntil: null });
    const [after] = await tx.update(users).set(set).where(eq(users.id, id)).returning(publicCols);
    if (!after) throw new NotFoundError(`用户 ${id} 不存在`);
    // A deactivated user, or one whose role or regions changed, signs in again.
    if (after.active === false || v.role !== undefined || v.regions !== undefined) await deleteUserSessions(tx, id);
    const pick = (u: UserRow) => ({ name: u.name, role: u.role, regions: u.regions, active: u.active });
    await audit(tx, actor, { action: 'user.update', entity: 'user', entityId: id, before: pick(before), after: pick(after), ip: ctx.ip });
    return after;
  });
}

export async function resetPassword(db: Db, actor: Actor, userId: number, password: string, ctx: { ip?: string | null } = {}): Promise<void> {
  assertCan(actor, 'user.manage');
  const id = parse(z.number().int().positive(), userId);
  const pw = parse(newPasswordSchema, password);
  const passwordHash = await hashPassword(pw);
  await db.transaction(async (tx) => {
    const [u] = await tx.update(users).set({ passwordHash, failedLogins: 0, lockedUntil: null }).where(eq(users.id, id)).returning({ id: users.id });
    if (!u) throw new NotFoundError(`用户 ${id} 不存在`);
    await deleteUserSessions(tx, id);
    await audit(tx, actor, { action: 'user.password_reset', entity: 'user', entityId: id, after: { password: '(已重置)', sessionsEnded: true }, ip: ctx.ip });
  });
}
