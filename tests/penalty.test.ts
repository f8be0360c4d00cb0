import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../lib/errors';
import { computePenalty, penaltyContract } from '../lib/penalties/compute';
import { holidayYearsMissing } from '../lib/cases/deadlines';
import { addMonths, addWorkingDays } from '../lib/penalties/dates';
import { yuanDecimal } from '../lib/format';
import { parseYuan } from '../lib/penalties/money';
import { loadPenaltyPolicy, penaltyPolicySchema } from '../lib/policies/penalties';
import { runCli } from './db';

const out = (r: Parameters<typeof computePenalty>[0]) => penaltyContract(computePenalty(r, { today: '2026-11-23' }));

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof InputError) return e.where?.field;
    throw e;
  }
  return 'no error';
}

describe('money', () => {
  it('parses yuan into fen and formats back with two decimals', () => {
    expect(parseYuan('1234.5', 'amount')).toBe(123450);
    expect(parseYuan('0.07', 'amount')).toBe(7);
    expect(yuanDecimal(123450)).toBe('1234.50');
    expect(yuanDecimal(7)).toBe('0.07');
    expect(() => parseYuan('1.234', 'amount')).toThrow(/违规金额/);
    expect(() => parseYuan('abc', 'amount')).toThrow(/违规金额/);
  });

  it('formats any fen amount exactly, and parsing the text gives the same fen back', () => {
    expect(yuanDecimal(-5)).toBe('-0.05');
    expect(yuanDecimal(-0)).toBe('0.00');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (fen) => {
        const text = yuanDecimal(fen);
        expect(text).toBe(`${BigInt(fen) / 100n}.${String(BigInt(fen) % 100n).padStart(2, '0')}`);
        if (fen < 1e15) expect(parseYuan(text, 'amount')).toBe(fen);
        expect(yuanDecimal(-fen)).toBe(fen === 0 ? text : `-${text}`);
      }),
    );
  });
});

describe('suspension end dates (calendar-aware, end exclusive)', () => {
  it.each([
    ['2024-01-31', 1, '2024-02-29'], // leap February: the month's last day
    ['2023-01-31', 1, '2023-02-28'],
    ['2024-03-31', 1, '2024-04-30'],
    ['2023-12-31', 2, '2024-02-29'],
    ['2024-01-31', 3, '2024-04-30'],
    ['2023-11-30', 3, '2024-02-29'],
    ['2022-11-30', 3, '2023-02-28'],
    ['2023-08-31', 6, '2024-02-29'],
    ['2024-08-31', 6, '2025-02-28'],
    ['2024-02-29', 12, '2025-02-28'], // 12 months from a leap day
    ['2023-02-28', 12, '2024-02-28'], // a non-clamped day stays the same day
    ['2023-03-31', 12, '2024-03-31'],
    ['2024-05-15', 12, '2025-05-15'],
    ['2024-12-31', 12, '2025-12-31'],
  ])('%s + %i months → %s', (start, n, end) => {
    expect(addMonths(start, n)).toBe(end);
  });

  it('counts the statement deadline in working days, skipping weekends and listed holidays', () => {
    const h = loadPenaltyPolicy().procedure.holidays.dates;
    expect(addWorkingDays('2026-11-23', 5, h)).toBe('2026-11-30'); // Mon → next Mon
    expect(addWorkingDays('2026-09-30', 5, h)).toBe('2026-10-14'); // across the National Day holiday
    // Spring Festival 2026 (国办 notice of 2025-11-04: 2-15…2-23 off, Sat 2-14 and 2-28 make-up work days,
    // counted here as rest days so the period only ever gets longer for the party): 2-24…2-27, then 3-2.
    expect(addWorkingDays('2026-02-13', 5, h)).toBe('2026-03-02');
  });

  it('knows which years have their holiday notice entered, and refuses a holiday outside them', () => {
    const policy = loadPenaltyPolicy();
    expect(holidayYearsMissing(policy, '2026-11-23', '2026-11-30')).toEqual([]);
    expect(holidayYearsMissing(policy, '2026-12-28', '2027-01-05')).toEqual([2027]);
    const raw = structuredClone(policy) as unknown as { procedure: { holidays: { dates: string[] } } };
    raw.procedure.holidays.dates.push('2027-01-01');
    const r = penaltyPolicySchema.safeParse(raw);
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path.join('.')).toMatch(/^procedure\.holidays\.dates\.\d+$/);
  });
});

