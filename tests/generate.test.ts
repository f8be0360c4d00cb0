import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Engine } from '../lib/generate/engine';
import { generate } from '../lib/generate';
import { ingestFiles } from '../lib/ingest';
import { testDatabase } from './db';

const KINDS = [
  'rx_over_long', 'split_visit', 'two_places', 'checkup_bundle', 'overlapping_supply', 'pharmacy_no_rx', 'non_designated',
  'claim_while_suspended', 'inpatient_overlap', 'overpaid', 'cost_growth', 'self_pay_spike', 'high_exam_share',
  'high_volume_prescriber', 'high_fund_use', 'budget_overrun',
];

/** Stand-in engine (half the policy-range amount): these tests check the generator's own properties, not the policy. */
const stub: Engine = {
  async adjudicate(records) {
    return records.map((r) => {
      const fen = Math.round(Number(r.inscp_scp_amt) * 100);
      const f = Math.floor(fen / 2);
      return { setl_id: String(r.setl_id), fund_pay: `${Math.floor(f / 100)}.${String(f % 100).padStart(2, '0')}`, deductible: '0.00', excluded: null };
    });
  },
};

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'ofm-gen-'));
const files = ['settlements.ndjson', 'details.ndjson', 'truth.json', 'institutions.ndjson', 'institutions.csv', 'doctors.ndjson'];

describe('generate', () => {
  it('is reproducible from the seed, byte for byte', async () => {
    const [a, b, c] = [tmp(), tmp(), tmp()];
    await generate({ persons: 200, months: 12, seed: 11, out: a, engine: stub });
    await generate({ persons: 200, months: 12, seed: 11, out: b, engine: stub });
    await generate({ persons: 200, months: 12, seed: 12, out: c, engine: stub });
    for (const f of files) expect(fs.readFileSync(path.join(b, f)).equals(fs.readFileSync(path.join(a, f))), f).toBe(true);
    expect(fs.readFileSync(path.join(c, 'settlements.ndjson')).equals(fs.readFileSync(path.join(a, 'settlements.ndjson')))).toBe(false);
  });

  it('covers all regions, both sides of 2024-07-01, every anomaly kind, and loads without a rejected row', async () => {
    const out = tmp();
    const g = await generate({ persons: 600, months: 12, seed: 5, out, engine: stub });
    const truth = JSON.parse(fs.readFileSync(path.join(out, 'truth.json'), 'utf8')) as { from: string; to: string; anomalies: Array<{ kind: string; setl_ids?: string[] }> };
    expect(truth.from).toBe('2024-01-01');
    expect(truth.to).toBe('2024-12-31');
    expect(new Set(truth.anomalies.map((a) => a.kind))).toEqual(new Set(KINDS));
    for (const a of truth.anomalies.filter((x) => x.kind === 'split_visit' || x.kind === 'two_places')) expect(a.setl_ids?.length).toBe(2);
    const lines = fs.readFileSync(path.join(out, 'settlements.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>);
    expect(lines.length).toBe(g.settlements);
    expect(new Set(lines.map((l) => l.admdvs))).toEqual(new Set(['140500', '140800', '430100', '360100', '152501']));
    const jc = lines.filter((l) => l.admdvs === '140500');
    expect(jc.some((l) => (l.setl_time ?? '') < '2024-07-01')).toBe(true);
    expect(jc.some((l) => (l.setl_time ?? '') >= '2024-07-01')).toBe(true);
    // 运城 is covered by the Shanxi-wide policy only from 2024-07-01
    expect(lines.filter((l) => l.admdvs === '140800').every((l) => (l.setl_time ?? '') >= '2024-07-01')).toBe(true);

    const { db } = await testDatabase();
    const r = await ingestFiles(db, ['institutions.ndjson', 'doctors.ndjson', 'settlements.ndjson', 'details.ndjson'].map((f) => path.join(out, f)), { pipeline: false });
    expect(r.rejected).toBe(0);
    expect(r.inserted).toBeGreaterThan(g.settlements + g.details);
    const { rows } = await db.$client.query(`select count(*)::int as n, count(distinct fixmedins_type)::int as types, count(distinct hosp_lv)::int as levels,
      count(*) filter (where annual_budget > 0)::int as budgets from institutions`);
    expect(rows[0]).toMatchObject({ types: 2, levels: 3 });
    expect(rows[0].budgets).toBe(rows[0].n);
  }, 120_000);
});
