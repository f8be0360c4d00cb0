/**
 * Policy what-if (issue 22): the `whatif` and `adjudicate --policy` commands (CONTRACT.md), exactness
 * against the stored adjudications in each of the five regions, and saved scenarios (roles, regions, audit).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../lib/db/client';
import type { Actor } from '../lib/db/scoped';
import { SYSTEM } from '../lib/db/scoped';
import { ForbiddenError, InputError, NotFoundError } from '../lib/errors';
import { loadPolicies, policyFor, type Policy } from '../lib/policies';
import { DEMO_REGIONS } from '../lib/demo';
import { buildScenario, draftOf } from '../lib/whatif/draft';
import { toDocument } from '../lib/whatif/contract';
import { runWhatif } from '../lib/whatif/run';
import { scenarioImpact } from '../lib/whatif/view';
import { impactWorkbook } from '../lib/whatif/xlsx';
import { clearVisitCache } from '../lib/whatif/visits';
import ExcelJS from 'exceljs';
import { getScenario, listScenarios, saveScenario } from '../lib/whatif/store';
import { loadDashboardData } from './dashboard-fixture';
import { runCli, testDatabase } from './db';

let db: Db;
let url: string;
const from = '2024-07-01';
const policies = loadPolicies();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'whatif-'));

/** fen from a contract string "1234.50" */
const fenOf = (s: string | undefined) => {
  const m = /^(-?)(\d+)\.(\d\d)$/.exec(s ?? '');
  if (!m) throw new Error(`not a contract amount: ${s}`);
  return (m[1] ? -1 : 1) * (Number(m[2]) * 100 + Number(m[3]));
};

/** The published version in force for the region on a date, as a scenario for that region only (its own dates). */
function sameAsInForce(region: string, date: string): Policy {
  const p = policyFor(policies, region, date);
  return { ...p, id: `whatif-same-${region}-${date}`, region_prefixes: [region] };
}

function policyForOrNull(region: string, date: string): Policy | null {
  try {
    return policyFor(policies, region, date);
  } catch {
    return null;
  }
}

function writePolicy(p: Policy): string {
  const f = path.join(tmp, `${p.id}.json`);
  fs.writeFileSync(f, JSON.stringify(p));
  return f;
}

async function storedFundPay(region: string, from: string, to: string): Promise<{ fund: number; visits: number; errors: number }> {
  const r = await db.$client.query<{ fund: string; n: number; errors: number }>(
    `select coalesce(sum(a.fund_pay), 0)::text as fund, count(*)::int as n, count(a.error)::int as errors from adjudications a
      where a.admdvs = $1 and a.setl_time >= ($2 || ' 00:00:00+08')::timestamptz and a.setl_time < ($3 || ' 00:00:00+08')::timestamptz + interval '1 day'`,
    [region, from, to],
  );
  return { fund: Number(r.rows[0]?.fund ?? 0), visits: r.rows[0]?.n ?? 0, errors: r.rows[0]?.errors ?? 0 };
}

beforeAll(async () => {
  ({ db, url } = await testDatabase());
  await loadDashboardData(db, { persons: 150, months: 12 });
}, 240_000);

describe('exactness: a scenario equal to the policy in force moves nothing', () => {
  for (const { code } of DEMO_REGIONS) {
    it(`${code}: to the fen, the stored adjudications' totals (each version in force in 2024)`, async () => {
      const stored = await storedFundPay(code, '2024-01-01', '2024-12-31');
      expect(stored.visits).toBeGreaterThan(50);
      // 运城 140800 has no published version before 2024-07-01: those visits are errors before and after alike
      for (const date of ['2024-03-01', '2024-12-01'].filter((d) => policies.policies.some((p) => p === policyForOrNull(code, d)))) {
        const scenario = sameAsInForce(code, date);
        const r = await runWhatif(db, SYSTEM, policies, { scenario, region: code, from: '2024-01-01', to: '2024-12-31' });
        expect(r.visits).toBe(stored.visits);
        expect(r.errors).toBe(stored.errors);
        expect(r.total.fund.before).toBe(stored.fund);
        expect(r.total.fund.after).toBe(stored.fund);
        expect(r.changedVisits).toBe(0);
        expect(r.cappedPersons.after).toBe(r.cappedPersons.before);
        expect(r.byMonth.every((m) => m.fund.before === m.fund.after && m.self.before === m.self.after)).toBe(true);
        expect(r.byMonth.reduce((a, m) => a + m.fund.after, 0)).toBe(stored.fund);
      }
    });
  }
});

