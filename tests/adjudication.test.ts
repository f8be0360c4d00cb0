/**
 * Hand-derived cases for every policy. Amounts in the comments are fen; each case names its clause.
 * Rounding: (eligible − deductible) × rate, half up to the fen, once.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Adjudicator } from '../lib/adjudication/engine';
import { adjudicateRecords, type VisitRecord } from '../lib/adjudication/records';
import { readjudicate } from '../lib/adjudication/bulk';
import { loadPolicies } from '../lib/policies';
import { runCli, testDatabase } from './db';

const policies = loadPolicies();

function visit(over: Partial<Record<string, unknown>>): VisitRecord {
  return {
    setl_id: 'S',
    psn_no: 'P1',
    psn_type: '1101',
    admdvs: '140500',
    setl_time: '2024-03-01 10:00:00',
    fixmedins_code: 'H1',
    fixmedins_type: 'hospital',
    hosp_lv: '3',
    fee_class: '1',
    medfee_sumamt: '1000.00',
    inscp_scp_amt: '100.00',
    ...over,
  };
}

/** Runs a sequence for one person and returns the lines. */
function run(...vs: Array<Partial<Record<string, unknown>>>) {
  return adjudicateRecords(
    vs.map((v, i) => visit({ setl_id: `S${i + 1}`, ...v })),
    policies,
  );
}

describe('晋城 shanxi-jincheng-2023 (晋市医保发〔2022〕22号 四 表)', () => {
  it.each([
    // 一类 在职: 40000 − 8000 = 32000 × 50 % = 16000
    ['一类 在职', { fee_class: '1', inscp_scp_amt: '400.00' }, '80.00', '0.50', '160.00'],
    // 一类 退休: 40000 − 8000 = 32000 × 55 % = 17600
    ['一类 退休', { fee_class: '1', psn_type: '1201', inscp_scp_amt: '400.00' }, '80.00', '0.55', '176.00'],
    // 二类 退休: 20000 − 5000 = 15000 × 60 % = 9000
    ['二类 退休', { fee_class: '2', psn_type: '1201', inscp_scp_amt: '200.00' }, '50.00', '0.60', '90.00'],
    // 三类 在职: 10000 − 3000 = 7000 × 60 % = 4200
    ['三类 在职', { fee_class: '3', inscp_scp_amt: '100.00' }, '30.00', '0.60', '42.00'],
    // 三类 退休: 10000 − 3000 = 7000 × 65 % = 4550
    ['三类 退休', { fee_class: '3', psn_type: 'retired', inscp_scp_amt: '100.00' }, '30.00', '0.65', '45.50'],
    // half up: 10001 − 8000 = 2001 × 50 % = 1000.5 → 1001
    ['rounding half up', { fee_class: '1', inscp_scp_amt: '100.01' }, '80.00', '0.50', '10.01'],
    // no fee class: 三级 → 一类 (policy assumption): 20000 − 8000 = 12000 × 50 % = 6000
    ['fee class inferred from 三级', { fee_class: undefined, hosp_lv: '02', inscp_scp_amt: '200.00' }, '80.00', '0.50', '60.00'],
  ])('%s', (_name, over, deductible, rate, fund) => {
    const [l] = run(over);
    expect(l).toMatchObject({ policy_id: 'shanxi-jincheng-2023', deductible, rate, fund_pay: fund, excluded: null });
  });

  it('below the per-visit deductible pays nothing (四 情形6)', () => {
    // 5000 < 8000: the whole 5000 is deductible, fund 0
    const [l] = run({ inscp_scp_amt: '50.00' });
    expect(l).toMatchObject({ deductible: '50.00', fund_pay: '0.00', excluded: 'below_deductible', year_deductible_paid: '50.00' });
  });

  it('the annual cap is reached inside a visit, then nothing more is paid (四 表 1800 元; 情形6)', () => {
    // 400000 − 8000 = 392000 × 50 % = 196000 > 180000 → 180000, capped
    const [a, b] = run({ inscp_scp_amt: '4000.00' }, { inscp_scp_amt: '100.00', setl_time: '2024-03-05 09:00:00' });
    expect(a).toMatchObject({ fund_pay: '1800.00', capped: true, year_fund_paid: '1800.00' });
    expect(b).toMatchObject({ fund_pay: '0.00', excluded: 'above_cap', year_fund_paid: '1800.00' });
  });

  it('the cap does not carry into the next year (四 备注1)', () => {
    const [a, b] = run({ inscp_scp_amt: '4000.00', setl_time: '2023-12-31 23:30:00' }, { inscp_scp_amt: '400.00', setl_time: '2024-01-01 00:10:00' });
    expect(a).toMatchObject({ fund_pay: '1800.00', capped: true });
    // new year: 40000 − 8000 = 32000 × 50 % = 16000, running totals restart
    expect(b).toMatchObject({ fund_pay: '160.00', year_fund_paid: '160.00', year_deductible_paid: '80.00' });
  });

  it('reads a time with an offset as Asia/Shanghai: 2024-06-30T17:00Z is 2024-07-01 local', () => {
    const [l] = run({ setl_time: '2024-06-30T17:00:00Z', inscp_scp_amt: '400.00' });
    // shanxi-2024 一类 在职 55 %: 32000 × 55 % = 17600
    expect(l).toMatchObject({ policy_id: 'shanxi-2024', fund_pay: '176.00' });
  });
});

