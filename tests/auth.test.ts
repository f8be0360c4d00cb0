/** Sign-in, lockout, IP limiting, sessions, password change, user administration, permissions, masking. */
import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { AUTH_CONFIG } from '../lib/auth/config';
import { createDemoUsers } from '../lib/auth/demo-users';
import { maskCertno, maskId, maskName } from '../lib/auth/mask';
import { hashPassword } from '../lib/auth/password';
import { ACTIONS, assertCan, can, type Action } from '../lib/auth/permissions';
import { changePassword, signIn, signOut } from '../lib/auth/sign-in';
import { createUser, resetPassword, updateUser } from '../lib/auth/users';
import type { Db } from '../lib/db/client';
import { users } from '../lib/db/schema';
import { SYSTEM, type Actor, type Role } from '../lib/db/scoped';
import { ForbiddenError } from '../lib/errors';
import { testDatabase } from './db';

let db: Db;
const q = async <T extends Record<string, unknown>>(text: string, params: unknown[] = []) => (await db.$client.query<T>(text, params)).rows;

async function addUser(email: string, password: string, role: Role = 'inspector', regions = ['140500']): Promise<number> {
  const [u] = await db.insert(users).values({ email, name: email.split('@')[0] ?? email, role, regions, passwordHash: await hashPassword(password) }).returning({ id: users.id });
  return u?.id ?? 0;
}

beforeAll(async () => {
  ({ db } = await testDatabase());
});