describe('whatif and adjudicate --policy (CONTRACT.md)', () => {
  const region = '140500';
  const from = '2024-08-01';
  const to = '2024-10-31';
  let file = '';
  let scenario: Policy;

  beforeAll(() => {
    const base = policyFor(policies, region, '2024-08-01');
    const d = draftOf(base);
    // a richer pharmacy rate, a lower cap and no deductible at 三类: cost moves both ways
    scenario = buildScenario(
      base,
      { ...d, rateInService: { ...d.rateInService, pharmacy: '80', '3': '75' }, rateRetired: { ...d.rateRetired, pharmacy: '85' }, capInService: '600', capRetired: '800', deductible: { ...d.deductible, '3': '0' } },
      { id: 'whatif-test', name: '药店比例提高', region },
    );
    file = writePolicy(scenario);
  });

  it('whatif --json prints the contract document; fund_pay_after equals the sum of adjudicate --policy over the same visits', async () => {
    const w = await runCli(['whatif', '--policy', file, '--from', from, '--to', to, '--json'], { url });
    expect(w.stderr).toBe('');
    expect(w.code).toBe(0);
    const doc = JSON.parse(w.stdout) as Record<string, unknown> & ReturnType<typeof toDocument>;
    for (const k of ['policy_id', 'region', 'from', 'to', 'visits', 'persons', 'fund_pay_before', 'fund_pay_after', 'fund_pay_delta', 'capped_persons_before', 'capped_persons_after', 'by_month', 'by_hosp_lv', 'by_psn_type']) {
      expect(doc, k).toHaveProperty(k);
    }
    expect(doc.policy_id).toBe('whatif-test');
    expect(doc.region).toBe(region);
    expect([doc.from, doc.to]).toEqual([from, to]);
    expect(doc.fund_pay_after).toMatch(/^\d+\.\d\d$/);
    expect(fenOf(doc.fund_pay_delta)).toBe(fenOf(doc.fund_pay_after) - fenOf(doc.fund_pay_before));
    expect(fenOf(doc.fund_pay_delta)).not.toBe(0);
    expect(doc.by_month.map((m) => m.month)).toEqual(['2024-08', '2024-09', '2024-10']);
    expect(doc.by_month.reduce((a, m) => a + fenOf(m.after), 0)).toBe(fenOf(doc.fund_pay_after));
    expect(doc.by_hosp_lv.reduce((a, m) => a + fenOf(m.after), 0)).toBe(fenOf(doc.fund_pay_after));
    expect(doc.by_psn_type.reduce((a, m) => a + fenOf(m.before), 0)).toBe(fenOf(doc.fund_pay_before));
    expect(doc.capped_persons_after).toBeGreaterThan(doc.capped_persons_before);
    // before = the stored adjudications of the period
    expect(fenOf(doc.fund_pay_before)).toBe((await storedFundPay(region, from, to)).fund);

    // The same visits as CONTRACT records, from 1 January (the year's running totals), in person and time order.
    const rows = await db.$client.query<Record<string, string | number | boolean | null>>(
      `select setl_id, psn_no, psn_type, admdvs, to_char(setl_time at time zone 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI:SS') as setl_time,
              fixmedins_code, fixmedins_type, hosp_lv::text, fee_class::text, med_type,
              (medfee_sumamt / 100.0)::numeric(14,2)::text as medfee_sumamt, (inscp_scp_amt / 100.0)::numeric(14,2)::text as inscp_scp_amt,
              (preselfpay_amt / 100.0)::numeric(14,2)::text as preselfpay_amt, (fulamt_ownpay_amt / 100.0)::numeric(14,2)::text as fulamt_ownpay_amt,
              designated, emergency, has_card, rx_from_designated, out_of_area_temporary, in_arrears, inpatient_overlap, suspended
         from settlements where admdvs = $1 and setl_time >= '2024-01-01 00:00:00+08' and setl_time < '2024-11-01 00:00:00+08'
          and not reversed and not refd_setl_flag order by admdvs, psn_no, setl_time, setl_id`,
      [region],
    );
    const inPeriod = new Set(rows.rows.filter((r) => String(r.setl_time) >= from && String(r.setl_time).slice(0, 10) <= to).map((r) => String(r.setl_id)));
    expect(inPeriod.size).toBe(doc.visits);
    const input = rows.rows.map((r) => JSON.stringify(Object.fromEntries(Object.entries(r).filter(([, v]) => v !== null)))).join('\n');
    const a = await runCli(['adjudicate', '--policy', file, '--json'], { url: 'postgres://nobody:nothing@127.0.0.1:1/none', input });
    expect(a.stderr).toBe('');
    expect(a.code).toBe(0);
    const lines = a.stdout.trim().split('\n').map((l) => JSON.parse(l) as { setl_id: string; fund_pay?: string; policy_id?: string; error?: string });
    expect(lines).toHaveLength(rows.rows.length);
    const sum = lines.filter((l) => inPeriod.has(l.setl_id)).reduce((s, l) => s + fenOf(l.fund_pay), 0);
    expect(sum).toBe(fenOf(doc.fund_pay_after));
    expect(lines.filter((l) => inPeriod.has(l.setl_id)).every((l) => l.policy_id === 'whatif-test')).toBe(true);
    // without --policy the published versions: the sum is fund_pay_before
    const p = await runCli(['adjudicate', '--json'], { url: 'postgres://nobody:nothing@127.0.0.1:1/none', input });
    const published = p.stdout.trim().split('\n').map((l) => JSON.parse(l) as { setl_id: string; fund_pay?: string });
    expect(published.filter((l) => inPeriod.has(l.setl_id)).reduce((s, l) => s + fenOf(l.fund_pay), 0)).toBe(fenOf(doc.fund_pay_before));
  }, 240_000);

  it('whatif human text by default; a bad policy file or date is exit 1 naming the field', async () => {
    const h = await runCli(['whatif', '--policy', file, '--from', from, '--to', to], { url });
    expect(h.code).toBe(0);
    expect(h.stdout).toContain('统筹支付 现行');
    const bad = writePolicy({ ...scenario, id: 'whatif-bad', rates_bp: { ...scenario.rates_bp, retired: { ...scenario.rates_bp.retired, '2': 12000 } } });
    const b = await runCli(['whatif', '--policy', bad, '--json'], { url });
    expect(b.code).toBe(1);
    expect(b.stderr).toContain('rates_bp.retired.2');
    const a = await runCli(['adjudicate', '--policy', bad, '--json'], { url, input: '' });
    expect(a.code).toBe(1);
    expect(a.stderr).toContain('rates_bp.retired.2');
    const d = await runCli(['whatif', '--policy', file, '--from', '2024-02-30'], { url });
    expect(d.code).toBe(1);
    expect(d.stderr).toContain('from');
    expect((await runCli(['whatif', '--json'], { url })).code).toBe(1);
  }, 240_000);

  it('pharmacies outside the fund: every pharmacy visit of the period pays nothing after', async () => {
    const base = policyFor(policies, region, '2024-08-01');
    const s = buildScenario(base, { ...draftOf(base), pharmaciesCovered: false }, { id: 'whatif-nopharm', name: '药店不纳入', region });
    const r = await runWhatif(db, SYSTEM, policies, { scenario: s, basePolicy: base, region, from, to });
    const ph = r.byLevel.find((l) => l.level === 'pharmacy');
    expect(ph?.fund.before).toBeGreaterThan(0);
    expect(ph?.fund.after).toBe(0);
    expect(r.changes.map((c) => c.field)).toEqual(['pharmacies_covered']);
    expect(r.changed[0]?.after.excluded).toBe('pharmacy_not_covered');
    // everything else unchanged except where the cap room freed by pharmacies is used
    expect(r.total.fund.after).toBeLessThan(r.total.fund.before);
  });
});