describe('山西 shanxi-2024 (晋医保发〔2024〕11号 一)', () => {
  it('keeps the year’s totals across the 2024-07-01 change', () => {
    const [a, b] = run({ inscp_scp_amt: '400.00', setl_time: '2024-03-01 10:00:00' }, { inscp_scp_amt: '400.00', setl_time: '2024-07-02 10:00:00' });
    expect(a).toMatchObject({ policy_id: 'shanxi-jincheng-2023', fund_pay: '160.00' });
    // 32000 × 55 % = 17600; totals carried: 16000 + 17600, deductible 8000 + 8000
    expect(b).toMatchObject({ policy_id: 'shanxi-2024', fund_pay: '176.00', year_fund_paid: '336.00', year_deductible_paid: '160.00' });
  });

  it('stops charging deductibles once the year’s total reaches 300 元', () => {
    const t = (d: number) => ({ inscp_scp_amt: '100.00', setl_time: `2024-07-0${d} 10:00:00` });
    const ls = run(t(1), t(2), t(3), t(4), t(5));
    // visits 1–3: 8000 each → 24000; visit 4: min(8000, 30000 − 24000) = 6000 → (10000 − 6000) × 55 % = 2200; visit 5: 0 → 5500
    expect(ls.map((l) => l.deductible)).toEqual(['80.00', '80.00', '80.00', '60.00', '0.00']);
    expect(ls[3]).toMatchObject({ fund_pay: '22.00', year_deductible_paid: '300.00' });
    expect(ls[4]).toMatchObject({ fund_pay: '55.00', year_deductible_paid: '300.00' });
  });

  it('counts the first half-year’s deductibles toward the 300 元', () => {
    // H1: 4 visits × 8000 = 32000 ≥ 30000 → in July nothing is owed: 10000 × 55 % = 5500
    const h1 = (d: number) => ({ inscp_scp_amt: '100.00', setl_time: `2024-0${d}-10 10:00:00` });
    const ls = run(h1(1), h1(2), h1(3), h1(4), { inscp_scp_amt: '100.00', setl_time: '2024-07-10 10:00:00' });
    expect(ls[4]).toMatchObject({ deductible: '0.00', fund_pay: '55.00' });
  });

  it('a retired person capped at 2000 in H1 gets the new 3000 cap from July', () => {
    // H1 三类 退休: 500000 − 3000 = 497000 × 65 % = 323050 > 200000 → 200000
    // July 三类 退休 70 %: deductible 3000 (total 6000 ≤ 30000); 200000 − 3000 = 197000 × 70 % = 137900 > room 100000 → 100000
    const [a, b] = run(
      { psn_type: '1201', fee_class: '3', inscp_scp_amt: '5000.00', setl_time: '2024-02-01 10:00:00' },
      { psn_type: '1201', fee_class: '3', inscp_scp_amt: '2000.00', setl_time: '2024-07-15 10:00:00' },
    );
    expect(a).toMatchObject({ fund_pay: '2000.00', capped: true });
    expect(b).toMatchObject({ fund_pay: '1000.00', capped: true, year_fund_paid: '3000.00', rate: '0.70' });
  });

  it('a retail pharmacy uses the 三类 rate', () => {
    // 10000 − 3000 = 7000 × 65 % = 4550
    const [l] = run({ fixmedins_type: 'pharmacy', fee_class: undefined, hosp_lv: '1', med_type: '41', setl_time: '2024-08-01 10:00:00' });
    expect(l).toMatchObject({ rate: '0.65', fund_pay: '45.50', deductible: '30.00' });
  });

  it('乙类 first self-pay is not eligible', () => {
    // eligible 10000 − 500 = 9500; 二类: 9500 − 5000 = 4500 × 60 % = 2700
    const [l] = run({ fee_class: '2', preselfpay_amt: '5.00', setl_time: '2024-08-01 10:00:00' });
    expect(l).toMatchObject({ eligible: '95.00', fund_pay: '27.00' });
  });

  it('Yuncheng (140800) is covered only from 2024-07-01', () => {
    const [a] = run({ admdvs: '140800', setl_time: '2024-06-30 10:00:00' });
    const [b] = run({ admdvs: '140800', setl_time: '2024-07-01 10:00:00' });
    expect(a?.error).toMatch(/no policy covers region 140800/);
    expect(b?.policy_id).toBe('shanxi-2024');
  });
});

