/**
 * The hot-path validator (FAST) must agree with the zod schemas, which define the contract: the same output
 * for every row zod accepts, and a fall-back to zod (null) for every row zod rejects.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KNOWN_FIELDS, type Kind } from '../lib/ingest/columns';
import { FAST, parseSetlTime, plainSettlement, reportSettlementAmounts, SCHEMAS, setlTimeText, validateRow, validDate, yuanTextToFen, yuanToFen } from '../lib/ingest/validate';

// spellings seen in real extracts, valid and not, per field shape
const TEXTS = ['S1', ' P 1 ', '', '   ', 'x'.repeat(65), 'x'.repeat(201), 12, 0, true, null, { a: 1 }, '结算'];
const AMOUNTS = ['12.30', '1,234.5', '-0.05', '1.234', '1.230', 'abc', '', 12.3, 0.1, 1e21, Number.NaN, '19999999.99', true];
const CODES = ['1', '01', '2', '3', '07', '11', '12', '14', '15', '1101', '1201', '13', '41', 'in_service', 'retired', '退休', 'hospital', 'Pharmacy', '药店', '甲类', '乙', '丙类', '男', 'F', 'constructor', '__proto__', 'toString', 9, 3];
const FLAGS = ['1', '0', 'true', 'FALSE', 'Y', 'no', '是', '否', 't', 'maybe', 1, 0, true, false, 'constructor'];
const DATES = ['1980-02-29', '19800229', '1981-02-29', '2024-03-05 10:00:00', '2024-07-01T00:30:00+08:00', '2024-06-30T16:30:00Z', '2024-02-30 08:00:00', 'not a time', '2024-12-31 23:59:59+0900', 20240101];
const REGIONS = ['140500', ' 430100 ', '14050', 'abcdef', 140500];
const DECIMALS = ['1', '1.5', '0.1234', '1.23456', '-3', 'x', 2.5, 1e-7];
const DAYS = ['7', 7, '0', '-1', '1.5', '12345', 'x'];

/** values every field of that shape accepts, so that whole rows often pass */
const VALID: Record<string, unknown[]> = {
  // parts of a bill, and bills they mostly fit in (a part above its bill, or below zero, is a row error)
  amount: ['12.30', '1,234.5', '-0.05', '1.230', 12.3, 0.1, '0'],
  total: ['5000', '5,000.00', '1,234.5', '19999999.99', 12.3, '-0.05'],
  flag: ['1', '0', 'true', 'FALSE', 'Y', '是', true, false],
  time: ['2024-03-05 10:00:00', '2024-07-01T00:30:00+08:00', '2024-06-30T16:30:00Z', '2024-12-31 23:59:59+0900'],
  date: ['1980-02-29', '19800229', '2001-12-31'],
  region: ['140500', ' 430100 ', 140500],
  decimal: ['1', '1.5', '0.1234', '-3', 2.5],
  days: ['7', 7, '0'],
  psn_type: ['1101', '1201', '13', 'in_service', '退休'],
  hosp_lv: ['1', '01', '07', '11', 3, '三级'],
  fixmedins_type: ['hospital', 'Pharmacy', '药店', '1'],
  fee_class: ['1', '2', '3', '一类'],
  med_type: ['11', '41', '1401', '急诊'],
  gend: ['1', '2', '男', 'F'],
  chrgitm_lv: ['01', '2', '丙类', '乙'],
  med_chrgitm_type: ['1', '03', '09', '14', 12],
  text: ['S1', ' P 1 ', 12, '结算'],
};
const shape = (field: string): string => {
  if (field === 'setl_time') return 'time';
  if (field === 'brdy') return 'date';
  if (field === 'medfee_sumamt') return 'total';
  if (/amt|pay|dedc|sumamt|budget/.test(field)) return 'amount';
  if (/flag|designated|emergency|has_card|rx_from|out_of_area|arrears|overlap|suspended|chronic/.test(field)) return 'flag';
  if (/admdvs|region_code/.test(field)) return 'region';
  if (field === 'cnt' || field === 'pric') return 'decimal';
  if (field === 'medc_days') return 'days';
  return VALID[field] ? field : 'text';
};