describe('penalty: institution (seed 000 §七.3)', () => {
  it('principal = amount + own pay, damages = tier multiple × amount (no factors: amount < 1万 → 较轻, 2×)', () => {
    const r = out({ subject: 'institution', amount: '1000', ownPay: '200.50' });
    expect([r.principal, r.damages, r.total, r.multiple]).toEqual(['1200.50', '2000.00', '3200.50', 2]);
    expect(r.basis).toContain('七.3');
    expect(r.basis).toContain('较轻');
  });
  it('takes a given multiple inside 2–5, exactly to the fen', () => {
    const r = out({ subject: 'institution', amount: '1234.56', multiple: '2.5' });
    expect([r.principal, r.damages, r.total, r.multiple]).toEqual(['1234.56', '3086.40', '4320.96', 2.5]);
  });
  it('scores the tier from amount band and fraud', () => {
    expect(out({ subject: 'institution', amount: '20000', fraud: true }).multiple).toBe(4); // band 1 + fraud 1
    expect(out({ subject: 'institution', amount: '20000' }).multiple).toBe(3);
    expect(out({ subject: 'institution', amount: '150000' }).damages).toBe('600000.00'); // band 2 → 4×
    expect(out({ subject: 'institution', amount: '150000', fraud: true, repeat: true }).multiple).toBe(5); // score 4 → last tier
    expect(out({ subject: 'institution', amount: '20000', cooperation: true }).multiple).toBe(2); // 1 − 1
    expect(out({ subject: 'institution', amount: '500', cooperation: true }).multiple).toBe(2); // −1 → first tier
  });
  it('refuses multiples outside 2–5 and fields of the other subject', () => {
    expect(fieldOf(() => out({ subject: 'institution', amount: '100', multiple: '1.5' }))).toBe('multiple');
    expect(fieldOf(() => out({ subject: 'institution', amount: '100', multiple: '6' }))).toBe('multiple');
    expect(fieldOf(() => out({ subject: 'institution', amount: '100', multiple: '5.01' }))).toBe('multiple');
    expect(fieldOf(() => out({ subject: 'institution', amount: '-1' }))).toBe('amount');
    expect(fieldOf(() => out({ subject: 'institution', amount: '0' }))).toBe('amount');
    expect(fieldOf(() => out({ subject: 'institution', amount: '100', ownPay: '-3' }))).toBe('own-pay');
    expect(fieldOf(() => out({ subject: 'institution', amount: '100', months: 6 }))).toBe('months');
    expect(out({ subject: 'institution', amount: '100', multiple: '5' }).damages).toBe('500.00');
    expect(out({ subject: 'institution', amount: '100', multiple: '2' }).damages).toBe('200.00');
  });
});

describe('penalty: insured (seed 000 §七.3, 条例 第四十一条)', () => {
  it('refund, suspension and no fine without fraud', () => {
    expect(out({ subject: 'insured', amount: '800', start: '2024-01-31', months: 3 })).toEqual({
      refund: '800.00',
      suspension_start: '2024-01-31',
      suspension_end: '2024-04-30',
      months: 3,
      fine: '0.00',
      total: '800.00',
      basis: expect.stringContaining('第四十一条'),
    });
  });
  it('fraud fine 2–5× and 12 months from a leap day', () => {
    const r = out({ subject: 'insured', amount: '800', fraud: true, multiple: '2', months: 12, start: '2024-02-29' });
    expect([r.suspension_end, r.fine, r.total, r.months]).toEqual(['2025-02-28', '1600.00', '2400.00', 12]);
  });
  it('months and fine multiple default to the tier; start defaults to today', () => {
    const r = out({ subject: 'insured', amount: '500' });
    expect([r.months, r.suspension_start, r.suspension_end, r.fine]).toEqual([3, '2026-11-23', '2027-02-23', '0.00']);
    const f = out({ subject: 'insured', amount: '500', fraud: true, start: '2023-11-30' });
    expect([f.months, f.suspension_end, f.fine, f.total]).toEqual([6, '2024-05-30', '1500.00', '2000.00']); // score 1 → 一般: 6 months, 3×
  });
  it('refuses out-of-range months, a fine without fraud, bad dates and own pay', () => {
    expect(fieldOf(() => out({ subject: 'insured', amount: '100', months: 2 }))).toBe('months');
    expect(fieldOf(() => out({ subject: 'insured', amount: '100', months: 13 }))).toBe('months');
    expect(fieldOf(() => out({ subject: 'insured', amount: '100', months: '3.5' }))).toBe('months');
    expect(fieldOf(() => out({ subject: 'insured', amount: '100', multiple: '3' }))).toBe('multiple');
    expect(fieldOf(() => out({ subject: 'insured', amount: '100', fraud: true, multiple: '6' }))).toBe('multiple');
    expect(fieldOf(() => out({ subject: 'insured', amount: '100', fraud: true, multiple: '1.5' }))).toBe('multiple');
    expect(fieldOf(() => out({ subject: 'insured', amount: '100', start: '2023-02-29' }))).toBe('start');
    expect(fieldOf(() => out({ subject: 'insured', amount: '100', start: '2024-13-01' }))).toBe('start');
    expect(fieldOf(() => out({ subject: 'insured', amount: '100', ownPay: '1' }))).toBe('own-pay');
  });
});

describe('penalty policy file', () => {
  it('is valid and refuses a tier outside the legal range', () => {
    const p = loadPenaltyPolicy();
    expect(p.institution.multiple).toMatchObject({ min: 2, max: 5 });
    expect(p.insured.months).toMatchObject({ min: 3, max: 12 });
    const bad = structuredClone(p);
    const t0 = bad.discretion.tiers[0];
    if (t0) t0.multiple = 1.5;
    expect(penaltyPolicySchema.safeParse(bad).success).toBe(false);
  });
});