describe('湖南 hunan-2023 (湘政办发〔2022〕12号 二(一))', () => {
  it('一级 no deductible at 70 %; 二级 200 then 三级 capped by the 300 annual deductible total', () => {
    const h = { admdvs: '430100', fee_class: undefined };
    const ls = run(
      { ...h, hosp_lv: '1', inscp_scp_amt: '100.00' },
      { ...h, hosp_lv: '2', inscp_scp_amt: '500.00', setl_time: '2024-03-02 10:00:00' },
      { ...h, hosp_lv: '3', inscp_scp_amt: '500.00', setl_time: '2024-03-03 10:00:00' },
      { ...h, hosp_lv: '2', inscp_scp_amt: '100.00', setl_time: '2024-03-04 10:00:00' },
    );
    // 10000 × 70 % = 7000
    expect(ls[0]).toMatchObject({ deductible: '0.00', rate: '0.70', fund_pay: '70.00' });
    // 50000 − 20000 = 30000 × 60 % = 18000
    expect(ls[1]).toMatchObject({ deductible: '200.00', fund_pay: '180.00' });
    // min(30000, 30000 − 20000) = 10000; 40000 × 60 % = 24000
    expect(ls[2]).toMatchObject({ deductible: '100.00', fund_pay: '240.00', year_deductible_paid: '300.00' });
    // deductible total reached: 10000 × 60 % = 6000
    expect(ls[3]).toMatchObject({ deductible: '0.00', fund_pay: '60.00' });
  });

  it('the in-service cap is 1500, retired 2000', () => {
    const [a] = run({ admdvs: '430100', fee_class: undefined, hosp_lv: '1', inscp_scp_amt: '3000.00' });
    const [b] = run({ admdvs: '430100', fee_class: undefined, hosp_lv: '1', inscp_scp_amt: '3000.00', psn_type: '1201' });
    // 300000 × 70 % = 210000 → capped at 150000 / 200000
    expect(a).toMatchObject({ fund_pay: '1500.00', capped: true });
    expect(b).toMatchObject({ fund_pay: '2000.00', capped: true });
  });

  it('门诊慢特病 (med_type 14) is a separate benefit (二(二))', () => {
    const [l] = run({ admdvs: '430100', med_type: '14' });
    expect(l).toMatchObject({ fund_pay: '0.00', excluded: 'separate_benefit' });
    expect(l?.clause).toContain('二(二)');
  });
});

