/**
 * Demo accounts for `npm start` / `cli demo`: one per role, listed with their passwords in README.md
 * (演示账户). Existing accounts (same e-mail) are left as they are, so loading twice changes nothing.
 */
import { inArray } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { users } from '../db/schema';
import type { Role } from '../db/scoped';
import { hashPassword } from './password';

export interface DemoUser {
  email: string;
  password: string;
  role: Role;
  regions: string[];
  name: string;
}

export const DEMO_USERS: readonly DemoUser[] = [
  { email: 'jc.inspector@demo.local', password: 'Jincheng-2026', role: 'inspector', regions: ['140500'], name: '晋城稽核员' },
  { email: 'nc.inspector@demo.local', password: 'Nanchang-2026', role: 'inspector', regions: ['360100'], name: '南昌稽核员' },
  { email: 'reviewer@demo.local', password: 'Reviewer-2026', role: 'reviewer', regions: ['140500', '140800', '360100'], name: '法制审核员' },
  { email: 'admin@demo.local', password: 'Admin-2026-ofm', role: 'admin', regions: ['*'], name: '系统管理员' },
  { email: 'viewer@demo.local', password: 'Viewer-2026', role: 'viewer', regions: ['140500'], name: '只读用户' },
];

export async function createDemoUsers(db: DbOrTx): Promise<{ email: string; password: string; role: Role; regions: string[] }[]> {
  const existing = await db.select({ email: users.email }).from(users).where(inArray(users.email, DEMO_USERS.map((u) => u.email)));
  const have = new Set(existing.map((r) => r.email));
  for (const u of DEMO_USERS) {
    if (have.has(u.email)) continue;
    await db
      .insert(users)
      .values({ email: u.email, name: u.name, role: u.role, regions: u.regions, passwordHash: await hashPassword(u.password) })
      .onConflictDoNothing();
  }
  return DEMO_USERS.map(({ email, password, role, regions }) => ({ email, password, role, regions: [...regions] }));
}