const ANY = [...TEXTS, ...AMOUNTS, ...CODES, ...FLAGS, ...DATES, ...REGIONS, ...DECIMALS, ...DAYS];
const pool = (field: string): unknown[] => {
  if (/amt|pay|dedc|sumamt|budget/.test(field)) return AMOUNTS;
  if (/flag|designated|emergency|has_card|rx_from|out_of_area|arrears|overlap|suspended|chronic/.test(field)) return FLAGS;
  if (/time|brdy/.test(field)) return DATES;
  if (/admdvs|region_code/.test(field)) return REGIONS;
  if (field === 'cnt' || field === 'pric') return DECIMALS;
  if (field === 'medc_days') return DAYS;
  if (/type|lv|class|gend|chrgitm/.test(field)) return CODES;
  return TEXTS;
};

function record(kind: Kind) {
  const fields = KNOWN_FIELDS[kind];
  return fc.record(
    Object.fromEntries(
      fields.map((f) => [
        f,
        fc.oneof(
          { weight: 60, arbitrary: fc.constantFrom(...(VALID[shape(f)] ?? [])) },
          { weight: 2, arbitrary: fc.constantFrom(...pool(f)) },
          { weight: 1, arbitrary: fc.constantFrom(...ANY) },
          { weight: 4, arbitrary: fc.constant(undefined) },
        ),
      ]),
    ),
  ).map((r) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(r)) if (v !== undefined && v !== null && v !== '') out[k] = v;
    return out;
  });
}

describe('fast validator agrees with the zod schemas', () => {
  for (const kind of Object.keys(SCHEMAS) as Kind[]) {
    it(`${kind}: same output when zod accepts, fall-back when zod rejects`, () => {
      let accepted = 0;
      let rejected = 0;
      fc.assert(
        fc.property(record(kind), (values) => {
          const z = SCHEMAS[kind].safeParse({ ...values });
          const fast = FAST[kind]({ ...values });
          if (z.success) {
            accepted++;
            expect(fast).toEqual(z.data);
          } else {
            rejected++;
            expect(fast).toBeNull();
          }
        }),
        { numRuns: 3000, seed: 11 },
      );
      // both branches were exercised
      expect(accepted).toBeGreaterThan(20);
      expect(rejected).toBeGreaterThan(20);
    });
  }

  it('a valid generated-style row passes the fast path; a bad one still reports field and zod message', () => {
    const row = {
      setl_id: 'S1', psn_no: 'P1', psn_type: '1101', admdvs: '140800', setl_time: '2024-07-08 13:48:35', fixmedins_code: 'H1',
      fixmedins_type: 'hospital', hosp_lv: '2', fee_class: '2', med_type: '11', medfee_sumamt: '330.21', inscp_scp_amt: '330.21',
      chronic: true, fixmedins_name: '运城市第8医院',
    };
    const ok = validateRow('settlements', 'a.ndjson', 1, { ...row });
    expect(ok).toMatchObject({ ok: true, value: { medfee_sumamt: 33021, hosp_lv: 2, chronic: true, setl_time: { literal: '2024-07-08 13:48:35+08', month: '2024-07' } }, extra: { fixmedins_name: '运城市第8医院' } });
    const bad = validateRow('settlements', 'a.ndjson', 7, { ...row, hosp_lv: 'constructor', medfee_sumamt: '1.234' });
    expect(bad).toEqual({
      ok: false,
      errors: [
        { file: 'a.ndjson', row: 7, field: 'hosp_lv', message: '医院等级代码无效 unknown code "constructor"', value: 'constructor' },
        { file: 'a.ndjson', row: 7, field: 'medfee_sumamt', message: '金额无效 not an amount in yuan with at most 2 decimals: "1.234"', value: '1.234' },
      ],
    });
  });
});

