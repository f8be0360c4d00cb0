/**
 * Hand-derived cases for every policy. Arithmetic in the comments is in fen; each case names its
 * clause (seed file + clause). The one rounding rule: (eligible − deductible) × rate, half up to the
 * fen, once, then the remaining annual cap.
 *   seed 000 晋市医保发〔2022〕22号 · seed 002 晋医保发〔2024〕11号 · seed 001 湘政办发〔2022〕12号
 *   seed 003 南昌细则（征求意见稿） · seed 004 二连浩特实施办法
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Adjudicator, applyRate } from '../lib/adjudication/engine';
import { adjudicateRecords, toVisit, type AdjudicateLine, type VisitRecord } from '../lib/adjudication/records';
import { loadPolicies } from '../lib/policies';

const policies = loadPolicies();

function visit(over: Partial<Record<string, unknown>>): VisitRecord {
  return {
    setl_id: 'S',
    psn_no: 'P1',
    psn_type: '1101',
    admdvs: '140500',
    setl_time: '2023-03-01 10:00:00',
    fixmedins_code: 'H1',
    fixmedins_type: 'hospital',
    hosp_lv: '3',
    fee_class: '1',
    medfee_sumamt: '5000.00',
    inscp_scp_amt: '100.00',
    ...over,
  };
}

/** One person's visits in order; day n of the base month unless setl_time is given. */
function run(...vs: Array<Partial<Record<string, unknown>>>): AdjudicateLine[] {
  return adjudicateRecords(
    vs.map((v, i) => visit({ setl_id: `S${i + 1}`, ...v })),
    policies,
  );
}

type Case = [name: string, over: Record<string, unknown>, expected: Partial<AdjudicateLine>];
const one = (cases: Case[]) => it.each(cases)('%s', (_n, over, expected) => expect(run(over)[0]).toMatchObject(expected));

const RET = { psn_type: '1201' };
const PHARM = { fixmedins_type: 'pharmacy', med_type: '41', fee_class: undefined, hosp_lv: '11' };