describe('南昌 nanchang-2023 (细则 第七条)', () => {
  it('one annual deductible of 600, then the level rate; retired +5 points', () => {
    const n = { admdvs: '360100', fee_class: undefined };
    const ls = run(
      { ...n, hosp_lv: '3', inscp_scp_amt: '400.00' },
      { ...n, hosp_lv: '3', inscp_scp_amt: '500.00', setl_time: '2024-03-02 10:00:00' },
      { ...n, hosp_lv: '1', inscp_scp_amt: '100.00', setl_time: '2024-03-03 10:00:00' },
    );
    expect(ls[0]).toMatchObject({ deductible: '400.00', fund_pay: '0.00', excluded: 'below_deductible' });
    // remaining 20000; 50000 − 20000 = 30000 × 50 % = 15000
    expect(ls[1]).toMatchObject({ deductible: '200.00', fund_pay: '150.00' });
    // 10000 × 60 % = 6000
    expect(ls[2]).toMatchObject({ deductible: '0.00', rate: '0.60', fund_pay: '60.00' });
    const [r] = run({ ...n, psn_type: '1201', hosp_lv: '2', inscp_scp_amt: '700.00' });
    // 70000 − 60000 = 10000 × 60 % = 6000
    expect(r).toMatchObject({ rate: '0.60', fund_pay: '60.00' });
  });
});

describe('二连浩特 erenhot-2022 (三.3)', () => {
  it('annual deductible 1000; 三级 60/65 %, 二级及以下 70/75 %', () => {
    const e = { admdvs: '152501', fee_class: undefined };
    const [a] = run({ ...e, psn_type: '1201', hosp_lv: '3', inscp_scp_amt: '1500.00' });
    // 150000 − 100000 = 50000 × 65 % = 32500
    expect(a).toMatchObject({ deductible: '1000.00', rate: '0.65', fund_pay: '325.00' });
    const ls = run({ ...e, hosp_lv: '2', inscp_scp_amt: '1000.00' }, { ...e, hosp_lv: '2', inscp_scp_amt: '100.00', setl_time: '2024-04-01 10:00:00' });
    expect(ls[1]).toMatchObject({ deductible: '0.00', rate: '0.70', fund_pay: '70.00' });
  });

  it('is not in force before 2022-10-01 (assumed start)', () => {
    const [l] = run({ admdvs: '152501', setl_time: '2022-09-30 10:00:00' });
    expect(l?.error).toMatch(/no policy/);
  });
});

describe('exclusions (晋市医保发〔2022〕22号 四 情形; 南昌细则 第十五条)', () => {
  it.each([
    [{ designated: false }, 'non_designated', '情形5'],
    [{ has_card: false }, 'no_card', '情形9'],
    [{ fixmedins_type: 'pharmacy', rx_from_designated: false, med_type: '41' }, 'pharmacy_no_rx', '情形10'],
    [{ out_of_area_temporary: true }, 'out_of_area_temporary', '情形12'],
    [{ in_arrears: true }, 'arrears', '情形13'],
    [{ suspended: 'true' }, 'suspended', '第十五条（三）'],
    [{ inpatient_overlap: 1 }, 'inpatient_overlap', '第十五条（二）'],
    [{ inscp_scp_amt: '0', fulamt_ownpay_amt: '50.00' }, 'out_of_catalogue', '情形8'],
  ])('%o → %s', (over, code, clause) => {
    const [l] = run({ inscp_scp_amt: '400.00', ...over });
    expect(l).toMatchObject({ fund_pay: '0.00', excluded: code });
    expect(l?.clause).toContain(clause);
  });

  it('a non-designated institution is paid in an emergency (情形5 急诊抢救除外)', () => {
    const [l] = run({ designated: false, emergency: true, inscp_scp_amt: '400.00' });
    expect(l).toMatchObject({ fund_pay: '160.00', excluded: null });
  });

  it('an excluded visit does not consume the deductible or the cap', () => {
    const ls = run({ suspended: true, inscp_scp_amt: '400.00' }, { inscp_scp_amt: '400.00', setl_time: '2024-03-02 10:00:00' });
    expect(ls[1]).toMatchObject({ fund_pay: '160.00', year_fund_paid: '160.00', year_deductible_paid: '80.00' });
  });
});