describe('penalty CLI', () => {
  const url = 'postgres://unused@127.0.0.1:1/none'; // the command needs no database

  it('prints the contract JSON for an institution', async () => {
    const r = await runCli(['penalty', '--json', '--subject', 'institution', '--amount', '1000', '--own-pay', '200.50', '--multiple', '3'], { url });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      `${JSON.stringify({
        principal: '1200.50',
        damages: '3000.00',
        total: '4200.50',
        multiple: 3,
        basis:
          '晋市医保发〔2022〕22号 七.3：追回违规本金（统筹支付 1,000.00 元 + 个人自付 200.50 元），加收违规金额 3 倍违约金（幅度 2–5 倍）；《医疗保障基金使用监督管理条例》第三十八条；倍数由使用者指定（裁量档次 较轻（分值 0：违规金额不足1万元 +0） 建议 2 倍）；裁量基准：案件处理与处罚裁量（全国默认）',
      })}\n`,
    );
  });

  it('prints the contract JSON for an insured person with fraud', async () => {
    const r = await runCli(['penalty', '--json', '--subject', 'insured', '--amount', '800', '--fraud', '--multiple', '2', '--months', '12', '--start', '2024-02-29'], { url });
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(Object.keys(j)).toEqual(['refund', 'suspension_start', 'suspension_end', 'months', 'fine', 'total', 'basis']);
    expect(j).toEqual({
      refund: '800.00',
      suspension_start: '2024-02-29',
      suspension_end: '2025-02-28',
      months: 12,
      fine: '1600.00',
      total: '2400.00',
      basis:
        '晋市医保发〔2022〕22号 七.3、《医疗保障基金使用监督管理条例》第四十一条：退还违规享受待遇 800.00 元，暂停医疗费用联网结算 12 个月（幅度 3–12，2024-02-29 起至 2025-02-28 前）；属骗取，处骗取金额 2 倍罚款（幅度 2–5 倍）；月数由使用者指定，罚款倍数由使用者指定，裁量档次 一般（分值 1：违规金额不足1万元 +0，属于骗取医保基金 +1），建议 6 个月、3 倍；裁量基准：案件处理与处罚裁量（全国默认）',
    });
  });

  it.each([
    [['--subject', 'institution', '--amount', '100', '--multiple', '1.5'], 'multiple'],
    [['--subject', 'institution', '--amount', '100', '--multiple', '6'], 'multiple'],
    [['--subject', 'insured', '--amount', '100', '--months', '2'], 'months'],
    [['--subject', 'insured', '--amount', '100', '--months', '13'], 'months'],
    [['--subject', 'institution', '--amount', '-5'], 'amount'],
    [['--subject', 'insured', '--amount', '100', '--multiple', '3'], 'multiple'],
    [['--subject', 'insured', '--amount', '100', '--start', '2024-02-30'], 'start'],
    [['--subject', 'company', '--amount', '100'], 'subject'],
    [['--subject', 'institution'], 'amount'],
  ])('exits 1 naming the field: %j', async (args, field) => {
    const r = await runCli(['penalty', '--json', ...args], { url });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`field ${field}`);
    expect(r.stdout).toBe('');
  });
});

describe('penalty basis binds the case region (issue 18 item 1)', () => {
  const policy = loadPenaltyPolicy();
  const mentions = (s: string) => [...s.matchAll(/晋市医保发〔2022〕22号/g)].map((m) => s.slice(Math.max(0, (m.index ?? 0) - 3), m.index));

  it('cites 晋市 七.3 as basis in Jincheng, and only the regulation (晋市 as 参照) in Nanchang, Changsha and Erenhot', () => {
    const jc = computePenalty({ subject: 'institution', amount: '1000', ownPay: '200', multiple: '3' }, { policy, region: '140500' });
    expect(jc.basis).toMatch(/^晋市医保发〔2022〕22号 七\.3：追回违规本金/);
    for (const region of ['360100', '430100', '152501']) {
      const inst = computePenalty({ subject: 'institution', amount: '1000', ownPay: '200', multiple: '3' }, { policy, region });
      expect(inst.basis).toMatch(/^《医疗保障基金使用监督管理条例》第三十八条：责令退回/);
      expect(mentions(inst.basis)).toEqual(['参照 ']);
      // the amounts do not depend on which document is cited
      expect(penaltyContract(inst)).toMatchObject({ principal: penaltyContract(jc).principal, damages: penaltyContract(jc).damages });
      const ins = computePenalty({ subject: 'insured', amount: '800', months: '6', start: '2024-03-01' }, { policy, region });
      expect(ins.basis).toMatch(/^《医疗保障基金使用监督管理条例》第四十一条：退还违规享受待遇 800\.00 元/);
      expect(ins.basis).not.toContain('晋市');
    }
  });
});