describe('shanxi-jincheng-2023 · seed 000 晋市医保发〔2022〕22号 四 表 (per visit by 收费类别; 1800/2000)', () => {
  const J = { setl_time: '2023-05-10 09:00:00', inscp_scp_amt: '400.00' };
  one([
    // 一类 在职: (40000 − 8000) × 50 % = 16000
    ['一类 在职 80 元/次 50 %', { ...J, fee_class: '1' }, { policy_id: 'shanxi-jincheng-2023', deductible: '80.00', rate: '0.50', fund_pay: '160.00', self_pay: '4840.00' }],
    // 一类 退休: 32000 × 55 % = 17600
    ['一类 退休 55 %', { ...J, ...RET, fee_class: '1' }, { deductible: '80.00', rate: '0.55', fund_pay: '176.00' }],
    // 二类 在职: (40000 − 5000) × 55 % = 19250
    ['二类 在职 50 元/次 55 %', { ...J, fee_class: '2' }, { deductible: '50.00', rate: '0.55', fund_pay: '192.50' }],
    // 二类 退休: 35000 × 60 % = 21000
    ['二类 退休 60 %', { ...J, ...RET, fee_class: '2' }, { deductible: '50.00', rate: '0.60', fund_pay: '210.00' }],
    // 三类 在职: (40000 − 3000) × 60 % = 22200
    ['三类 在职 30 元/次 60 %', { ...J, fee_class: '3' }, { deductible: '30.00', rate: '0.60', fund_pay: '222.00' }],
    // 三类 退休: 37000 × 65 % = 24050
    ['三类 退休 65 %', { ...J, ...RET, fee_class: '3', psn_type: 'retired' }, { deductible: '30.00', rate: '0.65', fund_pay: '240.50' }],
    // 离休 13xx is treated as retired (CONTRACT): 一类 17600
    ['离休 1301 as retired', { ...J, psn_type: '1301', fee_class: '1' }, { rate: '0.55', fund_pay: '176.00' }],
    // pharmacy (assumption: 三类 deductible and rate): 37000 × 60 % = 22200
    ['定点药店 as 三类 (assumption)', { ...J, ...PHARM }, { deductible: '30.00', rate: '0.60', fund_pay: '222.00' }],
    // no fee class: 三级 (NHSA 02) → 一类 (assumption): (20000 − 8000) × 50 % = 6000
    ['收费类别 missing, 三级 → 一类 (assumption)', { ...J, fee_class: undefined, hosp_lv: '02', inscp_scp_amt: '200.00' }, { deductible: '80.00', fund_pay: '60.00' }],
    // rounding half up: (10001 − 8000) × 50 % = 1000.5 → 1001
    ['rounding: 1000.5 fen → 1001', { ...J, inscp_scp_amt: '100.01' }, { fund_pay: '10.01' }],
    // rounding: (10001 − 3000) × 60 % = 4200.6 → 4201; (10000 − 3000 − 1) → 6999 × 60 % = 4199.4 → 4199
    ['rounding: 4200.6 fen → 4201', { ...J, fee_class: '3', inscp_scp_amt: '100.01' }, { fund_pay: '42.01' }],
    ['rounding: 4199.4 fen → 4199', { ...J, fee_class: '3', inscp_scp_amt: '99.99' }, { fund_pay: '41.99' }],
    // 乙类先行自付 is not eligible: 40000 − 2000 = 38000; (38000 − 8000) × 50 % = 15000
    ['乙类先行自付 taken off first', { ...J, preselfpay_amt: '20.00' }, { eligible: '380.00', fund_pay: '150.00' }],
    // 全自费 is never eligible: eligible stays 40000
    ['全自费 never eligible', { ...J, fulamt_ownpay_amt: '300.00' }, { eligible: '400.00', fund_pay: '160.00' }],
    // below the per-visit deductible (四 情形6): 5000 < 8000 → all deductible, fund 0
    ['below the deductible (四 情形6)', { ...J, inscp_scp_amt: '50.00' }, { deductible: '50.00', fund_pay: '0.00', excluded: 'below_deductible', year_deductible_paid: '50.00' }],
  ]);

  it('no annual deductible total in 2023: the 5th 一类 visit still pays 80 (四 表 按次)', () => {
    const ls = run(...[1, 2, 3, 4, 5].map((d) => ({ setl_time: `2023-05-0${d} 09:00:00` })));
    // 5 × 8000 = 40000 deductible in the year, each visit (10000 − 8000) × 50 % = 1000
    expect(ls.map((l) => l.deductible)).toEqual(['80.00', '80.00', '80.00', '80.00', '80.00']);
    expect(ls[4]).toMatchObject({ year_deductible_paid: '400.00', year_fund_paid: '50.00' });
  });

  it('the cap is reached inside a visit, then nothing more is paid (四 表 1800 元; 四 情形6)', () => {
    // visit 1: (400000 − 8000) × 50 % = 196000 > 180000 → 180000, capped
    const [a, b] = run({ inscp_scp_amt: '4000.00' }, { inscp_scp_amt: '100.00', setl_time: '2023-03-05 09:00:00' });
    expect(a).toMatchObject({ fund_pay: '1800.00', capped: true, year_fund_paid: '1800.00' });
    expect(a?.clause).toContain('四 表；备注1');
    expect(b).toMatchObject({ fund_pay: '0.00', capped: true, excluded: 'above_cap', year_fund_paid: '1800.00' });
  });

  it('the cap is partly used: the second visit gets only the remaining room (四 表)', () => {
    // v1: (300000 − 8000) × 50 % = 146000; v2: (100000 − 8000) × 50 % = 46000 > room 34000 → 34000
    const [, b] = run({ inscp_scp_amt: '3000.00' }, { inscp_scp_amt: '1000.00', setl_time: '2023-03-02 09:00:00' });
    expect(b).toMatchObject({ fund_pay: '340.00', capped: true, year_fund_paid: '1800.00', self_pay: '4660.00' });
  });

  it('year boundary: the cap does not carry into the next year (四 备注1)', () => {
    const [a, b] = run({ inscp_scp_amt: '4000.00', setl_time: '2023-12-31 23:30:00' }, { inscp_scp_amt: '400.00', setl_time: '2024-01-01 00:10:00' });
    expect(a).toMatchObject({ fund_pay: '1800.00', capped: true });
    // 2024: (40000 − 8000) × 50 % = 16000, totals restart
    expect(b).toMatchObject({ policy_id: 'shanxi-jincheng-2023', fund_pay: '160.00', year_fund_paid: '160.00', year_deductible_paid: '80.00' });
  });

  it('before 2023-01-01 no policy covers 晋城: an error, not a default', () => {
    expect(run({ setl_time: '2022-12-31 10:00:00' })[0]?.error).toMatch(/no policy covers region 140500 on 2022-12-31/);
  });
});

