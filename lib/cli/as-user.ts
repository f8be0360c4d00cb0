/** `--as EMAIL`: act as that user (their role and regions apply); without it the batch actor SYSTEM. */
import { eq } from 'drizzle-orm';
import { isRole } from '../auth/permissions';
import type { Db } from '../db/client';
import { users } from '../db/schema';
import { SYSTEM, type Actor } from '../db/scoped';
import { InputError } from '../errors';

export async function actorFor(db: Db, email: string | undefined): Promise<Actor> {
  if (email === undefined) return SYSTEM;
  const [u] = await db.select({ id: users.id, name: users.name, role: users.role, regions: users.regions, active: users.active }).from(users).where(eq(users.email, email.trim().toLowerCase()));
  if (!u || !u.active || !isRole(u.role)) throw new InputError(`用户不存在或已停用：${email}`, { field: '--as' });
  return { userId: u.id, name: u.name, role: u.role, regions: u.regions };
}
