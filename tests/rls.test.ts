/**
 * Region scoping enforced by Postgres: every query below runs through scoped() WITHOUT a region filter,
 * as the app role ofm_app; the database itself keeps a 晋城 (140500) inspector away from 南昌 (360100) rows.
 */
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../lib/db/client';
import { ensureRegionRls } from '../lib/db/rls';
import { alerts } from '../lib/db/schema';
import { scoped, SYSTEM, type Actor } from '../lib/db/scoped';
import { testDatabase } from './db';

const jc: Actor = { userId: 1, name: '晋城稽核员', role: 'inspector', regions: ['140500'] };
const nc: Actor = { userId: 2, name: '南昌稽核员', role: 'inspector', regions: ['360100'] };
const admin: Actor = { userId: 3, name: '管理员', role: 'admin', regions: ['*'] };
const nobody: Actor = { userId: 4, name: '无地区', role: 'viewer', regions: [] };

function settlement(admdvs: string, setlId: string, psn: string): string {
  return `('${admdvs}', '${setlId}', '2026-01-15 10:00:00+08', '${psn}', '1101', 'H1', 'hospital', 1, '11', '310', 10000, 9000, 'h-${setlId}')`;
}
const SETTLEMENT_COLS = '(admdvs, setl_id, setl_time, psn_no, psn_type, fixmedins_code, fixmedins_type, hosp_lv, med_type, insutype, medfee_sumamt, inscp_scp_amt, row_hash)';

function alertRow(region: string, subject: string) {
  return {
    regionCode: region, ruleId: 'RX-DAYS-ORD', subjectType: 'insured', subjectId: subject, periodKey: '2026-01', periodStart: '2026-01-01', periodEnd: '2026-01-31',
    resultType: 'violation', severity: 'high', explanation: 'x', clause: 'y', evidence: {},
  };
}

/** The database's own message (drizzle wraps it as "Failed query", with the pg error as cause). */
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
let ncAlertId = 0;
let jcAlertId = 0;

beforeAll(async () => {
  ({ db } = await testDatabase());
  const c = db.$client;
  await c.query("select ensure_fact_partitions('2026-01-01', '2026-01-31')");
  await c.query(`insert into settlements ${SETTLEMENT_COLS} values ${settlement('140500', 'JC1', 'P-JC-1')}, ${settlement('140500', 'JC2', 'P-JC-2')}, ${settlement('360100', 'NC1', 'P-NC-1')}`);
  await c.query(`insert into insured_persons (region_code, psn_no, psn_name, certno, psn_type) values
    ('140500', 'P-JC-1', '张三', '140502199001011234', '1101'), ('360100', 'P-NC-1', '李四', '360102198502023456', '1201')`);
  const rows = await db.insert(alerts).values([alertRow('140500', 'P-JC-1'), alertRow('360100', 'P-NC-1')]).returning({ id: alerts.id, region: alerts.regionCode });
  jcAlertId = rows.find((r) => r.region === '140500')?.id ?? 0;
  ncAlertId = rows.find((r) => r.region === '360100')?.id ?? 0;
});