describe('shanxi-2024 · seed 002 晋医保发〔2024〕11号 一 (55/60/65 %, retired +5; 2500/3000; deductibles total 300)', () => {
  const S = { setl_time: '2024-08-01 09:00:00', inscp_scp_amt: '400.00' };
  one([
    // 一类: (40000 − 8000) × 55 % = 17600; retired × 60 % = 19200
    ['一类 在职 55 %', { ...S, fee_class: '1' }, { policy_id: 'shanxi-2024', deductible: '80.00', rate: '0.55', fund_pay: '176.00' }],
    ['一类 退休 60 %', { ...S, ...RET, fee_class: '1' }, { rate: '0.60', fund_pay: '192.00' }],
    // 二类: (40000 − 5000) × 60 % = 21000; retired × 65 % = 22750
    ['二类 在职 60 %', { ...S, fee_class: '2' }, { deductible: '50.00', rate: '0.60', fund_pay: '210.00' }],
    ['二类 退休 65 %', { ...S, ...RET, fee_class: '2' }, { rate: '0.65', fund_pay: '227.50' }],
    // 三类: (40000 − 3000) × 65 % = 24050; retired × 70 % = 25900
    ['三类 在职 65 %', { ...S, fee_class: '3' }, { deductible: '30.00', rate: '0.65', fund_pay: '240.50' }],
    ['三类 退休 70 %', { ...S, ...RET, fee_class: '3' }, { rate: '0.70', fund_pay: '259.00' }],
    // 定点零售药店 uses the 三类 rate (一): 37000 × 65 % = 24050; retired 70 % = 25900
    ['定点药店 在职 = 三类 65 %', { ...S, ...PHARM, rx_from_designated: true }, { deductible: '30.00', rate: '0.65', fund_pay: '240.50' }],
    ['定点药店 退休 = 三类 70 %', { ...S, ...PHARM, ...RET }, { rate: '0.70', fund_pay: '259.00' }],
    // 运城 140800 is covered by the province-wide notice
    ['运城 140800 二类', { ...S, admdvs: '140800', fee_class: '2' }, { policy_id: 'shanxi-2024', fund_pay: '210.00' }],
    // 乙类 5 %: settled preselfpay 500 of a 10000 乙类 drug: (40000 − 500 − 5000) × 60 % = 20700
    ['乙类先行自付 5 %', { ...S, fee_class: '2', preselfpay_amt: '5.00' }, { eligible: '395.00', fund_pay: '207.00' }],
  ]);

  it('the 2024-07-01 change keeps the year’s totals (一; 四 备注1)', () => {
    const [a, b] = run({ inscp_scp_amt: '400.00', setl_time: '2024-06-30 23:59:59' }, { inscp_scp_amt: '400.00', setl_time: '2024-07-01 00:00:00' });
    expect(a).toMatchObject({ policy_id: 'shanxi-jincheng-2023', rate: '0.50', fund_pay: '160.00' });
    // 32000 × 55 % = 17600; totals carried: 16000 + 17600 = 33600, deductible 8000 + 8000
    expect(b).toMatchObject({ policy_id: 'shanxi-2024', fund_pay: '176.00', year_fund_paid: '336.00', year_deductible_paid: '160.00' });
  });

  it('deductibles stop once the year’s total reaches 300 元, crossing inside the 4th visit (一)', () => {
    const t = (d: number) => ({ inscp_scp_amt: '100.00', setl_time: `2024-07-0${d} 10:00:00` });
    const ls = run(t(1), t(2), t(3), t(4), t(5));
    // visits 1–3: 8000 each → 24000; visit 4: min(8000, 30000 − 24000) = 6000 → (10000 − 6000) × 55 % = 2200; visit 5: 10000 × 55 % = 5500
    expect(ls.map((l) => l.deductible)).toEqual(['80.00', '80.00', '80.00', '60.00', '0.00']);
    expect(ls[3]).toMatchObject({ fund_pay: '22.00', year_deductible_paid: '300.00' });
    expect(ls[4]).toMatchObject({ fund_pay: '55.00', year_deductible_paid: '300.00' });
  });

  it('first-half-year deductibles count toward the 300 元 (一; assumption 年中变更)', () => {
    // H1 4 × 8000 = 32000 (no total under the 2022 notice) ≥ 30000 → nothing owed in July: 10000 × 55 % = 5500
    const h1 = (m: number) => ({ inscp_scp_amt: '100.00', setl_time: `2024-0${m}-10 10:00:00` });
    const ls = run(h1(1), h1(2), h1(3), h1(4), { inscp_scp_amt: '100.00', setl_time: '2024-07-10 10:00:00' });
    expect(ls[3]).toMatchObject({ year_deductible_paid: '320.00' });
    expect(ls[4]).toMatchObject({ deductible: '0.00', fund_pay: '55.00', year_deductible_paid: '320.00' });
  });

  it('a retired person capped at 2000 in H1 gets the new 3000 cap from July, reached inside the visit (一)', () => {
    // H1 三类 退休: (500000 − 3000) × 65 % = 323050 > 200000 → 200000
    // July 三类 退休 70 %: (200000 − 3000) × 70 % = 137900 > room 300000 − 200000 = 100000 → 100000
    const [a, b] = run(
      { ...RET, fee_class: '3', inscp_scp_amt: '5000.00', setl_time: '2024-02-01 10:00:00' },
      { ...RET, fee_class: '3', inscp_scp_amt: '2000.00', setl_time: '2024-07-15 10:00:00' },
    );
    expect(a).toMatchObject({ fund_pay: '2000.00', capped: true });
    expect(b).toMatchObject({ fund_pay: '1000.00', capped: true, year_fund_paid: '3000.00', rate: '0.70' });
  });

  it('year boundary: the 300 元 deductible total restarts on 1 January', () => {
    const d = (t: string) => ({ inscp_scp_amt: '100.00', setl_time: t });
    const ls = run(d('2024-12-01 10:00:00'), d('2024-12-02 10:00:00'), d('2024-12-03 10:00:00'), d('2024-12-04 10:00:00'), d('2025-01-02 10:00:00'));
    // Dec: 8000 × 3 + 6000 = 30000; 2 Jan 2025: a new year, 8000 again → (10000 − 8000) × 55 % = 1100
    expect(ls[3]).toMatchObject({ deductible: '60.00', year_deductible_paid: '300.00' });
    expect(ls[4]).toMatchObject({ deductible: '80.00', fund_pay: '11.00', year_deductible_paid: '80.00', year_fund_paid: '11.00' });
  });

  it('Yuncheng (140800) has no policy before 2024-07-01 (only the 晋城 notice is in the seeds)', () => {
    expect(run({ admdvs: '140800', setl_time: '2024-06-30 10:00:00' })[0]?.error).toMatch(/no policy covers region 140800/);
    expect(run({ admdvs: '140800', setl_time: '2024-07-01 10:00:00' })[0]?.policy_id).toBe('shanxi-2024');
  });

  it('after 2029-06-30 (5 years) nothing is in force', () => {
    expect(run({ setl_time: '2029-07-01 10:00:00' })[0]?.error).toMatch(/no policy/);
    expect(run({ setl_time: '2029-06-30 23:00:00' })[0]?.policy_id).toBe('shanxi-2024');
  });
});