describe('the digit-by-digit readers of the hot path agree with the general ones', () => {
  it('amounts: every string and number gives the fen the general reading gives', () => {
    const text = fc.string({ unit: fc.constantFrom(...'0123456789.-+, e'.split('')), maxLength: 18 });
    fc.assert(fc.property(text, (s) => Object.is(yuanToFen(s), yuanTextToFen(s))), { numRuns: 20_000 });
    fc.assert(fc.property(fc.double(), (n) => Object.is(yuanToFen(n), Number.isFinite(n) ? yuanTextToFen(String(n)) : null)), { numRuns: 5_000 });
    for (const s of ['0', '-0', '5.', '+5', '.5', '1.2300', '1.2301', '9999999999999.99', '99999999999999', '1,2', ' 1', '1e3'])
      expect([s, yuanToFen(s)]).toEqual([s, yuanTextToFen(s)]);
  });

  it("settlement times: the platform's spelling read by character code as by the regular expression", () => {
    const two = (lo: number, hi: number) => fc.integer({ min: lo, max: hi }).map((n) => String(n).padStart(2, '0'));
    const sep = fc.constantFrom('-', '-', '/', ' ');
    const time = fc
      .tuple(fc.integer({ min: 1890, max: 2110 }), sep, two(0, 13), sep, two(0, 32), fc.constantFrom(' ', ' ', 'T', '_'), two(0, 25), two(0, 61), two(0, 61))
      .map(([y, s1, mo, s2, d, t, h, mi, se]) => `${y}${s1}${mo}${s2}${d}${t}${h}:${mi}:${se}`);
    fc.assert(fc.property(time, (s) => JSON.stringify(parseSetlTime(s)) === JSON.stringify(setlTimeText(s))), { numRuns: 20_000 });
    expect(parseSetlTime('2024-02-29 23:59:59')).toEqual({ literal: '2024-02-29 23:59:59+08', month: '2024-02', day: '2024-02-29' });
  });

  it('calendar days without Date: the same answer as a Date for every day of 1899–2101', () => {
    for (let y = 1899; y <= 2101; y++)
      for (let m = 0; m <= 13; m++)
        for (let d = 0; d <= 32; d++) {
          const byDate = y >= 1900 && y <= 2100 && m >= 1 && m <= 12 && d >= 1 && d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
          if (validDate(y, m, d) !== byDate) expect([y, m, d, validDate(y, m, d)]).toEqual([y, m, d, byDate]);
        }
  });
});

