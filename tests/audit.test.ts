/** The audit trail is append-only for everyone, and reveals leave a row (without the revealed value). */
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { audit } from '../lib/audit';
import { revealValue } from '../lib/auth/reveal';
import type { Db } from '../lib/db/client';
import { scoped, type Actor } from '../lib/db/scoped';
import { testDatabase } from './db';

const jc: Actor = { userId: 11, name: '晋城稽核员', role: 'inspector', regions: ['140500'] };
const viewer: Actor = { userId: 12, name: '只读', role: 'viewer', regions: ['140500'] };

async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    const cause = (e as { cause?: { message?: string } }).cause;
    return `${(e as Error).message} ${cause?.message ?? ''}`;
  }
  return 'no error';
}

let db: Db;
beforeAll(async () => {
  ({ db } = await testDatabase());
  await db.$client.query(`insert into insured_persons (region_code, psn_no, psn_name, certno, psn_type) values
    ('140500', 'P-JC-1', '张三丰', '140502199001011234', '1101'), ('360100', 'P-NC-1', '李四', '360102198502023456', '1201')`);
});

describe('audit log', () => {
  it('the app role may insert and read, but not update, delete or truncate', async () => {
    await scoped(db, jc, (tx) => audit(tx, jc, { action: 'alert.confirm', entity: 'alert', entityId: 5, regionCode: '140500', before: { status: 'new' }, after: { status: 'confirmed' } }));
    const rows = await scoped(db, jc, async (tx) => (await tx.execute<{ action: string; actor: string; before: unknown }>(sql`select action, actor, before from audit_log`)).rows);
    expect(rows).toEqual([{ action: 'alert.confirm', actor: '晋城稽核员', before: { status: 'new' } }]);
    expect(await failure(scoped(db, jc, (tx) => tx.execute(sql`update audit_log set action = 'x'`)))).toMatch(/permission denied/);
    expect(await failure(scoped(db, jc, (tx) => tx.execute(sql`delete from audit_log`)))).toMatch(/permission denied/);
    expect(await failure(scoped(db, jc, (tx) => tx.execute(sql`truncate audit_log`)))).toMatch(/permission denied/);
  });

  it('even the owner cannot change or remove a row (trigger)', async () => {
    expect(await failure(db.$client.query("update audit_log set actor = 'someone else'"))).toMatch(/append-only/);
    expect(await failure(db.$client.query('delete from audit_log'))).toMatch(/append-only/);
    expect(await failure(db.$client.query('truncate audit_log'))).toMatch(/append-only/);
    expect((await db.$client.query('select actor from audit_log')).rows).toEqual([{ actor: '晋城稽核员' }]);
  });

  it('reveal returns the real value to an allowed user and audits it; others get nothing', async () => {
    expect(await revealValue(db, jc, { entity: 'insured_person', id: 'P-JC-1', field: 'certno' }, { ip: '10.1.2.3' })).toBe('140502199001011234');
    expect(await revealValue(db, jc, { entity: 'insured_person', id: 'P-JC-1', field: 'psn_name' })).toBe('张三丰');
    const rows = (await db.$client.query("select user_id, action, entity, entity_id, region_code, after, ip from audit_log where action = 'reveal' order by id")).rows;
    expect(rows).toEqual([
      { user_id: 11, action: 'reveal', entity: 'insured_person', entity_id: 'P-JC-1', region_code: '140500', after: { field: 'certno' }, ip: '10.1.2.3' },
      { user_id: 11, action: 'reveal', entity: 'insured_person', entity_id: 'P-JC-1', region_code: '140500', after: { field: 'psn_name' }, ip: null },
    ]);
    // the audit row never holds the revealed value
    expect(JSON.stringify(rows)).not.toContain('140502199001011234');

    await expect(revealValue(db, viewer, { entity: 'insured_person', id: 'P-JC-1', field: 'certno' })).rejects.toThrow(/无权查看未脱敏信息/);
    await expect(revealValue(db, jc, { entity: 'insured_person', id: 'P-NC-1', field: 'certno' })).rejects.toThrow(/not found/);
    await expect(revealValue(db, jc, { entity: 'insured_person', id: 'P-JC-1', field: 'password_hash' } as never)).rejects.toThrow();
    expect((await db.$client.query("select count(*)::int as n from audit_log where action = 'reveal'")).rows[0]).toEqual({ n: 2 });
  });
});