describe('hunan-2023 · seed 001 湘政办发〔2022〕12号 二(一) (by level 0/200/300, total ≤ 300; 70/60/60 %; 1500/2000)', () => {
  const H = { admdvs: '430100', fee_class: undefined, setl_time: '2024-03-01 10:00:00', inscp_scp_amt: '400.00' };
  one([
    // 一级/基层: no deductible, 40000 × 70 % = 28000 (same for retired)
    ['一级 在职 0 元 70 %', { ...H, hosp_lv: '1' }, { policy_id: 'hunan-2023', deductible: '0.00', rate: '0.70', fund_pay: '280.00' }],
    ['一级 退休 70 %', { ...H, ...RET, hosp_lv: '10' }, { deductible: '0.00', rate: '0.70', fund_pay: '280.00' }],
    // 二级: (40000 − 20000) × 60 % = 12000
    ['二级 在职 200 元 60 %', { ...H, hosp_lv: '2' }, { deductible: '200.00', rate: '0.60', fund_pay: '120.00' }],
    ['二级 退休 (NHSA 05) 60 %', { ...H, ...RET, hosp_lv: '05' }, { deductible: '200.00', rate: '0.60', fund_pay: '120.00' }],
    // 三级: (40000 − 30000) × 60 % = 6000
    ['三级 在职 300 元 60 %', { ...H, hosp_lv: '3' }, { deductible: '300.00', rate: '0.60', fund_pay: '60.00' }],
    ['三级 退休 (NHSA 01) 60 %', { ...H, ...RET, hosp_lv: '01' }, { deductible: '300.00', rate: '0.60', fund_pay: '60.00' }],
    // 无等级 11 → 一级
    ['无等级 11 → 一级', { ...H, hosp_lv: '11' }, { deductible: '0.00', fund_pay: '280.00' }],
    // pharmacy (二(五) prescribing institution's policy; assumption 一级): 40000 × 70 % = 28000
    ['定点药店 as 一级 (二(五), assumption)', { ...H, ...PHARM }, { deductible: '0.00', rate: '0.70', fund_pay: '280.00' }],
    // rounding: 15 × 70 % = 10.5 → 11; 13 × 70 % = 9.1 → 9
    ['rounding 10.5 fen → 11', { ...H, hosp_lv: '1', inscp_scp_amt: '0.15' }, { fund_pay: '0.11' }],
    ['rounding 9.1 fen → 9', { ...H, hosp_lv: '1', inscp_scp_amt: '0.13' }, { fund_pay: '0.09' }],
    // 门诊慢特病 (二(二)) computed as its own benefit: 40000 × 80 % = 32000 / 85 % = 34000, no deductible, ordinary totals untouched
    ['门诊慢特病 14 在职 80 % (二(二))', { ...H, hosp_lv: '3', med_type: '14' }, { deductible: '0.00', rate: '0.80', fund_pay: '320.00', year_fund_paid: '0.00', excluded: null, clause: '湘政办发〔2022〕12号 二(二)' }],
    ['门诊慢特病 14 退休 85 % (二(二))', { ...H, ...RET, hosp_lv: '3', med_type: '14' }, { rate: '0.85', fund_pay: '340.00' }],
  ]);

  it('per-visit deductibles add up to at most 300 a year, crossing inside the 三级 visit (二(一))', () => {
    const ls = run(
      { ...H, hosp_lv: '1', inscp_scp_amt: '100.00' },
      { ...H, hosp_lv: '2', inscp_scp_amt: '500.00', setl_time: '2024-03-02 10:00:00' },
      { ...H, hosp_lv: '3', inscp_scp_amt: '500.00', setl_time: '2024-03-03 10:00:00' },
      { ...H, hosp_lv: '2', inscp_scp_amt: '100.00', setl_time: '2024-03-04 10:00:00' },
    );
    // 10000 × 70 % = 7000
    expect(ls[0]).toMatchObject({ deductible: '0.00', fund_pay: '70.00' });
    // (50000 − 20000) × 60 % = 18000
    expect(ls[1]).toMatchObject({ deductible: '200.00', fund_pay: '180.00', year_deductible_paid: '200.00' });
    // min(30000, 30000 − 20000) = 10000; (50000 − 10000) × 60 % = 24000
    expect(ls[2]).toMatchObject({ deductible: '100.00', fund_pay: '240.00', year_deductible_paid: '300.00' });
    // total reached: 10000 × 60 % = 6000; year fund 7000 + 18000 + 24000 + 6000 = 55000
    expect(ls[3]).toMatchObject({ deductible: '0.00', fund_pay: '60.00', year_fund_paid: '550.00' });
  });

  it('the cap: 1500 in service, 2000 retired, reached inside the visit (二(一))', () => {
    // 300000 × 70 % = 210000 → 150000 / 200000
    expect(run({ ...H, hosp_lv: '1', inscp_scp_amt: '3000.00' })[0]).toMatchObject({ fund_pay: '1500.00', capped: true });
    expect(run({ ...H, ...RET, hosp_lv: '1', inscp_scp_amt: '3000.00' })[0]).toMatchObject({ fund_pay: '2000.00', capped: true });
  });

  it('a chronic visit neither uses nor is limited by the ordinary cap (二(二) separate benefit)', () => {
    // ordinary: 300000 × 70 % → capped at 150000; chronic afterwards: 40000 × 80 % = 32000 still paid
    const [a, b] = run({ ...H, hosp_lv: '1', inscp_scp_amt: '3000.00' }, { ...H, hosp_lv: '1', med_type: '14', setl_time: '2024-03-02 10:00:00' });
    expect(a).toMatchObject({ fund_pay: '1500.00', capped: true });
    expect(b).toMatchObject({ fund_pay: '320.00', capped: false, year_fund_paid: '1500.00' });
  });
});

