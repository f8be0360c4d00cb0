import { describe, expect, it } from 'vitest';
import { assignAlerts, confirmAlerts, describeResult, dismissAlerts, reopenAlerts } from '../lib/alerts/lifecycle';
import { parseDismissReason } from '../lib/alerts/verdict-reasons';
import { alertQueryFrom } from '../lib/dashboard/alerts';
import { assignableUsers } from '../lib/dashboard/users';
import { insertAlerts, makeActors, refusal } from './cases-fixture';
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

describe('assignment: only to users who can see and work the alert', () => {
  it('offers and accepts active inspectors/reviewers/admins of the region; refuses the others on the server; shows and filters by assignee', async () => {
    const { db } = await testDatabase();
    const jc = await makeActors(db, ['140500']);
    const nc = await makeActors(db, ['360100']);
    const c = db.$client;
    const off = (await c.query<{ id: number }>("insert into users (email, name, role, password_hash, regions, active) values ('off@t', '停用稽核员', 'inspector', 'x', '{140500}', false) returning id")).rows[0]?.id ?? 0;
    const [a, b, far] = await insertAlerts(db, [
      { subjectType: 'institution', subjectId: 'H1', period: '2024-03', amount: 100, status: 'new' },
      { subjectType: 'institution', subjectId: 'H2', period: '2024-03', amount: 100, status: 'new' },
      { region: '360100', subjectType: 'institution', subjectId: 'H3', period: '2024-03', amount: 100, status: 'new' },
    ]);
    const A = a ?? 0;
    const B = b ?? 0;
    const FAR = far ?? 0;
    const admin: Actor = { userId: jc.admin.userId, name: jc.admin.name, role: 'admin', regions: ['*'] };

    // the choices offered for a Jincheng alert: no Nanchang inspector, no viewer, no deactivated account
    const offered = await scoped(db, jc.inspector, (tx) => assignableUsers(tx, ['140500']));
    expect(offered.map((u) => u.name).sort()).toEqual([jc.admin.name, jc.inspector.name, jc.reviewer.name].sort());
    const both = await scoped(db, SYSTEM, (tx) => assignableUsers(tx, ['140500', '360100']));
    expect(both).toEqual([]);

    // the server refuses the same people
    expect(await assignAlerts(db, admin, [A], nc.inspector.userId ?? 0)).toEqual({ changed: [], unchanged: [{ id: A, reason: `预警 ${A}：${nc.inspector.name} 的辖区不含 140500，看不到该预警` }] });
    expect(await refusal(assignAlerts(db, admin, [A], jc.viewer.userId ?? 0))).toEqual({ field: 'userId', message: `${jc.viewer.name} 为只读用户，不能处理预警` });
    expect(await refusal(assignAlerts(db, admin, [A], off))).toEqual({ field: 'userId', message: '停用稽核员 的账户已停用，不能分派' });
    expect(await refusal(assignAlerts(db, admin, [A], 987654))).toEqual({ field: 'userId', message: '处理人不存在（用户编号 987654）' });
    expect((await c.query('select count(*)::int as n from alert_events where alert_id = $1', [A])).rows[0]).toEqual({ n: 0 });
    // a Jincheng inspector probing a Nanchang account's id learns nothing of it (as if it did not exist)
    const probe = nc.inspector.userId ?? 0;
    expect(await refusal(assignAlerts(db, jc.inspector, [A], probe))).toEqual({ field: 'userId', message: `处理人不存在（用户编号 ${probe}）` });

    // a mixed selection: the Nanchang alert is refused for a Jincheng inspector, the rest is assigned
    const r = await assignAlerts(db, admin, [A, B, FAR], jc.inspector.userId ?? 0);
    expect(r.changed).toEqual([A, B]);
    expect(r.unchanged).toEqual([{ id: FAR, reason: `预警 ${FAR}：${jc.inspector.name} 的辖区不含 360100，看不到该预警` }]);
    expect(describeResult('已分派', r)).toBe(`已分派 2 条，未变更 1 条：预警 ${FAR}：${jc.inspector.name} 的辖区不含 360100，看不到该预警`);

    // 我的预警: the URL filter becomes a server-side condition on the signed-in user
    const q = alertQueryFrom({ mine: '1', status: 'assigned' }, jc.inspector.userId);
    expect(q.params.filters).toMatchObject({ assignedTo: jc.inspector.userId, status: 'assigned' });
    const mine = await scoped(db, jc.inspector, (tx) => listAlerts(tx, q.params));
    expect(mine.rows.map((x) => x.id).sort()).toEqual([A, B]);
    const theirs = await scoped(db, jc.reviewer, (tx) => listAlerts(tx, alertQueryFrom({ mine: '1' }, jc.reviewer.userId).params));
    expect(theirs.total).toBe(0);
  });
});

