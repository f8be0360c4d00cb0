/**
 * Issue 21: the loop from verdicts back to the rules, on a generated year (the demo generator with its showcase
 * patterns, reduced in size) plus one decided suspension, so that every rule has stored alerts.
 * - `rules backtest` with no change reproduces the stored alerts of EVERY rule; with a change, the alerts that
 *   disappear are exactly the stored ones the new threshold no longer reaches (checked against the alerts' values),
 *   nothing stored changes, and confirmed/dismissed figures follow the verdicts;
 * - `rules list`, `rules quality` (after verdicts, a reversal among them) and `alerts verdict`;
 * - adopting thresholds: admin only, a version with the back-test's figures in the audit log; the next recompute
 *   judges alerts from the effective month by it and keeps the earlier ones under their version.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SETS, loadDemo } from '../lib/demo';
import type { Db } from '../lib/db/client';
import { scopedClient } from '../lib/db/scoped-client';
import { SYSTEM } from '../lib/db/scoped';
import { users } from '../lib/db/schema';
import { refreshIndicators } from '../lib/indicators/refresh';
import { rules } from '../lib/rules';
import { backtestRule } from '../lib/rules/backtest';
import { runRules } from '../lib/rules/run';
import { runCli, testDatabase } from './db';

let db: Db;
let url: string;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ofm-bt-'));
const REGION = '140500';
const OTHERS = ['140800', '430100', '360100', '152501'];

const recompute = async () => {
  await refreshIndicators(db, { months: [], regionCodes: [], full: true });
  return runRules(db, { months: [], regionCodes: [], full: true });
};
const q = async <T extends Record<string, unknown>>(text: string, params: unknown[] = []) => (await db.$client.query<T>(text, params)).rows;
const cliJson = async <T>(args: string[]) => {
  const r = await runCli([...args, '--json'], { url });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
};

beforeAll(async () => {
  ({ db, url } = await testDatabase());
  await loadDemo(db, { dir, set: { ...DEMO_SETS.city, persons: 3000 } });
  // SUSPENDED needs a decided suspension: one person with visits in June 2024, suspended for that month
  const [p] = await q<{ psn_no: string }>(
    `select psn_no from settlements where admdvs = $1 and setl_time >= '2024-06-01' and setl_time < '2024-07-01' and not reversed and hifp_pay > 0 order by psn_no limit 1`,
    [REGION],
  );
  await q(`insert into suspensions (region_code, psn_no, start_date, end_date) values ($1, $2, '2024-06-01', '2024-07-01')`, [REGION, p?.psn_no]);
  // the peer rules need larger peer groups than a reduced year gives: the other regions run under a version with
  // looser peer thresholds (which also puts the back-test's per-region versions to work)
  const def = JSON.parse(fs.readFileSync('policies/monitoring/default.json', 'utf8')) as { thresholds: Record<string, { value: number }> };
  const loose: Record<string, number> = { minPeerSize: 3, minVolume: 5, ratioMinVolume: 5, peerPercentile: 0.8, robustZ: 1.5, selfpayMinRatio: 1.3, examMinRatio: 1.2, growthMom: 0.15, growthMinVisits: 10, growthMinVisitsPrev: 10, growthMinT: 1.5, growthRobustZ: 1.5 };
  const t = Object.fromEntries(Object.entries(loose).map(([k, v]) => [k, { ...def.thresholds[k], value: v }]));
  for (const r of OTHERS) {
    await q(`insert into monitoring_versions (region_code, effective_from, thresholds, based_on, rule_id, reason, author, backtest) values ($1, '2024-01-01', $2, 'monitoring-default', 'IND-SELFPAY', '测试：放宽同组阈值', 'test', '{}')`, [r, JSON.stringify(t)]);
  }
  await recompute();
  for (const [email, role, regions] of [
    ['admin@t', 'admin', ['*']],
    ['insp@t', 'inspector', [REGION]],
  ] as const) {
    await db.insert(users).values({ email, name: email.split('@')[0] ?? email, role, passwordHash: 'x', regions: [...regions] });
  }
}, 600_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('back-test', () => {
  it('every rule has stored alerts in the fixture (so the reproduction below is not vacuous)', async () => {
    const rows = await q<{ rule_id: string; n: number }>(`select rule_id, count(*)::int as n from alerts where status <> 'withdrawn' group by 1`);
    const have = new Set(rows.filter((r) => r.n > 0).map((r) => r.rule_id));
    expect(rules.map((r) => r.id).filter((id) => !have.has(id))).toEqual([]);
  }, 180_000);

  it('with no change reproduces the stored alerts of every rule exactly', async () => {
    for (const rule of rules) {
      const r = await scopedClient(db, SYSTEM, (c) => backtestRule(c, { ruleId: rule.id }), { readOnly: true });
      const [stored] = await q<{ n: number }>(`select count(*)::int as n from alerts where rule_id = $1 and status <> 'withdrawn'`, [rule.id]);
      expect(r.alerts_before, rule.id).toBe(stored?.n);
      expect(r.alerts_after, rule.id).toBe(r.alerts_before);
      expect(r.appear.map((a) => `${a.region_code} ${a.subject_id} ${a.period_key}`), rule.id).toEqual([]);
      expect(r.disappear.map((a) => a.id), rule.id).toEqual([]);
      expect(r.amount_after, rule.id).toBe(r.amount_before);
    }
  }, 300_000);

  it('a changed threshold: the stored alerts it no longer reaches disappear, verdict figures follow, nothing stored changes', async () => {
    const rule = 'RX-DAYS-ORD-WARN';
    const stored = await q<{ id: number; value: number; status: string; amount: number }>(
      `select id, value, status, amount from alerts where rule_id = $1 and region_code = $2 and status <> 'withdrawn' order by value, id`,
      [rule, REGION],
    );
    expect(stored.length).toBeGreaterThan(3);
    // pick a candidate between the smallest and largest values; verdicts on one alert below it and one above it
    const values = [...new Set(stored.map((a) => a.value))].sort((a, b) => a - b);
    expect(values.length).toBeGreaterThan(1);
    const cand = values[0] ?? 0;
    const low = stored.filter((a) => a.value <= cand);
    const high = stored.filter((a) => a.value > cand);
    const dismissLow = low[0]?.id ?? 0;
    const confirmLow = low[1]?.id ?? high[1]?.id ?? 0;
    const confirmHigh = high[0]?.id ?? 0;
    const v1 = await runCli(['alerts', 'verdict', String(dismissLow), '--dismiss', '--reason', '阈值过严：七天以上常见', '--as', 'insp@t', '--json'], { url });
    expect(v1.code, v1.stderr).toBe(0);
    const v2 = await runCli(['alerts', 'verdict', String(confirmLow), String(confirmHigh), '--confirm', '--reason', '超量开药属实', '--as', 'insp@t', '--json'], { url });
    expect(v2.code, v2.stderr).toBe(0);

    const fingerprint = async () => q(`select count(*)::int as n, max(updated_at)::text as u, (select count(*)::int from alert_events) as e, (select count(*)::int from audit_log) as a from alerts`);
    const fp = await fingerprint();
    const r = await cliJson<Record<string, unknown> & { disappear: Array<{ id: number; status: string }>; appear: unknown[]; thresholds: Record<string, { before: number; after: number }> }>([
      'rules', 'backtest', '--rule', rule, '--set', `rxDaysOrdinaryWarn=${cand}`, '--region', REGION, '--from', '2024-01-01', '--to', '2024-12-31',
    ]);
    expect(await fingerprint()).toEqual(fp);
    expect(r.thresholds).toEqual({ rxDaysOrdinaryWarn: { before: 7, after: cand }, rxDaysOrdinaryMax: { before: 14, after: 14 } });
    // the alerts that disappear: exactly the stored ones whose longest prescription does not exceed the candidate
    expect(r.disappear.map((a) => a.id).sort((a, b) => a - b)).toEqual(low.map((a) => a.id).sort((a, b) => a - b));
    expect(r.appear).toEqual([]);
    const lowConfirmed = low.some((a) => a.id === confirmLow) ? 1 : 0;
    expect(r).toMatchObject({
      rule,
      alerts_before: stored.length,
      alerts_after: high.length,
      confirmed_kept: 2 - lowConfirmed,
      confirmed_lost: lowConfirmed,
      dismissed_avoided: 1,
      unreviewed_new: 0,
      precision_before: 2 / 3,
      precision_after: 1,
      amount_before: stored.reduce((s, a) => s + Number(a.amount), 0),
      amount_lost: low.reduce((s, a) => s + Number(a.amount), 0),
    });

    // lowering a threshold raises alerts nobody reviewed
    const lower = await cliJson<{ unreviewed_new: number; alerts_after: number; alerts_before: number; appear: Array<{ explanation: string; setl_ids: string[] }> }>([
      'rules', 'backtest', '--rule', rule, '--set', 'rxDaysOrdinaryWarn=3', '--region', REGION,
    ]);
    expect(lower.unreviewed_new).toBeGreaterThan(0);
    expect(lower.alerts_after).toBe(lower.alerts_before + lower.unreviewed_new);
    expect(lower.appear[0]?.explanation).toContain('3 天');
    expect(lower.appear[0]?.setl_ids.length).toBeGreaterThan(0);
  }, 300_000);

  it('refuses bad input naming the field: unknown rule, a key the rule does not read, a bad number or date', async () => {
    const cases: Array<[string[], string]> = [
      [['rules', 'backtest', '--rule', 'NOPE'], '--rule'],
      [['rules', 'backtest', '--rule', 'RX-DAYS-ORD', '--set', 'robustZ=2'], '--set'],
      [['rules', 'backtest', '--rule', 'RX-DAYS-ORD', '--set', 'rxDaysOrdinaryMax=abc'], '--set'],
      [['rules', 'backtest', '--rule', 'RX-DAYS-ORD', '--from', '2024-13-01'], '--from'],
    ];
    for (const [args, field] of cases) {
      const r = await runCli(args, { url });
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toContain(field);
    }
  }, 180_000);
});

describe('rules list and rules quality', () => {
  it('rules list: every rule with name, default thresholds from the file, basis, and per region where each comes from', async () => {
    const def = JSON.parse(fs.readFileSync('policies/monitoring/default.json', 'utf8')) as { thresholds: Record<string, { value: number }> };
    const list = await cliJson<Array<{ id: string; nameZh: string; thresholds: Record<string, number>; basis: Array<{ doc: string; clause: string }>; regions: Array<{ region: string; thresholds: Record<string, { value: number; source: string }> }> }>>(['rules', 'list']);
    expect(list.map((r) => r.id)).toEqual(rules.map((r) => r.id));
    for (const r of list) {
      const rule = rules.find((x) => x.id === r.id);
      expect(r.nameZh).toBe(rule?.nameZh);
      expect(r.thresholds).toEqual(Object.fromEntries((rule?.thresholds ?? []).map((k) => [k, def.thresholds[k]?.value])));
    }
    const ord = list.find((r) => r.id === 'RX-DAYS-ORD');
    expect(ord?.basis.length).toBeGreaterThan(0);
    expect(ord?.basis[0]).toEqual({ doc: expect.any(String), clause: expect.any(String) });
    expect(ord?.regions.find((g) => g.region === REGION)?.thresholds.rxDaysOrdinaryMax).toMatchObject({ value: 14, source: 'default' });
    const human = await runCli(['rules', 'list'], { url });
    expect(human.stdout).toContain('普通疾病处方超最长天数');
  }, 180_000);

  it('rules quality: counts from verdicts, reasons, a reversed verdict counted once, precision = confirmed ÷ reviewed', async () => {
    const rule = 'SPLIT-VISIT';
    const ids = (await q<{ id: number }>(`select id from alerts where rule_id = $1 and region_code = $2 and status = 'new' order by id limit 4`, [rule, REGION])).map((r) => r.id);
    expect(ids.length).toBe(4);
    const [a, b, c, d] = ids.map(String) as [string, string, string, string];
    const verdict = async (args: string[]) => {
      const r = await runCli(['alerts', 'verdict', ...args, '--as', 'insp@t', '--json'], { url });
      expect(r.code, r.stderr).toBe(0);
    };
    await verdict([a, '--confirm', '--reason', '分解就诊属实']);
    await verdict([b, '--dismiss', '--reason-code', 'filed', '--reason', '日间透析已备案']);
    await verdict([c, '--dismiss', '--reason', '数据错误：重复上传']);
    // a reversal: dismissed, reopened, then confirmed — kept in the history, counted once as confirmed
    await verdict([d, '--dismiss', '--reason', '合理用药']);
    await verdict([d, '--reopen', '--reason', '复核发现为分解']);
    await verdict([d, '--confirm', '--reason', '复核后确认']);
    const events = await q<{ action: string; reason_code: string | null; user_id: number | null }>(`select action, reason_code, user_id from alert_events where alert_id = $1 order by id`, [Number(d)]);
    expect(events.map((e) => [e.action, e.reason_code])).toEqual([['raised', null], ['dismiss', 'reasonable_use'], ['reopen', null], ['confirm', null]]);
    expect(events.slice(1).every((e) => e.user_id !== null)).toBe(true);

    const rows = await cliJson<Array<{ rule: string; region: string; alerts: number; reviewed: number; confirmed: number; dismissed: number; precision: number | null; dismissed_by_reason: Record<string, number>; median_days_to_verdict: number | null; quarters: Array<{ quarter: string; alerts: number; reviewed: number }>; realtime: unknown }>>(['rules', 'quality', '--region', REGION]);
    const row = rows.find((r) => r.rule === rule && r.region === REGION);
    const [stored] = await q<{ n: number }>(`select count(*)::int as n from alerts where rule_id = $1 and region_code = $2 and status <> 'withdrawn'`, [rule, REGION]);
    expect(row).toMatchObject({ alerts: stored?.n, reviewed: 4, confirmed: 2, dismissed: 2, precision: 0.5, dismissed_by_reason: { filed: 1, data_error: 1 }, realtime: null });
    expect(row?.median_days_to_verdict).toBeGreaterThanOrEqual(0);
    expect(row?.quarters.reduce((s, x) => s + x.alerts, 0)).toBe(stored?.n);
    expect(row?.quarters.reduce((s, x) => s + x.reviewed, 0)).toBe(4);
    expect(rows.every((r) => r.region === REGION)).toBe(true);
    // a rule nobody reviewed has no precision
    expect(rows.find((r) => r.rule === 'TWO-PLACES')?.precision ?? null).toBeNull();
  }, 300_000);
});

describe('adopting thresholds', () => {
  const RULE = 'RX-DAYS-ORD-WARN';
  const argsFor = (v: number) => ['rules', 'adopt', '--rule', RULE, '--region', REGION, '--set', `rxDaysOrdinaryWarn=${v}`, '--effective', '2024-07-01', '--reason', '七至十天处方多为合理用药', '--from', '2024-01-01', '--to', '2024-06-30'];
  const args = argsFor(10);

  it('is for an admin only, with a reason and a month start', async () => {
    const insp = await runCli([...args, '--as', 'insp@t'], { url });
    expect(insp.code).toBe(1);
    const noReason = await runCli([...args.map((x) => (x === '七至十天处方多为合理用药' ? ' ' : x)), '--as', 'admin@t'], { url });
    expect(noReason.code).toBe(1);
    expect(noReason.stderr).toContain('理由');
    const midMonth = await runCli([...args.map((x) => (x === '2024-07-01' ? '2024-07-15' : x)), '--as', 'admin@t'], { url });
    expect(midMonth.code).toBe(1);
    expect(midMonth.stderr).toContain('1 日');
    expect(await q('select * from monitoring_versions where region_code = $1', [REGION])).toEqual([]);
  }, 180_000);

  it('stores a version with the back-test figures in the audit; the next recompute follows it from that month, earlier alerts keep theirs', async () => {
    const before = await q<{ id: number; period_key: string; value: number; status: string; policy_id: string }>(
      `select id, period_key, value, status, policy_id from alerts where rule_id = $1 and region_code = $2 and status <> 'withdrawn' order by id`,
      [RULE, REGION],
    );
    // the candidate: the smallest value among the untouched alerts from July, so that at least one no longer holds
    const cand = Math.min(...before.filter((a) => a.period_key >= '2024-07' && a.status === 'new').map((a) => a.value));
    expect(Number.isFinite(cand)).toBe(true);
    const bt = await cliJson<{ alerts_before: number; alerts_after: number }>(['rules', 'backtest', '--rule', RULE, '--region', REGION, '--set', `rxDaysOrdinaryWarn=${cand}`, '--from', '2024-01-01', '--to', '2024-06-30']);
    const r = await cliJson<{ id: number; policyId: string; basedOn: string; backtest: { alerts_before: number; alerts_after: number } }>([...argsFor(cand), '--as', 'admin@t']);
    expect(r.basedOn).toBe('monitoring-default');
    expect(r.policyId).toBe(`monitoring-${REGION}-2024-07-01-v${r.id}`);
    expect(r.backtest).toMatchObject({ alerts_before: bt.alerts_before, alerts_after: bt.alerts_after });
    const [audit] = await q<{ action: string; region_code: string; after: { backtest: { alerts_before: number }; reason: string; thresholds: Record<string, number> } }>(
      `select action, region_code, after from audit_log where action = 'monitoring.adopt'`,
    );
    expect(audit).toMatchObject({ region_code: REGION, after: { reason: '七至十天处方多为合理用药', thresholds: { rxDaysOrdinaryWarn: cand }, backtest: { alerts_before: bt.alerts_before } } });
    // the same month again is refused
    const again = await runCli([...argsFor(cand), '--as', 'admin@t'], { url });
    expect(again.code).toBe(1);

    await recompute();
    const after = await q<{ id: number; period_key: string; value: number; status: string; policy_id: string; evidence: { thresholds: Record<string, { value: number }> } }>(
      `select id, period_key, value, status, policy_id, evidence from alerts where rule_id = $1 and region_code = $2 order by id`,
      [RULE, REGION],
    );
    const live = after.filter((a) => a.status !== 'withdrawn');
    const early = live.filter((a) => a.period_key < '2024-07');
    const late = live.filter((a) => a.period_key >= '2024-07');
    expect(early.length).toBeGreaterThan(0);
    expect(late.length).toBeGreaterThan(0);
    // earlier alerts: unchanged, under the file
    expect(early.map((a) => a.id)).toEqual(before.filter((a) => a.period_key < '2024-07').map((a) => a.id));
    expect(early.every((a) => a.policy_id === 'monitoring-default' && a.evidence.thresholds.rxDaysOrdinaryWarn?.value === 7)).toBe(true);
    // from July: judged by the version (untouched alerts at or below the candidate withdrawn; worked ones are kept as they were)
    for (const a of late) {
      if (a.status === 'new') {
        expect(a.policy_id).toBe(`monitoring-default+${r.policyId}`);
        expect(a.value).toBeGreaterThan(cand);
        expect(a.evidence.thresholds.rxDaysOrdinaryWarn?.value).toBe(cand);
      }
    }
    const withdrawn = after.filter((a) => a.status === 'withdrawn' && a.period_key >= '2024-07');
    expect(withdrawn.length).toBe(before.filter((a) => a.period_key >= '2024-07' && a.value <= cand && a.status === 'new').length);
    expect(withdrawn.length).toBeGreaterThan(0);
    // another region is not affected
    const other = await q<{ n: number }>(`select count(*)::int as n from alerts where region_code <> $2 and policy_id like '%' || $1 || '%'`, [r.policyId, REGION]);
    expect(other[0]?.n).toBe(0);

    // rules list shows where the threshold now comes from; a no-change back-test still reproduces the stored alerts,
    // but for alerts a person worked on (never withdrawn by a re-run) that the new version no longer raises
    const list = await cliJson<Array<{ id: string; regions: Array<{ region: string; thresholds: Record<string, { value: number; source: string }> }> }>>(['rules', 'list', '--region', REGION]);
    expect(list.find((x) => x.id === RULE)?.regions[0]?.thresholds.rxDaysOrdinaryWarn).toMatchObject({ value: cand, source: 'version' });
    const same = await scopedClient(db, SYSTEM, (c) => backtestRule(c, { ruleId: RULE }), { readOnly: true });
    expect(same.appear).toEqual([]);
    const worked = after.filter((a) => a.status !== 'new' && a.status !== 'withdrawn' && a.period_key >= '2024-07' && a.value <= cand).map((a) => a.id);
    expect(same.disappear.map((a) => a.id).sort((a, b) => a - b)).toEqual(worked.sort((a, b) => a - b));
    expect(same.thresholds.rxDaysOrdinaryWarn?.before).toBeNull(); // 7 before July, the candidate after: differs by month
  }, 300_000);
});