describe('amounts a record cannot have: the fast path and zod agree (issue 18)', () => {
  const yuanOf = (fen: number) => `${fen < 0 ? '-' : ''}${Math.floor(Math.abs(fen) / 100)}.${String(Math.abs(fen) % 100).padStart(2, '0')}`;
  const base = {
    setl_id: 'S1', psn_no: 'P1', psn_type: '1101', admdvs: '140800', setl_time: '2024-07-08 13:48:35', fixmedins_code: 'H1', fixmedins_type: 'hospital', hosp_lv: '2',
  };
  const agree = (kind: 'settlements' | 'details', values: Record<string, unknown>) => {
    const z = SCHEMAS[kind].safeParse({ ...values });
    const fast = FAST[kind]({ ...values });
    if (z.success) expect(fast).toEqual(z.data);
    else expect(fast).toBeNull();
    return z.success;
  };

  it('settlements: amounts around the bill, either sign, reversal or not', () => {
    const fen = fc.oneof(fc.integer({ min: -500, max: 30_000 }), fc.constant(undefined));
    const row = fc.record({ total: fc.integer({ min: -20_000, max: 20_000 }), refd: fc.constantFrom(undefined, '0', '1'), parts: fc.array(fen, { minLength: 7, maxLength: 7 }) });
    const fields = ['inscp_scp_amt', 'fulamt_ownpay_amt', 'preselfpay_amt', 'act_pay_dedc', 'hifp_pay', 'acct_pay', 'psn_cash_pay'];
    let ok = 0;
    let bad = 0;
    fc.assert(
      fc.property(row, ({ total, refd, parts }) => {
        const values: Record<string, unknown> = { ...base, medfee_sumamt: yuanOf(total), ...(refd ? { refd_setl_flag: refd } : {}) };
        // scaled into the bill most of the time, so that both outcomes are common
        parts.forEach((p, i) => {
          if (p !== undefined) values[fields[i] as string] = yuanOf(Math.round((p * total) / 60_000) * (i === 0 ? 4 : 1));
        });
        if (agree('settlements', values)) ok++;
        else bad++;
      }),
      { numRuns: 5000, seed: 18 },
    );
    expect(ok).toBeGreaterThan(200);
    expect(bad).toBeGreaterThan(200);
  });

  it('the shortcut for the usual settlement accepts exactly the rows the full check finds nothing in', () => {
    const fen = fc.oneof(fc.integer({ min: -300, max: 12_000 }), fc.constant(null));
    const fields = ['inscp_scp_amt', 'fulamt_ownpay_amt', 'preselfpay_amt', 'act_pay_dedc', 'hifp_pay', 'acct_pay', 'psn_cash_pay'];
    let plain = 0;
    fc.assert(
      fc.property(fc.integer({ min: -1000, max: 10_000 }), fc.constantFrom(null, false, true), fc.array(fen, { minLength: 7, maxLength: 7 }), (total, refd, parts) => {
        const row: Record<string, unknown> = { medfee_sumamt: total, refd_setl_flag: refd };
        parts.forEach((p, i) => (row[fields[i] as string] = p === null ? null : Math.round((p * Math.abs(total)) / 30_000)));
        let found = 0;
        reportSettlementAmounts(row, () => found++);
        const shortcut = plainSettlement(row as Parameters<typeof plainSettlement>[0], total);
        if (shortcut) plain++;
        // the shortcut never accepts a row the full check rejects; it leaves every reversal to the full check
        expect(shortcut ? found : 0).toBe(0);
        if (!refd && !found) expect(shortcut).toBe(true);
      }),
      { numRuns: 20_000, seed: 18 },
    );
    expect(plain).toBeGreaterThan(1000);
  });

  it('fee lines: cnt × pric near the line total, fractional counts, 4-decimal prices, refund lines', () => {
    const dec = (scale: number, neg: boolean) => fc.integer({ min: neg ? -50_000 : 0, max: 500_000 }).map((n) => (n / scale).toFixed(String(scale).length - 1));
    const row = fc.record({ cnt: dec(10_000, true), pric: dec(100, true), pric4: dec(10_000, false), four: fc.boolean(), off: fc.integer({ min: -3, max: 3 }) });
    let ok = 0;
    let bad = 0;
    fc.assert(
      fc.property(row, ({ cnt, pric, pric4, four, off }) => {
        const p = four ? pric4 : pric;
        const exact = Math.round(Number(cnt) * Number(p) * 100);
        const values = { feedetl_sn: 'F1', setl_id: 'S1', med_chrgitm_type: '09', cnt, pric: p, det_item_fee_sumamt: yuanOf(exact + off) };
        if (agree('details', values)) ok++;
        else bad++;
      }),
      { numRuns: 5000, seed: 18 },
    );
    expect(ok).toBeGreaterThan(200);
    expect(bad).toBeGreaterThan(200);
  });

  it('names the field and states the numbers', () => {
    const err = (kind: 'settlements' | 'details', values: Record<string, unknown>) => {
      const r = validateRow(kind, 'a.ndjson', 2, { ...values });
      return r.ok ? [] : r.errors.map((e) => [e.field, e.message]);
    };
    expect(err('settlements', { ...base, medfee_sumamt: '218.00', inscp_scp_amt: '218.00', hifp_pay: '250.00' })).toEqual([
      ['hifp_pay', '统筹基金支出 hifp_pay 250.00 元超过医疗费总额 medfee_sumamt 218.00 元'],
    ]);
    expect(err('settlements', { ...base, medfee_sumamt: '-218.00', inscp_scp_amt: '0' })).toEqual([
      ['medfee_sumamt', '医疗费总额 medfee_sumamt -218.00 元为负数；只有退费结算（refd_setl_flag 为 1）的金额可以为负'],
    ]);
    // parts rounded each may exceed the bill by 1 fen, not 2
    const parts = { ...base, medfee_sumamt: '1,000.00', inscp_scp_amt: '1000', hifp_pay: '600.00', acct_pay: '200.00' };
    expect(err('settlements', { ...parts, psn_cash_pay: '200.01' })).toEqual([]);
    expect(err('settlements', { ...parts, psn_cash_pay: '200.02' })).toEqual([
      ['psn_cash_pay', '统筹基金支出 hifp_pay、个人账户支出 acct_pay、个人现金支出 psn_cash_pay 之和 1,000.02 元超过医疗费总额 medfee_sumamt 1,000.00 元（分项舍入最多相差 0.01 元）'],
    ]);
    // reversals: all amounts negative (NHSA reversal row) or all positive (the same-id form); never mixed
    expect(err('settlements', { ...base, refd_setl_flag: '1', medfee_sumamt: '-30', inscp_scp_amt: '-30', hifp_pay: '-12' })).toEqual([]);
    expect(err('settlements', { ...base, refd_setl_flag: '1', medfee_sumamt: '30', inscp_scp_amt: '30', hifp_pay: '12' })).toEqual([]);
    expect(err('settlements', { ...base, refd_setl_flag: '1', medfee_sumamt: '-30', inscp_scp_amt: '-40' })).toEqual([
      ['inscp_scp_amt', '符合政策范围金额 inscp_scp_amt -40.00 元超过医疗费总额 medfee_sumamt -30.00 元'],
    ]);
    const line = { feedetl_sn: 'F1', setl_id: 'S1', med_chrgitm_type: '09' };
    expect(err('details', { ...line, cnt: '3', pric: '5.00', det_item_fee_sumamt: '12.00' })).toEqual([
      ['det_item_fee_sumamt', '明细项目费用总额 det_item_fee_sumamt 12.00 元与数量 cnt 3 × 单价 pric 5.00 = 15.00 元不符（允许相差 0.02 元）'],
    ]);
    // 0.5 × 0.1235 = 0.06175 → 0.06; a refund line (negative cnt and total) is a line too
    expect(err('details', { ...line, cnt: '0.5', pric: '0.1235', det_item_fee_sumamt: '0.07' })).toEqual([]);
    expect(err('details', { ...line, cnt: '0.5', pric: '0.1235', det_item_fee_sumamt: '0.08' })).toHaveLength(1);
    expect(err('details', { ...line, cnt: '-2', pric: '5.00', det_item_fee_sumamt: '-10.00' })).toEqual([]);
    // past 2^53 in 1/10^8 yuan the product is taken exactly (bigint): 1,000,000 × 1,234,567.8912, within 50.01 元
    const big = { ...line, cnt: '1000000', pric: '1234567.8912' };
    expect(err('details', { ...big, det_item_fee_sumamt: '1234567891200.00' })).toEqual([]);
    expect(err('details', { ...big, det_item_fee_sumamt: '1234567891250.01' })).toEqual([]);
    expect(err('details', { ...big, det_item_fee_sumamt: '1234567891250.02' })).toEqual([
      ['det_item_fee_sumamt', '明细项目费用总额 det_item_fee_sumamt 1,234,567,891,250.02 元与数量 cnt 1000000 × 单价 pric 1234567.8912 = 1,234,567,891,200.00 元不符（允许相差 50.01 元）'],
    ]);
    expect(err('details', { ...line, cnt: '2', pric: '-5.00', det_item_fee_sumamt: '-10.00' })).toEqual([
      ['pric', '单价 pric -5.00 为负数；退费明细以负的数量 cnt 和费用总额表示，单价不为负'],
    ]);
  });
});