describe('nanchang-2023 · seed 003 南昌细则 第七条 (one annual deductible 600; 60/55/50 %, retired +5; 1800/2000)', () => {
  const N = { admdvs: '360100', fee_class: undefined, setl_time: '2024-03-01 10:00:00', inscp_scp_amt: '1000.00' };
  one([
    // (100000 − 60000) = 40000 × rate
    ['一级及以下 在职 60 %', { ...N, hosp_lv: '1' }, { policy_id: 'nanchang-2023', deductible: '600.00', rate: '0.60', fund_pay: '240.00' }],
    ['一级及以下 退休 65 %', { ...N, ...RET, hosp_lv: '1' }, { rate: '0.65', fund_pay: '260.00' }],
    ['二级 在职 55 %', { ...N, hosp_lv: '2' }, { rate: '0.55', fund_pay: '220.00' }],
    ['二级 退休 60 %', { ...N, ...RET, hosp_lv: '2' }, { rate: '0.60', fund_pay: '240.00' }],
    ['三级 在职 50 %', { ...N, hosp_lv: '3' }, { rate: '0.50', fund_pay: '200.00' }],
    ['三级 退休 55 %', { ...N, ...RET, hosp_lv: '3' }, { rate: '0.55', fund_pay: '220.00' }],
    // pharmacy (assumption: 一级及以下 60 %)
    ['定点药店 as 一级 (assumption)', { ...N, ...PHARM }, { rate: '0.60', fund_pay: '240.00' }],
    // 南昌县 360121 matches the 3601 prefix
    ['南昌县 360121', { ...N, admdvs: '360121', hosp_lv: '3' }, { policy_id: 'nanchang-2023', fund_pay: '200.00' }],
    // 门诊特殊慢性病 (第十六条) is not paid by 门诊共济
    ['门诊慢特病 14 excluded (第十六条)', { ...N, med_type: '14' }, { fund_pay: '0.00', excluded: 'separate_benefit' }],
  ]);

  it('the annual deductible is crossed inside the second visit (第七条)', () => {
    const ls = run({ ...N, hosp_lv: '3', inscp_scp_amt: '400.00' }, { ...N, hosp_lv: '3', inscp_scp_amt: '500.00', setl_time: '2024-03-02 10:00:00' }, { ...N, hosp_lv: '1', inscp_scp_amt: '100.00', setl_time: '2024-03-03 10:00:00' });
    // v1: 40000 < 60000 → all deductible, fund 0
    expect(ls[0]).toMatchObject({ deductible: '400.00', fund_pay: '0.00', excluded: 'below_deductible' });
    // v2: 20000 left; (50000 − 20000) × 50 % = 15000
    expect(ls[1]).toMatchObject({ deductible: '200.00', fund_pay: '150.00', year_deductible_paid: '600.00' });
    // v3: 10000 × 60 % = 6000
    expect(ls[2]).toMatchObject({ deductible: '0.00', rate: '0.60', fund_pay: '60.00', year_fund_paid: '210.00' });
  });

  it('the cap 1800 is reached inside a visit (第七条; 第十三条 诊察费 not separable, assumption)', () => {
    // (500000 − 60000) × 50 % = 220000 > 180000
    expect(run({ ...N, hosp_lv: '3', inscp_scp_amt: '5000.00' })[0]).toMatchObject({ fund_pay: '1800.00', capped: true, self_pay: '3200.00' });
  });

  it('year boundary: the 600 deductible is owed again in the new year (第七条 一个自然年度内)', () => {
    const [a, b] = run({ ...N, hosp_lv: '1', inscp_scp_amt: '700.00', setl_time: '2023-12-31 10:00:00' }, { ...N, hosp_lv: '1', inscp_scp_amt: '700.00', setl_time: '2024-01-01 10:00:00' });
    // each: (70000 − 60000) × 60 % = 6000
    expect(a).toMatchObject({ deductible: '600.00', fund_pay: '60.00' });
    expect(b).toMatchObject({ deductible: '600.00', fund_pay: '60.00', year_deductible_paid: '600.00', year_fund_paid: '60.00' });
  });

  it('input that returns to an earlier year continues that year’s totals', () => {
    const ls = run(
      { ...N, hosp_lv: '1', inscp_scp_amt: '700.00', setl_time: '2023-05-01 10:00:00' },
      { ...N, hosp_lv: '1', inscp_scp_amt: '100.00', setl_time: '2024-01-05 10:00:00' },
      { ...N, hosp_lv: '1', inscp_scp_amt: '100.00', setl_time: '2023-06-01 10:00:00' },
    );
    // 2023 already has 60000 of deductible: 10000 × 60 % = 6000; year 2023 fund 6000 + 6000
    expect(ls[2]).toMatchObject({ deductible: '0.00', fund_pay: '60.00', year_deductible_paid: '600.00', year_fund_paid: '120.00' });
  });
});