describe('properties', () => {
  const arb = fc.record({
    admdvs: fc.constantFrom('140500', '140800', '430100', '360100', '152501'),
    month: fc.integer({ min: 7, max: 12 }),
    level: fc.constantFrom('1', '2', '3'),
    retired: fc.boolean(),
    prior: fc.integer({ min: 0, max: 600_000 }),
    amount: fc.integer({ min: 0, max: 800_000 }),
    extra: fc.integer({ min: 0, max: 100_000 }),
  });
  const rec = (a: { admdvs: string; month: number; level: string; retired: boolean }, fen: number, id: string, day: number): VisitRecord =>
    visit({
      setl_id: id,
      admdvs: a.admdvs,
      setl_time: `2024-${String(a.month).padStart(2, '0')}-${String(day).padStart(2, '0')} 10:00:00`,
      hosp_lv: a.level,
      fee_class: a.admdvs.startsWith('14') ? a.level : undefined,
      psn_type: a.retired ? '1201' : '1101',
      inscp_scp_amt: (fen / 100).toFixed(2),
      medfee_sumamt: (fen / 100).toFixed(2),
    });

  it('fund payment is never negative and never above the remaining cap; monotone in the amount', () => {
    fc.assert(
      fc.property(arb, (a) => {
        const fen = (s: string | undefined) => Math.round(Number(s) * 100);
        const base = adjudicateRecords([rec(a, a.prior, 'A', 1), rec(a, a.amount, 'B', 2)], policies);
        const more = adjudicateRecords([rec(a, a.prior, 'A', 1), rec(a, a.amount + a.extra, 'B', 2)], policies);
        const p = policies.policies.find((x) => x.id === base[1]?.policy_id);
        if (!p) return false;
        const cap = a.retired ? p.annual_cap_fen.retired : p.annual_cap_fen.in_service;
        const first = fen(base[0]?.fund_pay);
        const second = fen(base[1]?.fund_pay);
        return first >= 0 && second >= 0 && first + second <= cap && second <= cap - first && fen(more[1]?.fund_pay) >= second;
      }),
      { numRuns: 400 },
    );
  });
});