describe('sign-in', () => {
  it('hashes with argon2id and keeps only the SHA-256 of the session token', async () => {
    const h = await hashPassword('Secret-12345');
    expect(h).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    const id = await addUser('a@x.cn', 'Secret-12345');
    const r = await signIn(db, { email: ' A@X.cn ', password: 'Secret-12345' }, { ip: '10.0.0.1' });
    if (!r.ok) throw new Error(r.message);
    expect(r.userId).toBe(id);
    expect(r.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const s = await q<{ id: string; user_id: number }>('select id, user_id from sessions');
    expect(s).toEqual([{ id: createHash('sha256').update(r.token).digest('hex'), user_id: id }]);
    expect((r.expiresAt.getTime() - Date.now()) / 3600_000).toBeCloseTo(AUTH_CONFIG.sessionTtlMs / 3600_000, 1);
    const a = await q("select user_id, actor, action, entity_id, ip from audit_log where action = 'auth.sign_in'");
    expect(a).toEqual([{ user_id: id, actor: 'a', action: 'auth.sign_in', entity_id: String(id), ip: '10.0.0.1' }]);

    await signOut(db, r.token, { ip: '10.0.0.1' });
    expect(await q('select * from sessions')).toEqual([]);
    expect(await q("select action from audit_log where action = 'auth.sign_out'")).toEqual([{ action: 'auth.sign_out' }]);
  });

  it('unknown e-mail, wrong password and a deactivated account fail alike, each audited', async () => {
    await addUser('off@x.cn', 'Secret-12345', 'viewer');
    await db.update(users).set({ active: false }).where(eqEmail('off@x.cn'));
    const results = [
      await signIn(db, { email: 'ghost@x.cn', password: 'whatever-1' }, { ip: '10.0.0.2' }),
      await signIn(db, { email: 'a@x.cn', password: 'wrong-password-1' }, { ip: '10.0.0.2' }),
      await signIn(db, { email: 'off@x.cn', password: 'Secret-12345' }, { ip: '10.0.0.2' }),
    ];
    expect(results.map((r) => (r.ok ? 'ok' : r.message))).toEqual(Array(3).fill('邮箱或密码错误 (wrong e-mail or password)'));
    const a = await q<{ reason: string }>("select after->>'reason' as reason from audit_log where action = 'auth.sign_in_failed' and ip = '10.0.0.2' order by id");
    expect(a.map((r) => r.reason)).toEqual(['unknown_user', 'wrong_password', 'inactive']);
  });

  it(`locks an account after ${AUTH_CONFIG.maxFailedLogins} wrong passwords, refusing even the right one until the lock ends`, async () => {
    const id = await addUser('lock@x.cn', 'Right-pass-1');
    const t0 = new Date('2026-11-23T09:00:00+08:00');
    for (let i = 0; i < AUTH_CONFIG.maxFailedLogins; i++) {
      const r = await signIn(db, { email: 'lock@x.cn', password: `wrong-${i}` }, { ip: null, now: t0 });
      expect(r.ok).toBe(false);
    }
    const [u] = await q<{ locked_until: Date; failed_logins: number }>('select locked_until, failed_logins from users where id = $1', [id]);
    expect(u?.locked_until.getTime()).toBe(t0.getTime() + AUTH_CONFIG.lockoutMs);
    const during = await signIn(db, { email: 'lock@x.cn', password: 'Right-pass-1' }, { ip: null, now: new Date(t0.getTime() + AUTH_CONFIG.lockoutMs - 60_000) });
    expect(during).toMatchObject({ ok: false, reason: 'locked' });
    expect(await q("select action from audit_log where action = 'auth.lockout' and entity_id = $1", [String(id)])).toHaveLength(1);
    const after = await signIn(db, { email: 'lock@x.cn', password: 'Right-pass-1' }, { ip: null, now: new Date(t0.getTime() + AUTH_CONFIG.lockoutMs + 1000) });
    expect(after.ok).toBe(true);
    expect(await q('select failed_logins, locked_until from users where id = $1', [id])).toEqual([{ failed_logins: 0, locked_until: null }]);
  });

  it(`refuses an IP after ${AUTH_CONFIG.ipMaxFailures} failures in the window, whatever the account`, async () => {
    await addUser('ip@x.cn', 'Right-pass-1');
    for (let i = 0; i < AUTH_CONFIG.ipMaxFailures; i++) await signIn(db, { email: `nobody${i}@x.cn`, password: 'x' }, { ip: '10.9.9.9' });
    const blocked = await signIn(db, { email: 'ip@x.cn', password: 'Right-pass-1' }, { ip: '10.9.9.9' });
    expect(blocked).toMatchObject({ ok: false, reason: 'rate_limited' });
    const other = await signIn(db, { email: 'ip@x.cn', password: 'Right-pass-1' }, { ip: '10.9.9.10' });
    expect(other.ok).toBe(true);
  });

  it('password change checks the current password, ends the other sessions and is audited', async () => {
    const id = await addUser('pw@x.cn', 'Old-pass-123');
    const actor: Actor = { userId: id, name: 'pw', role: 'inspector', regions: ['140500'] };
    const other = await signIn(db, { email: 'pw@x.cn', password: 'Old-pass-123' }, { ip: null });
    expect(other.ok).toBe(true);
    await expect(changePassword(db, actor, { current: 'nope', next: 'New-pass-456', confirm: 'New-pass-456' }, { ip: null })).rejects.toThrow(/当前密码不正确/);
    await expect(changePassword(db, actor, { current: 'Old-pass-123', next: 'short1', confirm: 'short1' }, { ip: null })).rejects.toThrow(/至少 10 位/);
    await expect(changePassword(db, actor, { current: 'Old-pass-123', next: 'New-pass-456', confirm: 'New-pass-789' }, { ip: null })).rejects.toThrow(/不一致/);
    const fresh = await changePassword(db, actor, { current: 'Old-pass-123', next: 'New-pass-456', confirm: 'New-pass-456' }, { ip: '10.0.0.5' });
    const sessions = await q<{ id: string }>('select id from sessions where user_id = $1', [id]);
    expect(sessions).toEqual([{ id: createHash('sha256').update(fresh.token).digest('hex') }]);
    expect((await signIn(db, { email: 'pw@x.cn', password: 'Old-pass-123' }, { ip: null })).ok).toBe(false);
    expect((await signIn(db, { email: 'pw@x.cn', password: 'New-pass-456' }, { ip: null })).ok).toBe(true);
    const a = await q<{ action: string; after: unknown }>("select action, after from audit_log where entity_id = $1 and action like 'user.password%' order by id", [String(id)]);
    expect(a.map((r) => r.action)).toEqual(['user.password_change_failed', 'user.password_change']);
    expect(JSON.stringify(a)).not.toContain('New-pass-456');
  });
});

function eqEmail(email: string) {
  return eq(users.email, email);
}

describe('user administration', () => {
  it('admins create and change users with audited before/after; others may not', async () => {
    const adminId = await addUser('boss@x.cn', 'Boss-pass-123', 'admin', ['*']);
    const admin: Actor = { userId: adminId, name: '管理员', role: 'admin', regions: ['*'] };
    const inspector: Actor = { userId: 999, name: '稽核员', role: 'inspector', regions: ['140500'] };

    await expect(createUser(db, inspector, { email: 'n@x.cn', name: 'N', role: 'viewer', regions: ['140500'], password: 'Pass-word-1' })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(createUser(db, admin, { email: 'n@x.cn', name: 'N', role: 'viewer', regions: ['1405'], password: 'Pass-word-1' })).rejects.toThrow(/6 位/);
    await expect(createUser(db, admin, { email: 'n@x.cn', name: 'N', role: 'root', regions: ['140500'], password: 'Pass-word-1' })).rejects.toThrow();
    await expect(createUser(db, admin, { email: 'not-an-email', name: 'N', role: 'viewer', regions: ['140500'], password: 'Pass-word-1' })).rejects.toThrow(/邮箱/);

    const u = await createUser(db, admin, { email: 'New@X.cn', name: '新用户', role: 'viewer', regions: ['360100', '140500', '140500'], password: 'Pass-word-1' }, { ip: '10.0.0.7' });
    expect(u).toMatchObject({ email: 'new@x.cn', role: 'viewer', regions: ['140500', '360100'], active: true });
    await expect(createUser(db, admin, { email: 'new@x.cn', name: 'dup', role: 'viewer', regions: ['140500'], password: 'Pass-word-1' })).rejects.toThrow(/已被使用/);
    const s = await signIn(db, { email: 'new@x.cn', password: 'Pass-word-1' }, { ip: null });
    expect(s.ok).toBe(true);

    await updateUser(db, admin, u.id, { role: 'inspector', regions: ['360100'] });
    expect(await q('select count(*)::int as n from sessions where user_id = $1', [u.id])).toEqual([{ n: 0 }]);
    await updateUser(db, admin, u.id, { active: false });
    expect((await signIn(db, { email: 'new@x.cn', password: 'Pass-word-1' }, { ip: null })).ok).toBe(false);
    await expect(updateUser(db, admin, adminId, { active: false })).rejects.toThrow(/不能停用自己/);
    await expect(updateUser(db, admin, adminId, { role: 'viewer' })).rejects.toThrow(/不能停用自己/);
    await resetPassword(db, admin, u.id, 'Reset-pass-99');

    const a = await q<{ action: string; user_id: number; before: unknown; after: unknown }>("select action, user_id, before, after from audit_log where entity = 'user' and entity_id = $1 and action like 'user.%' order by id", [String(u.id)]);
    expect(a).toEqual([
      { action: 'user.create', user_id: adminId, before: null, after: { email: 'new@x.cn', name: '新用户', role: 'viewer', regions: ['140500', '360100'], active: true } },
      { action: 'user.update', user_id: adminId, before: { name: '新用户', role: 'viewer', regions: ['140500', '360100'], active: true }, after: { name: '新用户', role: 'inspector', regions: ['360100'], active: true } },
      { action: 'user.update', user_id: adminId, before: { name: '新用户', role: 'inspector', regions: ['360100'], active: true }, after: { name: '新用户', role: 'inspector', regions: ['360100'], active: false } },
      { action: 'user.password_reset', user_id: adminId, before: null, after: { password: '(已重置)', sessionsEnded: true } },
    ]);
  });

  it('demo users: one per role, each can sign in, loading twice changes nothing', async () => {
    const list = await createDemoUsers(db);
    expect(list.map((u) => u.role).sort()).toEqual(['admin', 'inspector', 'inspector', 'reviewer', 'viewer']);
    expect(list.find((u) => u.email === 'jc.inspector@demo.local')?.regions).toEqual(['140500']);
    expect(list.find((u) => u.email === 'nc.inspector@demo.local')?.regions).toEqual(['360100']);
    expect(list.find((u) => u.role === 'admin')?.regions).toEqual(['*']);
    for (const u of list) expect((await signIn(db, { email: u.email, password: u.password }, { ip: null })).ok).toBe(true);
    await createDemoUsers(db);
    expect(await q("select count(*)::int as n from users where email like '%@demo.local'")).toEqual([{ n: 5 }]);
  });
});

describe('permissions', () => {
  // Hand-written from the role descriptions in issue 10; a change to GRANTS must change this table.
  const allowed: Record<Role, Action[]> = {
    inspector: ['read', 'alert.verdict', 'case.open', 'case.transition', 'penalty.propose', 'export', 'reveal', 'ingest'],
    reviewer: ['read', 'alert.verdict', 'case.open', 'case.transition', 'case.approve', 'penalty.propose', 'penalty.decide', 'export', 'reveal', 'scenario.draft'],
    admin: [...ACTIONS],
    viewer: ['read'],
  };
  for (const role of Object.keys(allowed) as Role[]) {
    it(`${role}: allowed and forbidden actions`, () => {
      const actor: Actor = { userId: 1, name: role, role, regions: ['140500'] };
      for (const action of ACTIONS) {
        const ok = allowed[role].includes(action);
        expect(can(actor, action), `${role} ${action}`).toBe(ok);
        if (ok) expect(() => assertCan(actor, action)).not.toThrow();
        else expect(() => assertCan(actor, action)).toThrow(ForbiddenError);
      }
    });
  }
  it('inspectors cannot approve or decide penalties; viewers cannot act; nobody signed out can', () => {
    const inspector: Actor = { userId: 1, name: '稽核员', role: 'inspector', regions: ['140500'] };
    expect(() => assertCan(inspector, 'case.approve')).toThrow(/稽核员（稽核员）无权审核批准/);
    expect(() => assertCan(null, 'read')).toThrow(/未登录用户/);
    expect(can(SYSTEM, 'user.manage')).toBe(true);
    expect(can({ userId: 1, name: 'x', role: 'superuser' as Role, regions: ['*'] }, 'read')).toBe(false);
  });
});

describe('masking', () => {
  it('masks identifiers, names and certificate numbers by default', () => {
    expect(maskId('P14050000123')).toBe('P14*******23');
    expect(maskName('张三丰')).toBe('张**');
    expect(maskName('李四')).toBe('李*');
    expect(maskCertno('140502199001011234')).toBe('140502********1234');
    expect(maskId('')).toBe('');
    expect(maskId('1234')).toBe('1***');
  });
});