describe('verdicts: opinion, reason codes, 撤销, per-alert results', () => {
  it('confirm needs an opinion; dismiss keeps the reason code and text as data; reopen goes back with audit', async () => {
    const { db } = await testDatabase();
    const jc = await makeActors(db, ['140500']);
    const c = db.$client;
    const ids = await insertAlerts(db, [
      { subjectType: 'institution', subjectId: 'H1', period: '2024-03', amount: 100, status: 'new' },
      { subjectType: 'institution', subjectId: 'H2', period: '2024-03', amount: 100, status: 'new' },
      { subjectType: 'institution', subjectId: 'H3', period: '2024-03', amount: 100, status: 'case' },
    ]);
    const [a = 0, b = 0, inCase = 0] = ids;
    const insp = jc.inspector;

    expect(await refusal(confirmAlerts(db, insp, [a], '  '))).toEqual({ field: 'opinion', message: '确认违规须填写意见' });
    expect(await refusal(dismissAlerts(db, insp, [b], { code: '' }))).toEqual({ field: 'reasonCode', message: '排除预警须选择误报原因' });
    expect(await refusal(dismissAlerts(db, insp, [b], { code: 'bogus' }))).toEqual({ field: 'reasonCode', message: '误报原因「bogus」不在可选范围内' });
    expect(await refusal(dismissAlerts(db, insp, [b], { code: 'other', text: ' ' }))).toEqual({ field: 'reason', message: '误报原因为「其他」时须填写说明' });
    expect(parseDismissReason('已备案：专科医院长期处方')).toEqual({ code: 'filed', text: '专科医院长期处方' });
    expect(parseDismissReason('threshold_strict: 老年患者多')).toEqual({ code: 'threshold_strict', text: '老年患者多' });
    expect(parseDismissReason('说不清')).toEqual({ code: 'other', text: '说不清' });

    expect(await confirmAlerts(db, insp, [a], '处方超量属实，已调阅病历')).toEqual({ changed: [a], unchanged: [] });
    expect(await dismissAlerts(db, insp, [b], { code: 'filed', text: '慢病长处方已备案' })).toEqual({ changed: [b], unchanged: [] });
    const ev = (await c.query('select alert_id, action, from_status, to_status, reason, reason_code, user_id from alert_events order by id')).rows;
    expect(ev).toEqual([
      { alert_id: a, action: 'confirm', from_status: 'new', to_status: 'confirmed', reason: '处方超量属实，已调阅病历', reason_code: null, user_id: insp.userId },
      { alert_id: b, action: 'dismiss', from_status: 'new', to_status: 'dismissed', reason: '慢病长处方已备案', reason_code: 'filed', user_id: insp.userId },
    ]);
    expect((await c.query('select dismiss_reason from alerts where id = $1', [b])).rows[0]).toEqual({ dismiss_reason: '已备案：慢病长处方已备案' });

    // 撤销: a reason is required; a confirmed or dismissed alert goes back, an open or case alert does not
    expect(await refusal(reopenAlerts(db, insp, [b], ''))).toEqual({ field: 'reason', message: '撤销结论须填写理由' });
    await c.query('update alerts set assigned_to = $1 where id = $2', [insp.userId, a]);
    const r = await reopenAlerts(db, insp, [a, b, inCase], '复核发现备案已过期，重新判断');
    expect(r).toEqual({ changed: [a, b], unchanged: [{ id: inCase, reason: `预警 ${inCase} 当前状态为「已立案」，不能撤销结论` }] });
    const after = (await c.query('select id, status, dismiss_reason from alerts where id = any($1) order by id', [[a, b]])).rows;
    expect(after).toEqual([
      { id: a, status: 'assigned', dismiss_reason: null },
      { id: b, status: 'new', dismiss_reason: null },
    ]);
    const audits = (await c.query<{ entity_id: string; action: string; before: unknown; after: { status: string; reason: string } }>("select entity_id, action, before, after from audit_log where action = 'alert.reopen' order by id")).rows;
    expect(audits.map((x) => [Number(x.entity_id), x.action, (x.before as { status: string }).status, x.after.status, x.after.reason])).toEqual([
      [a, 'alert.reopen', 'confirmed', 'assigned', '复核发现备案已过期，重新判断'],
      [b, 'alert.reopen', 'dismissed', 'new', '复核发现备案已过期，重新判断'],
    ]);
    // after 撤销 a new verdict may be given
    expect((await dismissAlerts(db, insp, [a], '阈值过严：老年患者集中')).changed).toEqual([a]);
    expect((await c.query("select reason_code from alert_events where alert_id = $1 and action = 'dismiss'", [a])).rows).toEqual([{ reason_code: 'threshold_strict' }]);
  });

  it('a bulk action changes the alerts that can change and reports each one that cannot', async () => {
    const { db } = await testDatabase();
    const jc = await makeActors(db, ['140500']);
    const c = db.$client;
    const [ok1 = 0, ok2 = 0, dismissed = 0, inCase = 0, far = 0] = await insertAlerts(db, [
      { subjectType: 'institution', subjectId: 'H1', period: '2024-03', amount: 100, status: 'new' },
      { subjectType: 'institution', subjectId: 'H2', period: '2024-03', amount: 100, status: 'assigned' },
      { subjectType: 'institution', subjectId: 'H3', period: '2024-03', amount: 100, status: 'dismissed' },
      { subjectType: 'institution', subjectId: 'H4', period: '2024-03', amount: 100, status: 'case' },
      { region: '360100', subjectType: 'institution', subjectId: 'H5', period: '2024-03', amount: 100, status: 'new' },
    ]);
    const r = await confirmAlerts(db, jc.inspector, [ok1, dismissed, ok2, inCase, far, 99999999], '批量核实属实');
    expect(r.changed).toEqual([ok1, ok2]);
    expect(r.unchanged).toEqual([
      { id: dismissed, reason: `预警 ${dismissed} 当前状态为「已排除」，不能确认` },
      { id: inCase, reason: `预警 ${inCase} 当前状态为「已立案」，不能确认` },
      // another region's alert is invisible under RLS, like one that does not exist
      { id: far, reason: `预警 ${far} 不存在或不在您的辖区` },
      { id: 99999999, reason: '预警 99999999 不存在或不在您的辖区' },
    ]);
    const st = (await c.query<{ id: number; status: string }>('select id, status from alerts order by id')).rows.map((x) => x.status);
    expect(st).toEqual(['confirmed', 'confirmed', 'dismissed', 'case', 'new']);
    expect((await c.query("select count(*)::int as n from audit_log where action = 'alert.confirm'")).rows[0]).toEqual({ n: 2 });
    expect(describeResult('已确认', r)).toMatch(/^已确认 2 条，未变更 4 条：/);
  });

  it('the CLI records a verdict as a named user, with the same checks and rows', async () => {
    const { db, url } = await testDatabase();
    const jc = await makeActors(db, ['140500']);
    const c = db.$client;
    const [a = 0, b = 0, far = 0] = await insertAlerts(db, [
      { subjectType: 'institution', subjectId: 'H1', period: '2024-03', amount: 100, status: 'new' },
      { subjectType: 'institution', subjectId: 'H2', period: '2024-03', amount: 100, status: 'new' },
      { region: '360100', subjectType: 'institution', subjectId: 'H3', period: '2024-03', amount: 100, status: 'new' },
    ]);
    const noOpinion = await runCli(['alerts', 'verdict', String(a), '--confirm', '--as', 'insp-140500@t'], { url });
    expect(noOpinion.code).toBe(1);
    expect(noOpinion.stderr).toContain('确认违规须填写意见');
    const ok = await runCli(['alerts', 'verdict', String(a), '--confirm', '--reason', '超量开药属实', '--as', 'insp-140500@t', '--json'], { url });
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ changed: [a], unchanged: [] });
    const some = await runCli(['alerts', 'verdict', String(b), String(far), '--dismiss', '--reason', '合理用药：术后镇痛', '--as', 'insp-140500@t', '--json'], { url });
    expect(some.code).toBe(1);
    expect(JSON.parse(some.stdout)).toEqual({ changed: [b], unchanged: [{ id: far, reason: `预警 ${far} 不存在或不在您的辖区` }] });
    const viewer = await runCli(['alerts', 'verdict', String(b), '--reopen', '--reason', '重新判断', '--as', 'view-140500@t'], { url });
    expect(viewer.code).toBe(1);
    expect(viewer.stderr).toContain('只读');
    const ev = (await c.query('select alert_id, action, reason, reason_code, user_id from alert_events order by id')).rows;
    expect(ev).toEqual([
      { alert_id: a, action: 'confirm', reason: '超量开药属实', reason_code: null, user_id: jc.inspector.userId },
      { alert_id: b, action: 'dismiss', reason: '术后镇痛', reason_code: 'reasonable_use', user_id: jc.inspector.userId },
    ]);
    const audits = (await c.query<{ actor_id: string | null; action: string }>("select user_id::text as actor_id, action from audit_log where entity = 'alert' order by id")).rows;
    expect(audits).toEqual([
      { actor_id: String(jc.inspector.userId), action: 'alert.confirm' },
      { actor_id: String(jc.inspector.userId), action: 'alert.dismiss' },
    ]);
  });
});