describe('adjudicate command and bulk re-adjudication', () => {
  it('prints one contract line per visit, and names the row and field of a bad line', async () => {
    const { url } = await testDatabase();
    const input = [JSON.stringify(visit({ setl_id: 'C1', inscp_scp_amt: 400 })), JSON.stringify(visit({ setl_id: 'C2', admdvs: '999999' }))].join('\n');
    const r = await runCli(['adjudicate', '--json'], { url, input });
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe(
      '{"setl_id":"C1","policy_id":"shanxi-jincheng-2023","deductible":"80.00","eligible":"400.00","rate":"0.50","fund_pay":"160.00","self_pay":"840.00","year_fund_paid":"160.00","year_deductible_paid":"80.00","capped":false,"excluded":null,"clause":"晋市医保发〔2022〕22号 四 表"}',
    );
    expect(JSON.parse(lines[1] ?? '{}')).toEqual({ setl_id: 'C2', error: '没有适用的政策 (no policy covers region 999999 on 2024-03-01)' });
    const bad = await runCli(['adjudicate', '--json'], { url, input: `${JSON.stringify(visit({}))}\n${JSON.stringify(visit({ inscp_scp_amt: '12.345' }))}\n` });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('row 2');
    expect(bad.stderr).toContain('inscp_scp_amt');
  });

  it('replays whole person-years in the database and stores the expected payment beside hifp_pay', async () => {
    const { db } = await testDatabase();
    const c = db.$client;
    await c.query("select ensure_fact_partitions('2024-01-01', '2024-12-01')");
    const ins = (id: string, time: string, inscp: number, hifp: number, reversed = false) =>
      c.query(
        `insert into settlements (admdvs, setl_id, setl_time, psn_no, psn_type, fixmedins_code, fixmedins_type, hosp_lv, fee_class, med_type, insutype, medfee_sumamt, inscp_scp_amt, hifp_pay, reversed, row_hash)
         values ('140500', $1, $2, 'P9', '1101', 'H1', 'hospital', 3, 1, '11', '310', $3, $3, $4, $5, 'h')`,
        [id, time, inscp, hifp, reversed],
      );
    await ins('B1', '2024-03-01 10:00+08', 40000, 16000);
    await ins('B2', '2024-07-02 10:00+08', 40000, 30000);
    await ins('B3', '2024-08-02 10:00+08', 40000, 16000, true);
    const r = await readjudicate(db, { months: ['2024-07'], regionCodes: ['140500'] });
    expect(r).toMatchObject({ visits: 2, persons: 1, errors: 0 });
    const { rows } = await c.query('select setl_id, policy_id, fund_pay, settled_fund_pay, year_fund_paid from adjudications order by setl_time');
    expect(rows).toEqual([
      { setl_id: 'B1', policy_id: 'shanxi-jincheng-2023', fund_pay: 16000, settled_fund_pay: 16000, year_fund_paid: 16000 },
      { setl_id: 'B2', policy_id: 'shanxi-2024', fund_pay: 17600, settled_fund_pay: 30000, year_fund_paid: 33600 },
    ]);
    // Idempotent: a second run replaces, never duplicates.
    await readjudicate(db, { months: [], regionCodes: [], full: true });
    const again = await c.query('select count(*)::int as n from adjudications');
    expect(again.rows[0]).toEqual({ n: 2 });
    const pv = await c.query('select id from policy_versions order by id');
    expect(pv.rows.map((x: { id: string }) => x.id)).toContain('shanxi-2024');
  });
});

describe('policy files', () => {
  it('every policy cites its seed document and every exclusion names a clause', () => {
    expect(policies.policies.map((p) => p.id).sort()).toEqual(['erenhot-2022', 'hunan-2023', 'nanchang-2023', 'shanxi-2024', 'shanxi-jincheng-2023']);
    for (const p of policies.policies) {
      expect(p.document.seed).toMatch(/^00\d_/);
      for (const e of p.exclusions) expect(e.cite.clause.length).toBeGreaterThan(0);
    }
  });

  it('a malformed policy file stops loading with the file and field named', async () => {
    const fs = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pol-'));
    const good = JSON.parse(fs.readFileSync('policies/hunan-2023.json', 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(path.join(dir, 'broken.json'), JSON.stringify({ ...good, annual_cap_fen: { in_service: -1, retired: 1, cite: { doc: 'x', clause: 'y', text: 'zz' } } }));
    expect(() => loadPolicies(dir)).toThrow(/invalid policy field/);
    try {
      loadPolicies(dir);
    } catch (e) {
      expect((e as { where?: unknown }).where).toEqual({ file: 'broken.json', field: 'annual_cap_fen.in_service' });
    }
    const adj = new Adjudicator(loadPolicies());
    expect(adj).toBeDefined();
  });
});
