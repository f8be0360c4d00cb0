/**
 * Issue 18 item 13: the demo a new user gets must show the product — every rule raises alerts and every region
 * has peer percentiles. The city-scale set (DEMO_SETS.city) is loaded here at a reduced number of persons but
 * with everything else the same (generator showcase patterns, normal ingest), so it runs in well under a minute.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_REGIONS, DEMO_SETS, demoSet, loadDemo } from '../lib/demo';
import { rules } from '../lib/rules';
import { testDatabase } from './db';

/** Raised only after a case decides a suspension (lib/cases), which no freshly loaded data set has. */
const NEEDS_A_DECIDED_CASE = ['SUSPENDED'];
const PERSONS = 6000;

describe('city-scale demo (reduced to 6,000 persons)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ofm-demo-'));
  let db: Awaited<ReturnType<typeof testDatabase>>['db'];
  let byRule: Map<string, Map<string, number>>;
  let pct: Map<string, number>;

  beforeAll(async () => {
    db = (await testDatabase()).db;
    const r = await loadDemo(db, { dir, set: { ...DEMO_SETS.city, persons: PERSONS } });
    expect(r.settlements).toBeGreaterThan(40_000);
    const { rows } = await db.execute<{ rule_id: string; region_code: string; n: number; with_pct: number }>(
      sql`select rule_id, region_code, count(*)::int as n, count(*) filter (where percentile is not null)::int as with_pct from alerts group by 1, 2`,
    );
    byRule = new Map();
    pct = new Map();
    for (const row of rows) {
      const m = byRule.get(row.rule_id) ?? new Map<string, number>();
      m.set(row.region_code, row.n);
      byRule.set(row.rule_id, m);
      pct.set(row.region_code, (pct.get(row.region_code) ?? 0) + row.with_pct);
    }
  }, 300_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('raises an alert of every rule (but the one that needs a decided case)', () => {
    const missing = rules.map((r) => r.id).filter((id) => !NEEDS_A_DECIDED_CASE.includes(id) && !byRule.has(id));
    expect(missing).toEqual([]);
  });

  it('every region has the claim-level rules and peer-ranked alerts with a percentile', () => {
    for (const region of DEMO_REGIONS.map((r) => r.code)) {
      const claimRules = ['RX-DAYS-ORD', 'RX-DAYS-ORD-WARN', 'RX-DAYS-CHR-WARN', 'SPLIT-VISIT', 'TWO-PLACES', 'CHECKUP', 'PAY-DIFF', 'EXCL-NO-CARD', 'DR-DAY-LOAD', 'CO-VISIT', 'CASH-OUT'];
      expect(claimRules.filter((id) => !byRule.get(id)?.get(region)), region).toEqual([]);
      expect(pct.get(region) ?? 0, region).toBeGreaterThan(0);
    }
  });

  it('peer statistics rank institutions in every region: ≥ 5 peers with ≥ 11 visits in a month', async () => {
    const { rows } = await db.execute<{ region_code: string; groups: number }>(sql`
      select region_code, count(*)::int as groups from (
        select region_code, month, peer_key from ind_institution_month where visits >= 11 group by 1, 2, 3 having count(*) >= 5) g
      group by 1`);
    const groups = new Map(rows.map((r) => [r.region_code, r.groups]));
    for (const r of DEMO_REGIONS) expect(groups.get(r.code) ?? 0, r.code).toBeGreaterThan(0);
  });

  it('OFM_DEMO picks the set: city by default, small for the tests and e2e, anything else is refused', () => {
    expect(demoSet(undefined)).toBe(process.env.OFM_DEMO === 'small' ? DEMO_SETS.small : DEMO_SETS.city);
    expect(demoSet('small')).toEqual({ persons: 300, months: 12, seed: 20240101, from: '2024-01', showcase: false });
    expect(() => demoSet('huge')).toThrow(/OFM_DEMO/);
  });
});