describe('saved scenarios: roles, regions, audit', () => {
  const reviewer: Actor = { userId: null, name: '复核员甲', role: 'reviewer', regions: ['140500', '360100'] };
  const inspector: Actor = { userId: null, name: '稽核员乙', role: 'inspector', regions: ['140500'] };
  const nanchang: Actor = { userId: null, name: '稽核员丙', role: 'inspector', regions: ['360100'] };
  const base = policyFor(policies, '140500', '2024-08-01');

  it('a reviewer saves a validated scenario with its author and an audit row; an inspector may not; another region does not see it', async () => {
    const draft = { ...draftOf(base), capInService: '3000' };
    await expect(saveScenario(db, inspector, { basePolicyId: base.id, region: '140500', name: '封顶提高', draft })).rejects.toThrow(ForbiddenError);
    await expect(saveScenario(db, reviewer, { basePolicyId: base.id, region: '140500', name: '封顶提高', draft: { ...draft, capRetired: '-5' } })).rejects.toThrow(InputError);
    await expect(saveScenario(db, reviewer, { basePolicyId: base.id, region: '430100', name: '封顶提高', draft })).rejects.toThrow(InputError);
    const s = await saveScenario(db, reviewer, { basePolicyId: base.id, region: '140500', name: '封顶提高', draft });
    expect(s.body.id).toBe(`whatif-${s.id}`);
    expect(s.body.annual_cap_fen.in_service).toBe(300000);
    expect(s.body.region_prefixes).toEqual(['140500']);
    expect(s.authorName).toBe('复核员甲');
    expect((await listScenarios(db, inspector, base.id)).map((x) => x.id)).toContain(s.id);
    expect((await getScenario(db, inspector, s.id)).name).toBe('封顶提高');
    await expect(getScenario(db, nanchang, s.id)).rejects.toThrow(NotFoundError);
    expect(await listScenarios(db, nanchang)).toEqual([]);
    const audit = await db.$client.query<{ action: string; region_code: string; actor: string }>("select action, region_code, actor from audit_log where entity = 'whatif_scenario'");
    expect(audit.rows).toEqual([{ action: 'scenario.create', region_code: '140500', actor: '复核员甲' }]);
    // never in force: the published set and policy_versions know nothing of it
    expect(loadPolicies().policies.some((p) => p.id === s.body.id)).toBe(false);
    const pv = await db.$client.query("select 1 from policy_versions where id like 'whatif-%'");
    expect(pv.rowCount).toBe(0);
  });

  it('the impact of a saved scenario exports as XLSX whose figures are the computation\'s', async () => {
    const s = (await listScenarios(db, inspector, base.id))[0];
    if (!s) throw new Error('no scenario');
    clearVisitCache();
    const impact = await scenarioImpact(db, inspector, s.id, {});
    expect(impact.result.cached).toBe(false);
    // the page's second look (another period, the export) re-adjudicates the region's visits from memory, same figures
    const again = await scenarioImpact(db, inspector, s.id, {});
    expect(again.result.cached).toBe(true);
    expect(again.result.total).toEqual(impact.result.total);
    const half = await scenarioImpact(db, inspector, s.id, { from: '2024-10-01', to: '2024-12-31' });
    expect(half.result.cached).toBe(true);
    expect(half.result.total.fund.after).toBe(impact.result.byMonth.filter((m) => m.month >= '2024-10').reduce((a, m) => a + m.fund.after, 0));
    // a new ingest batch is a new data version: read again
    await db.$client.query("insert into ingest_batches (file_name, file_sha256, kind, format, status, finished_at) values ('x.ndjson', 'x', 'settlements', 'ndjson', 'failed', now())");
    expect((await scenarioImpact(db, inspector, s.id, {})).result.cached).toBe(false);
    // default period: the loaded months inside the scenario's dates
    expect([impact.result.from, impact.result.to]).toEqual(['2024-07-01', '2024-12-31']);
    expect(impact.result.changes.map((c) => c.field)).toEqual(['annual_cap_fen.in_service']);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await impactWorkbook(impact, impact)) as unknown as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['概要', '按月', '按机构等级', '按人员类别', '按机构', '年度支付分布', '变化最大的结算', '方案对比']);
    const summary = wb.getWorksheet('概要');
    const row = (label: string) => summary?.getColumn(1).values.indexOf(label) ?? -1;
    expect(summary?.getRow(row('统筹支付 方案（元）')).getCell(2).value).toBe(impact.result.total.fund.after / 100);
    const months = wb.getWorksheet('按月');
    expect(months?.rowCount).toBe(1 + impact.result.byMonth.length);
  });

  it('an inspector sees the impact of a saved scenario only on their own region', async () => {
    const s = (await listScenarios(db, inspector, base.id))[0];
    expect(s).toBeDefined();
    if (!s) return;
    const r = await runWhatif(db, inspector, policies, { scenario: s.body, region: '140500', from, to: '2024-12-31' });
    expect(r.visits).toBeGreaterThan(0);
    const other = await runWhatif(db, nanchang, policies, { scenario: s.body, region: '140500', from, to: '2024-12-31' });
    expect(other.visits).toBe(0);
  });
});