describe('row-level security through scoped()', () => {
  it('the app role is neither superuser nor able to bypass RLS, and scoped() runs as it', async () => {
    const r = await db.$client.query<{ rolsuper: boolean; rolbypassrls: boolean; rolcanlogin: boolean }>("select rolsuper, rolbypassrls, rolcanlogin from pg_roles where rolname = 'ofm_app'");
    expect(r.rows[0]).toEqual({ rolsuper: false, rolbypassrls: false, rolcanlogin: false });
    const who = await scoped(db, jc, async (tx) => (await tx.execute<{ u: string; r: string }>(sql`select current_user as u, current_setting('app.regions') as r`)).rows[0]);
    expect(who).toEqual({ u: 'ofm_app', r: '140500' });
  });

  it('reads without a region filter return only the actor’s regions', async () => {
    const seen = await scoped(db, jc, async (tx) => ({
      settlements: (await tx.execute<{ admdvs: string; setl_id: string }>(sql`select admdvs, setl_id from settlements order by setl_id`)).rows,
      persons: (await tx.execute<{ psn_no: string }>(sql`select psn_no from insured_persons`)).rows.map((r) => r.psn_no),
      alerts: (await tx.select({ id: alerts.id, region: alerts.regionCode }).from(alerts)).map((a) => a.region),
      byId: (await tx.execute(sql`select * from settlements where setl_id = 'NC1'`)).rows.length,
    }));
    expect(seen.settlements).toEqual([
      { admdvs: '140500', setl_id: 'JC1' },
      { admdvs: '140500', setl_id: 'JC2' },
    ]);
    expect(seen.persons).toEqual(['P-JC-1']);
    expect(seen.alerts).toEqual(['140500']);
    expect(seen.byId).toBe(0);

    const ncSeen = await scoped(db, nc, async (tx) => (await tx.execute<{ n: number }>(sql`select count(*)::int as n from settlements`)).rows[0]?.n);
    expect(ncSeen).toBe(1);
    const all = await scoped(db, admin, async (tx) => (await tx.execute<{ n: number }>(sql`select count(*)::int as n from settlements`)).rows[0]?.n);
    expect(all).toBe(3);
    const none = await scoped(db, nobody, async (tx) => (await tx.execute<{ n: number }>(sql`select count(*)::int as n from settlements`)).rows[0]?.n);
    expect(none).toBe(0);
    // The owner (batch jobs, SYSTEM) is not limited.
    const sys = await scoped(db, SYSTEM, async (tx) => (await tx.execute<{ n: number }>(sql`select count(*)::int as n from settlements`)).rows[0]?.n);
    expect(sys).toBe(3);
  });

  it('writes to another region affect nothing or fail', async () => {
    const upd = await scoped(db, jc, (tx) => tx.execute(sql`update alerts set status = 'dismissed' where id = ${ncAlertId}`));
    expect(upd.rowCount).toBe(0);
    const upd2 = await scoped(db, jc, (tx) => tx.execute(sql`update alerts set status = 'assigned'`));
    expect(upd2.rowCount).toBe(1); // only its own alert
    const del = await scoped(db, jc, (tx) => tx.execute(sql`delete from settlements where admdvs = '360100'`));
    expect(del.rowCount).toBe(0);
    const statuses = await db.$client.query<{ region_code: string; status: string }>('select region_code, status from alerts order by region_code');
    expect(statuses.rows).toEqual([
      { region_code: '140500', status: 'assigned' },
      { region_code: '360100', status: 'new' },
    ]);
    expect((await db.$client.query('select count(*)::int as n from settlements')).rows[0]).toEqual({ n: 3 });

    expect(await failure(scoped(db, jc, (tx) => tx.execute(sql.raw(`insert into settlements ${SETTLEMENT_COLS} values ${settlement('360100', 'NC9', 'P-NC-9')}`))))).toMatch(/row-level security/);
    expect(await failure(scoped(db, jc, (tx) => tx.insert(alerts).values(alertRow('360100', 'P-NC-2'))))).toMatch(/row-level security/);
    // Moving an own row into another region is refused too (WITH CHECK).
    expect(await failure(scoped(db, jc, (tx) => tx.execute(sql`update alerts set region_code = '360100' where id = ${jcAlertId}`)))).toMatch(/row-level security/);
    // Own region: allowed, and it lands in the partition through the parent.
    await scoped(db, jc, (tx) => tx.execute(sql.raw(`insert into settlements ${SETTLEMENT_COLS} values ${settlement('140500', 'JC3', 'P-JC-3')}`)));
    expect((await db.$client.query("select count(*)::int as n from settlements_202601 where admdvs = '140500'")).rows[0]).toEqual({ n: 3 });
  });

  it('partitions, sessions and password hashes are not readable by the app role', async () => {
    expect(await failure(scoped(db, admin, (tx) => tx.execute(sql`select * from settlements_202601`)))).toMatch(/permission denied/);
    expect(await failure(scoped(db, admin, (tx) => tx.execute(sql`select * from sessions`)))).toMatch(/permission denied/);
    expect(await failure(scoped(db, admin, (tx) => tx.execute(sql`select password_hash from users`)))).toMatch(/permission denied/);
    await scoped(db, admin, (tx) => tx.execute(sql`select id, email, name, role, regions, active from users`));
  });

  it('covers every table with region data, including tables added later', async () => {
    const missing = await db.$client.query<{ relname: string }>(`
      select distinct c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace and n.nspname = 'public'
        join pg_attribute a on a.attrelid = c.oid and a.attname in ('region_code', 'admdvs')
       where c.relkind in ('r', 'p') and not c.relispartition
         and not (c.relrowsecurity and exists (select 1 from pg_policies p where p.tablename = c.relname))`);
    expect(missing.rows).toEqual([]);
    const r0 = await ensureRegionRls(db);
    for (const t of ['settlements', 'fee_details', 'adjudications', 'institutions', 'departments', 'doctors', 'insured_persons', 'alerts', 'alert_events', 'alert_whitelist', 'cases', 'case_alerts', 'case_events', 'suspensions', 'audit_log']) {
      expect(r0.covered).toContain(t);
    }
    expect(r0.applied).toEqual([]);

    await db.$client.query("create table later_rollup (region_code char(6) not null, v int); insert into later_rollup values ('140500', 1), ('360100', 2)");
    const r = await ensureRegionRls(db);
    expect(r.applied).toEqual(['later_rollup']);
    const vs = await scoped(db, nc, async (tx) => (await tx.execute<{ v: number }>(sql`select v from later_rollup`)).rows.map((x) => x.v));
    expect(vs).toEqual([2]);
  });

  it('fee details and adjudications are scoped through their partitioned parents', async () => {
    await db.$client.query(`insert into fee_details (admdvs, feedetl_sn, setl_id, setl_time, psn_no, fixmedins_code, med_chrgitm_type, det_item_fee_sumamt, row_hash) values
      ('140500', 'F1', 'JC1', '2026-01-15 10:00:00+08', 'P-JC-1', 'H1', '09', 100, 'a'), ('360100', 'F2', 'NC1', '2026-01-15 10:00:00+08', 'P-NC-1', 'H1', '09', 100, 'b')`);
    await db.$client.query(`insert into adjudications (admdvs, setl_id, setl_time, psn_no) values ('140500', 'JC1', '2026-01-15 10:00:00+08', 'P-JC-1'), ('360100', 'NC1', '2026-01-15 10:00:00+08', 'P-NC-1')`);
    const seen = await scoped(db, nc, async (tx) => ({
      fees: (await tx.execute<{ feedetl_sn: string }>(sql`select feedetl_sn from fee_details`)).rows.map((x) => x.feedetl_sn),
      adj: (await tx.execute<{ setl_id: string }>(sql`select setl_id from adjudications`)).rows.map((x) => x.setl_id),
    }));
    expect(seen).toEqual({ fees: ['F2'], adj: ['NC1'] });
  });
});