describe('erenhot-2022 · seed 004 二连浩特实施办法 三.3 (annual deductible 1000; 三级 60/65 %, 二级及以下 70/75 %; 4000/5000)', () => {
  const E = { admdvs: '152501', fee_class: undefined, setl_time: '2023-03-01 10:00:00', inscp_scp_amt: '2000.00' };
  one([
    // (200000 − 100000) = 100000 × rate
    ['三级 在职 60 %', { ...E, hosp_lv: '3' }, { policy_id: 'erenhot-2022', deductible: '1000.00', rate: '0.60', fund_pay: '600.00' }],
    ['三级 退休 65 %', { ...E, ...RET, hosp_lv: '3' }, { rate: '0.65', fund_pay: '650.00' }],
    ['二级 在职 70 %', { ...E, hosp_lv: '2' }, { rate: '0.70', fund_pay: '700.00' }],
    ['二级 退休 75 %', { ...E, ...RET, hosp_lv: '2' }, { rate: '0.75', fund_pay: '750.00' }],
    ['一级 在职 70 % (二级及以下)', { ...E, hosp_lv: '1' }, { rate: '0.70', fund_pay: '700.00' }],
    ['一级 退休 75 %', { ...E, ...RET, hosp_lv: '09' }, { rate: '0.75', fund_pay: '750.00' }],
    ['定点药店 (二(一)3 外配处方) 70 %', { ...E, ...PHARM, rx_from_designated: 'true' }, { rate: '0.70', fund_pay: '700.00' }],
  ]);

  it('the 1000 deductible is crossed inside the second visit (三.3 年度累计起付线)', () => {
    const [a, b] = run({ ...E, hosp_lv: '2', inscp_scp_amt: '600.00' }, { ...E, hosp_lv: '2', inscp_scp_amt: '1000.00', setl_time: '2023-04-01 10:00:00' });
    expect(a).toMatchObject({ deductible: '600.00', fund_pay: '0.00', excluded: 'below_deductible' });
    // 40000 left: (100000 − 40000) × 70 % = 42000
    expect(b).toMatchObject({ deductible: '400.00', fund_pay: '420.00', year_deductible_paid: '1000.00' });
  });

  it('the retired cap 5000 is reached inside a visit (三.3)', () => {
    // (1000000 − 100000) × 65 % = 585000 > 500000
    expect(run({ ...E, ...RET, hosp_lv: '3', inscp_scp_amt: '10000.00' })[0]).toMatchObject({ fund_pay: '5000.00', capped: true });
    // in service: (1000000 − 100000) × 60 % = 540000 > 400000
    expect(run({ ...E, hosp_lv: '3', inscp_scp_amt: '10000.00' })[0]).toMatchObject({ fund_pay: '4000.00', capped: true });
  });

  it('is not in force before 2022-10-01 (assumed start)', () => {
    expect(run({ ...E, setl_time: '2022-09-30 10:00:00' })[0]?.error).toMatch(/no policy/);
    expect(run({ ...E, setl_time: '2022-10-01 00:00:00' })[0]?.policy_id).toBe('erenhot-2022');
  });
});

