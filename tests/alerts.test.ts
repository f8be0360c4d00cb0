import { describe, expect, it } from 'vitest';
import { assignAlerts, confirmAlerts, dismissAlerts } from '../lib/alerts/lifecycle';
import { getAlert, listAlerts } from '../lib/alerts/queries';
import { readjudicate } from '../lib/adjudication/bulk';
import { scoped, SYSTEM, type Actor } from '../lib/db/scoped';
import { refreshIndicators } from '../lib/indicators/refresh';
import { runRules } from '../lib/rules/run';
import { runCli, testDatabase } from './db';
import { background, insertVisits } from './rules-fixture';

const inspector: Actor = { userId: null, name: 'inspector-1', role: 'system', regions: ['*'] };
const viewer: Actor = { userId: null, name: 'viewer', role: 'viewer', regions: ['140500'] };

describe('alerts', () => {
  it('dedup across re-runs keeps ids and verdicts; dismissal needs a reason; whitelist suppresses; CLI lists', async () => {
    const { db, url } = await testDatabase();
    const c = db.$client;
    await insertVisits(db, [
      ...background('2024-03', 2, 5),
      { id: 'R1', psn: 'P1', inst: 'XR', time: '2024-03-02 09:00:00+08', lines: [{ type: '09', amt: 5000, days: 20, drug: 'Z' }] },
      { id: 'R2', psn: 'P2', inst: 'XQ', time: '2024-03-02 09:00:00+08', lines: [{ type: '09', amt: 5000, days: 21, drug: 'Z' }] },
      { id: 'R3', psn: 'P3', inst: 'XW', time: '2024-03-02 09:00:00+08', lines: [{ type: '09', amt: 5000, days: 22, drug: 'Z' }] },
    ]);
    // Settled as the policy says, so that only the prescriptions stand out once `recompute` re-adjudicates.
    await readjudicate(db, { months: [], regionCodes: [], full: true });
    await c.query('update settlements s set hifp_pay = a.fund_pay from adjudications a where a.setl_id = s.setl_id and a.setl_time = s.setl_time');
    await c.query(`insert into alert_whitelist (region_code, rule_id, subject_type, subject_id, reason, expires_at) values
      ('140500', 'RX-DAYS-ORD', 'institution', 'XW', '专科医院，已备案', '2099-01-01')`);
    const run = async () => {
      await refreshIndicators(db, { months: [], regionCodes: [], full: true });
      return runRules(db, { months: [], regionCodes: [], full: true });
    };
    const first = await run();
    expect(first.alerts).toEqual({ inserted: 2, total: 2, suppressed: 1, withdrawn: 0 });
    const before = (await c.query<{ id: number; subject_id: string }>('select id, subject_id from alerts order by id')).rows;
    expect(before.map((r) => r.subject_id)).toEqual(['XQ', 'XR']);
    const [a1, a2] = before.map((r) => r.id) as [number, number];

    const handler = (await c.query<{ id: number }>("insert into users (email, name, role, password_hash, regions) values ('h@t', '稽核员甲', 'inspector', 'x', '{140500}') returning id")).rows[0]?.id ?? 0;
    await assignAlerts(db, inspector, [a1], handler);
    await expect(dismissAlerts(db, inspector, [a2], '  ')).rejects.toThrow(/原因/);
    await expect(confirmAlerts(db, viewer, [a1], '属实')).rejects.toThrow(/只读/);
    await dismissAlerts(db, inspector, [a2], { code: 'other', text: '处方为出院带药，已核实' });
    await confirmAlerts(db, inspector, [a1], '超长处方属实');
    expect(await assignAlerts(db, inspector, [a2], handler)).toEqual({ changed: [], unchanged: [{ id: a2, reason: `预警 ${a2} 当前状态为「已排除」，不能分派` }] });

    const second = await run();
    expect(second.alerts).toEqual({ inserted: 0, total: 2, suppressed: 1, withdrawn: 0 });
    const after = (await c.query('select id, status, dismiss_reason, assigned_to from alerts order by id')).rows;
    expect(after).toEqual([
      { id: a1, status: 'confirmed', dismiss_reason: null, assigned_to: handler },
      { id: a2, status: 'dismissed', dismiss_reason: '其他：处方为出院带药，已核实', assigned_to: null },
    ]);
    const audits = (await c.query<{ action: string }>("select action from audit_log where entity = 'alert' order by id")).rows.map((r) => r.action);
    expect(audits).toEqual(['alert.assign', 'alert.dismiss', 'alert.confirm']);

    const page = await scoped(db, SYSTEM, (tx) => listAlerts(tx, { filters: { status: 'confirmed' }, sort: { field: 'amount', dir: 'desc' }, page: 1, pageSize: 10 }));
    expect(page.total).toBe(1);
    expect(page.rows[0]?.subjectId).toBe('XQ');
    const detail = await scoped(db, SYSTEM, (tx) => getAlert(tx, a1));
    expect(detail?.claims.map((x) => x.setl_id)).toEqual(['R2']);
    expect(detail?.claims[0]?.lines[0]?.medc_days).toBe(21);
    expect(detail?.history.map((h) => h.action)).toEqual(['raised', 'assign', 'confirm']);

    const cli = await runCli(['alerts', '--json', '--rule', 'RX-DAYS-ORD', '--region', '140500', '--since', '2024-03-01'], { url });
    expect(cli.code).toBe(0);
    const out = JSON.parse(cli.stdout) as Array<{ id: number; rule_id: string; evidence: { setl_ids: string[] }; clause: string; explanation: string }>;
    expect(out.map((x) => x.evidence.setl_ids)).toEqual([['R2'], ['R1']]);
    expect(out[0]?.clause).toContain('晋市医保发〔2022〕22号');
    expect((await runCli(['alerts', '--region', 'x'], { url })).code).toBe(1);

    const rc = await runCli(['recompute', '--json'], { url });
    expect(rc.code).toBe(0);
    expect(JSON.parse(rc.stdout)).toMatchObject({ mode: 'full', alerts: { inserted: 0, total: 2 } });
    const again = await runCli(['recompute', '--json'], { url });
    expect(JSON.parse(again.stdout)).toMatchObject({ mode: 'none' });
    const from = await runCli(['recompute', '--from', '2024-03-01', '--json'], { url });
    expect(JSON.parse(from.stdout)).toMatchObject({ mode: 'from', months: ['2024-03'] });
  });

  it('a re-run withdraws an untouched alert that no longer holds (reversed claim), keeps a worked one, and re-raises it when it holds again', async () => {
    const { db } = await testDatabase();
    const c = db.$client;
    await insertVisits(db, [
      ...background('2024-03', 2, 5),
      { id: 'W1', psn: 'P1', inst: 'XR', time: '2024-03-02 09:00:00+08', lines: [{ type: '09', amt: 5000, days: 20, drug: 'Z' }] },
      { id: 'W2', psn: 'P2', inst: 'XQ', time: '2024-03-02 09:00:00+08', lines: [{ type: '09', amt: 5000, days: 21, drug: 'Z' }] },
    ]);
    await readjudicate(db, { months: [], regionCodes: [], full: true });
    await c.query('update settlements s set hifp_pay = a.fund_pay from adjudications a where a.setl_id = s.setl_id and a.setl_time = s.setl_time');
    const run = async () => {
      await refreshIndicators(db, { months: ['2024-03'], regionCodes: ['140500'] });
      return runRules(db, { months: ['2024-03'], regionCodes: ['140500'] });
    };
    await run();
    const ids = Object.fromEntries((await c.query<{ id: number; subject_id: string }>('select id, subject_id from alerts')).rows.map((r) => [r.subject_id, r.id]));
    expect(Object.keys(ids).sort()).toEqual(['XQ', 'XR']);
    const handler = (await c.query<{ id: number }>("insert into users (email, name, role, password_hash, regions) values ('h@t', '稽核员甲', 'inspector', 'x', '{140500}') returning id")).rows[0]?.id ?? 0;
    await assignAlerts(db, inspector, [ids.XQ as number], handler);

    await c.query("update settlements set reversed = true where setl_id in ('W1', 'W2')");
    expect((await run()).alerts.withdrawn).toBe(1);
    const status = async () => Object.fromEntries((await c.query<{ subject_id: string; status: string }>('select subject_id, status from alerts')).rows.map((r) => [r.subject_id, r.status]));
    expect(await status()).toEqual({ XR: 'withdrawn', XQ: 'assigned' });
    const listed = await scoped(db, SYSTEM, (tx) => listAlerts(tx, { sort: { field: 'id', dir: 'asc' }, page: 1, pageSize: 10 }));
    expect(listed.rows.map((r) => r.subjectId)).toEqual(['XQ']);
    expect((await run()).alerts.withdrawn).toBe(0);

    await c.query("update settlements set reversed = false where setl_id = 'W1'");
    await run();
    expect(await status()).toEqual({ XR: 'new', XQ: 'assigned' });
    const detail = await scoped(db, SYSTEM, (tx) => getAlert(tx, ids.XR as number));
    expect(detail?.history.map((h) => `${h.action}:${h.fromStatus ?? ''}>${h.toStatus}`)).toEqual(['raised:>new', 'withdrawn:new>withdrawn', 'reraised:withdrawn>new']);
  });
});