describe('exclusions visible in claims (seed 000 四 情形; seed 003 第十五条)', () => {
  const J = { setl_time: '2023-05-01 10:00:00', inscp_scp_amt: '400.00' };
  it.each([
    [{ designated: false }, 'non_designated', '四 不予支付情形5'],
    [{ has_card: false }, 'no_card', '四 不予支付情形9'],
    [{ ...PHARM, rx_from_designated: false }, 'pharmacy_no_rx', '四 不予支付情形10'],
    [{ out_of_area_temporary: true }, 'out_of_area_temporary', '四 不予支付情形12'],
    [{ in_arrears: true }, 'arrears', '四 不予支付情形13'],
    [{ suspended: 'true' }, 'suspended', '四 不予支付情形14'],
    [{ inpatient_overlap: 1 }, 'inpatient_overlap', '四 不予支付情形14'],
    [{ med_type: '14' }, 'separate_benefit', '四 不予支付情形7'],
    [{ inscp_scp_amt: '0', fulamt_ownpay_amt: '50.00' }, 'out_of_catalogue', '四 不予支付情形8'],
  ])('晋城 %o → %s', (over, code, clause) => {
    const [l] = run({ ...J, ...over });
    expect(l).toMatchObject({ policy_id: 'shanxi-jincheng-2023', fund_pay: '0.00', deductible: '0.00', excluded: code, self_pay: '5000.00' });
    expect(l?.clause).toContain(clause);
  });

  it.each([
    [{ inpatient_overlap: true }, 'inpatient_overlap', '第十五条（二）'],
    [{ suspended: true }, 'suspended', '第十五条（三）'],
    [{ designated: false }, 'non_designated', '第十五条（四）'],
    [{ out_of_area_temporary: true }, 'out_of_area_temporary', '第十五条（五）'],
  ])('南昌 %o → %s', (over, code, clause) => {
    const [l] = run({ admdvs: '360100', fee_class: undefined, ...over });
    expect(l).toMatchObject({ policy_id: 'nanchang-2023', fund_pay: '0.00', excluded: code });
    expect(l?.clause).toContain(clause);
  });

  it('a non-designated institution is paid in an emergency (情形5 急诊抢救除外; med_type 13)', () => {
    expect(run({ ...J, designated: false, emergency: true })[0]).toMatchObject({ fund_pay: '160.00', excluded: null });
    expect(run({ ...J, designated: false, med_type: '13' })[0]).toMatchObject({ fund_pay: '160.00', excluded: null });
  });

  it('an excluded visit uses neither the deductible nor the cap', () => {
    const ls = run({ ...J, suspended: true }, { ...J, setl_time: '2023-05-02 10:00:00' });
    expect(ls[0]).toMatchObject({ year_fund_paid: '0.00', year_deductible_paid: '0.00' });
    expect(ls[1]).toMatchObject({ fund_pay: '160.00', year_fund_paid: '160.00', year_deductible_paid: '80.00' });
  });

  it('unknown region → a line with error, never a default', () => {
    const [l] = run({ admdvs: '999999' });
    expect(l).toEqual({ setl_id: 'S1', error: '没有适用的政策 (no policy covers region 999999 on 2023-03-01)' });
  });
});

describe('visit records (CONTRACT.md) are read strictly', () => {
  it.each([
    [{ inscp_scp_amt: '12.345' }, 'inscp_scp_amt'],
    [{ inscp_scp_amt: 12.345 }, 'inscp_scp_amt'],
    [{ medfee_sumamt: undefined }, 'medfee_sumamt'],
    [{ psn_type: '2101' }, 'psn_type'],
    [{ hosp_lv: '12' }, 'hosp_lv'],
    [{ admdvs: '1405' }, 'admdvs'],
    [{ setl_time: '2024-02-30 10:00:00' }, 'setl_time'],
    [{ fixmedins_type: 'clinic' }, 'fixmedins_type'],
    [{ fixmedins_code: '' }, 'fixmedins_code'],
    [{ fee_class: '4' }, 'fee_class'],
  ])('%o → InputError naming %s', (over, field) => {
    expect(() => toVisit(visit(over), 7)).toThrow(expect.objectContaining({ where: { row: 7, field } }));
  });

  it('amounts as numbers and strings give the same fen', () => {
    const a = run({ inscp_scp_amt: 400.1, medfee_sumamt: 500 });
    const b = run({ inscp_scp_amt: '400.10', medfee_sumamt: '500.00' });
    expect(a).toEqual(b);
    expect(a[0]).toMatchObject({ eligible: '400.10', self_pay: '339.95' }); // (40010 − 8000) × 50 % = 16005; 50000 − 16005
  });

  it('rounding helper is half up', () => {
    expect([applyRate(2001, 5000), applyRate(1999, 5000), applyRate(15, 7000), applyRate(13, 7000), applyRate(0, 6000)]).toEqual([1001, 1000, 11, 9, 0]);
  });
});

describe('properties (fast-check)', () => {
  const arb = fc.record({
    admdvs: fc.constantFrom('140500', '140800', '430100', '360100', '152501'),
    month: fc.integer({ min: 7, max: 12 }),
    level: fc.constantFrom('1', '2', '3'),
    pharmacy: fc.boolean(),
    retired: fc.boolean(),
    prior: fc.array(fc.integer({ min: 0, max: 400_000 }), { maxLength: 6 }),
    amount: fc.integer({ min: 0, max: 800_000 }),
    extra: fc.integer({ min: 0, max: 100_000 }),
  });
  type A = { admdvs: string; month: number; level: string; retired: boolean; pharmacy: boolean };
  const rec = (a: A, fen: number, id: string, day: number): VisitRecord =>
    visit({
      setl_id: id,
      admdvs: a.admdvs,
      setl_time: `2024-${String(a.month).padStart(2, '0')}-${String(day).padStart(2, '0')} 10:00:00`,
      hosp_lv: a.level,
      fixmedins_type: a.pharmacy ? 'pharmacy' : 'hospital',
      fee_class: a.admdvs.startsWith('14') ? a.level : undefined,
      psn_type: a.retired ? '1201' : '1101',
      inscp_scp_amt: (fen / 100).toFixed(2),
      medfee_sumamt: (fen / 100).toFixed(2),
    });
  const fen = (s: string | undefined) => Math.round(Number(s) * 100);

  it('fund payment is never negative, never above the remaining cap, and monotone in the amount', () => {
    fc.assert(
      fc.property(arb, (a) => {
        const priors = a.prior.map((f, i) => rec(a, f, `A${i}`, i + 1));
        const base = adjudicateRecords([...priors, rec(a, a.amount, 'B', 20)], policies);
        const more = adjudicateRecords([...priors, rec(a, a.amount + a.extra, 'B', 20)], policies);
        const p = policies.policies.find((x) => x.id === base.at(-1)?.policy_id);
        if (!p) return false;
        const cap = a.retired ? p.annual_cap_fen.retired : p.annual_cap_fen.in_service;
        let paid = 0;
        for (const l of base) {
          const f = fen(l.fund_pay);
          if (f < 0 || f > cap - paid) return false;
          paid += f;
          if (fen(l.year_fund_paid) !== paid) return false;
        }
        return fen(more.at(-1)?.fund_pay) >= fen(base.at(-1)?.fund_pay) && paid <= cap;
      }),
      { numRuns: 500 },
    );
  });

  it('the yearly deductible total never exceeds 300 in 山西 2024 and 湖南', () => {
    fc.assert(
      fc.property(arb, fc.array(fc.integer({ min: 0, max: 60_000 }), { minLength: 1, maxLength: 12 }), (a, amounts) => {
        const sh = { ...a, admdvs: a.admdvs === '430100' ? '430100' : '140500' };
        const ls = adjudicateRecords(amounts.map((f, i) => rec(sh, f, `V${i}`, i + 1)), policies);
        return ls.every((l) => fen(l.year_deductible_paid) <= 30000 && fen(l.deductible) >= 0);
      }),
      { numRuns: 300 },
    );
  });

  it('an Adjudicator fed one visit at a time gives the same lines as a batch', () => {
    const rs = [visit({ setl_id: 'X1' }), visit({ setl_id: 'X2', setl_time: '2023-03-02 10:00:00', inscp_scp_amt: '3000.00' })];
    const adj = new Adjudicator(policies);
    const single = rs.map((r, i) => adjudicateRecords([r], policies, adj)[0] ?? { setl_id: String(i) });
    expect(single).toEqual(adjudicateRecords(rs, policies));
  });
});
