/**
 * Impossible amounts (issue 18 item 2) and unbounded dates (issue 24 item 4) are bad input: through the CLI, each bad
 * row is reported with file, row and field and the good rows load (exit 1); with --strict nothing loads; a settlement
 * dated outside the window (earliest policy's start .. today + INGEST_MAX_DAYS_AHEAD) creates no partition.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../lib/db/client';
import { loadPolicies } from '../lib/policies';
import { runCli, testDatabase } from './db';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ofm-amounts-'));
const write = (name: string, lines: object[]) => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
  return f;
};

let db: Db;
let url: string;
beforeAll(async () => {
  ({ db, url } = await testDatabase());
});
const q = async <T = Record<string, unknown>>(text: string, params: unknown[] = []) => (await db.$client.query(text, params)).rows as T[];

interface Out {
  inserted: number;
  rejected: number;
  rolled_back: boolean;
  errors: Array<{ file: string; row: number; field: string; message: string }>;
}
const ingest = async (files: string[], more: string[] = [], env?: Record<string, string>) => {
  const r = await runCli(['ingest', ...files, '--json', '--skip-pipeline', ...more], { url, env });
  return { code: r.code, out: JSON.parse(r.stdout) as Out, stderr: r.stderr };
};

const visit = (id: string, more: Record<string, unknown> = {}) => ({
  setl_id: id, psn_no: 'PA1', psn_type: '1101', admdvs: '140500', setl_time: '2024-08-05 10:00:00', fixmedins_code: 'HA1', fixmedins_type: 'hospital', hosp_lv: '2',
  medfee_sumamt: '218.00', inscp_scp_amt: '200.00', fulamt_ownpay_amt: '18.00', hifp_pay: '100.00', acct_pay: '50.00', psn_cash_pay: '68.00', ...more,
});
const line = (sn: string, setlId: string, more: Record<string, unknown>) => ({ feedetl_sn: sn, setl_id: setlId, med_chrgitm_type: '09', ...more });

/** [settlements, details, expected errors as [file, row, field]] with ids prefixed, so each run is its own */
function mixed(p: string) {
  const settlements = [
    visit(`${p}OK1`),
    // a reversal (NHSA form): all amounts negated
    visit(`${p}OK1R`, { init_setl_id: `${p}OK1`, refd_setl_flag: '1', setl_time: '2024-08-06 10:00:00', medfee_sumamt: '-218.00', inscp_scp_amt: '-200.00', fulamt_ownpay_amt: '-18.00', hifp_pay: '-100.00', acct_pay: '-50.00', psn_cash_pay: '-68.00' }),
    // parts rounded each: 1 fen above the bill is rounding
    visit(`${p}OK2`, { psn_cash_pay: '68.01' }),
    visit(`${p}B1`, { medfee_sumamt: '-218.00', inscp_scp_amt: '0', fulamt_ownpay_amt: '0', hifp_pay: '0', acct_pay: '0', psn_cash_pay: '0' }), // row 4
    visit(`${p}B2`, { hifp_pay: '250.00', acct_pay: '0', psn_cash_pay: '0' }), // row 5
    visit(`${p}B3`, { hifp_pay: '150.00', acct_pay: '50.00', psn_cash_pay: '18.02' }), // row 6: the parts 2 fen above the bill
    visit(`${p}B4`, { inscp_scp_amt: '218.01' }), // row 7
    visit(`${p}B5`, { fulamt_ownpay_amt: '300.00' }), // row 8
    visit(`${p}B6`, { acct_pay: '-50.00' }), // row 9
    visit(`${p}B7`, { preselfpay_amt: '-1.00' }), // row 10
    visit(`${p}B8`, { act_pay_dedc: '-0.01' }), // row 11
    visit(`${p}B9`, { refd_setl_flag: '1', init_setl_id: `${p}OK2`, medfee_sumamt: '-218.00', inscp_scp_amt: '-200.00', fulamt_ownpay_amt: '-18.00', hifp_pay: '100.00', acct_pay: '-50.00', psn_cash_pay: '-68.00' }), // row 12: mixed signs
    visit(`${p}B10`, { inscp_scp_amt: '150.00', fulamt_ownpay_amt: '100.00' }), // row 13: 全自费 + 符合范围 above the bill
  ];
  const details = [
    line(`${p}D1`, `${p}OK1`, { cnt: '3', pric: '5.00', det_item_fee_sumamt: '15.00' }),
    // fractional count and a 4-decimal price: 0.5 × 12.3456 = 6.1728 → 6.17
    line(`${p}D2`, `${p}OK1`, { cnt: '0.5', pric: '12.3456', det_item_fee_sumamt: '6.17' }),
    // a refund line of the reversal: negative count and total
    line(`${p}D3`, `${p}OK1R`, { cnt: '-3', pric: '5.00', det_item_fee_sumamt: '-15.00' }),
    line(`${p}D4`, `${p}OK1`, { cnt: '3', pric: '5.00', det_item_fee_sumamt: '12.00' }), // row 4
    line(`${p}D5`, `${p}OK1`, { cnt: '3', pric: '-5.00', det_item_fee_sumamt: '-15.00' }), // row 5
    line(`${p}D6`, `${p}OK1`, { cnt: '-3', pric: '5.00', det_item_fee_sumamt: '15.00' }), // row 6: a negative count with a positive total
  ];
  const s = write(`${p}-setl.ndjson`, settlements);
  const d = write(`${p}-det.ndjson`, details);
  const sn = path.basename(s);
  const dn = path.basename(d);
  const expected = [
    [sn, 4, 'medfee_sumamt'], [sn, 5, 'hifp_pay'], [sn, 6, 'psn_cash_pay'], [sn, 7, 'inscp_scp_amt'], [sn, 8, 'fulamt_ownpay_amt'], [sn, 9, 'acct_pay'],
    [sn, 10, 'preselfpay_amt'], [sn, 11, 'act_pay_dedc'], [sn, 12, 'hifp_pay'], [sn, 13, 'inscp_scp_amt'],
    [dn, 4, 'det_item_fee_sumamt'], [dn, 5, 'pric'], [dn, 6, 'det_item_fee_sumamt'],
  ];
  return { s, d, expected };
}

describe('impossible amounts are row errors (issue 18)', () => {
  it('each bad row is reported with file, row, field and its numbers; the good rows load; exit 1', async () => {
    const { s, d, expected } = mixed('AM');
    const r = await ingest([s, d]);
    expect(r.code).toBe(1);
    expect(r.out.errors.map((e) => [e.file, e.row, e.field])).toEqual(expected);
    expect(r.out.rejected).toBe(expected.length);
    const msg = (row: number) => r.out.errors.find((e) => e.file === path.basename(s) && e.row === row)?.message;
    expect(msg(4)).toBe('医疗费总额 medfee_sumamt -218.00 元为负数；只有退费结算（refd_setl_flag 为 1）的金额可以为负');
    expect(msg(5)).toBe('统筹基金支出 hifp_pay 250.00 元超过医疗费总额 medfee_sumamt 218.00 元');
    expect(msg(6)).toContain('之和 218.02 元超过医疗费总额 medfee_sumamt 218.00 元');
    expect(r.out.errors.at(-3)?.message).toBe('明细项目费用总额 det_item_fee_sumamt 12.00 元与数量 cnt 3 × 单价 pric 5.00 = 15.00 元不符（允许相差 0.02 元）');
    expect(r.stderr).toContain(`${path.basename(s)}, row 4, field medfee_sumamt`);

    const stored = await q<{ setl_id: string; medfee_sumamt: number; reversed: boolean }>(`select setl_id, medfee_sumamt::int, reversed from settlements where setl_id like 'AM%' order by 1`);
    expect(stored).toEqual([
      { setl_id: 'AMOK1', medfee_sumamt: 21800, reversed: true },
      { setl_id: 'AMOK1R', medfee_sumamt: -21800, reversed: false },
      { setl_id: 'AMOK2', medfee_sumamt: 21800, reversed: false },
    ]);
    const lines = await q<{ feedetl_sn: string; det_item_fee_sumamt: number }>(`select feedetl_sn, det_item_fee_sumamt::int from fee_details where feedetl_sn like 'AM%' order by 1`);
    expect(lines).toEqual([
      { feedetl_sn: 'AMD1', det_item_fee_sumamt: 1500 },
      { feedetl_sn: 'AMD2', det_item_fee_sumamt: 617 },
      { feedetl_sn: 'AMD3', det_item_fee_sumamt: -1500 },
    ]);
    // the rejected rows are kept with the batch, as the browser's import page lists them
    const saved = await q<{ n: number }>(`select count(*)::int as n from ingest_errors where file like 'AM-%'`);
    expect(saved[0]?.n).toBe(expected.length);
  });

  it('--strict loads nothing', async () => {
    const { s, d, expected } = mixed('AS');
    const r = await ingest([s, d], ['--strict']);
    expect(r.code).toBe(1);
    expect(r.out).toMatchObject({ inserted: 0, rejected: expected.length, rolled_back: true });
    expect(await q(`select setl_id from settlements where setl_id like 'AS%' union all select feedetl_sn from fee_details where feedetl_sn like 'AS%'`)).toEqual([]);
  });
});

describe('settlement and birth dates outside their window are row errors (issue 24)', () => {
  const partitions = async () => (await q<{ n: number }>(`select count(*)::int as n from pg_inherits`))[0]?.n;
  const named = async (months: string[]) =>
    (await q<{ relname: string }>(`select relname from pg_class where relname like any($1::text[]) order by 1`, [months.map((m) => `%\\_${m}`)])).map((r) => r.relname);

  it('1900-01-01 and 2099-12-31 are rejected and make no partition; the good rows of the batch load', async () => {
    const s = write('dates.ndjson', [
      visit('DT1'),
      visit('DT2', { setl_time: '1900-01-01 10:00:00' }),
      visit('DT3', { setl_time: '2099-12-31 10:00:00' }),
      visit('DT4', { brdy: '1899-12-31' }),
      visit('DT5', { brdy: '2099-01-01' }),
      visit('DT6', { brdy: '1970-05-06' }),
    ]);
    const before = await partitions();
    const r = await ingest([s]);
    expect(r.code).toBe(1);
    expect(r.out.errors.map((e) => [e.row, e.field])).toEqual([[2, 'setl_time'], [3, 'setl_time'], [4, 'brdy'], [5, 'brdy']]);
    const first = loadPolicies().policies.map((p) => p.effective_from).sort()[0];
    expect(r.out.errors[0]?.message).toMatch(new RegExp(`^结算时间 setl_time 1900-01-01 10:00:00 不在可导入的日期范围 ${first} 至 \\d{4}-\\d{2}-\\d{2} 内$`));
    expect(r.out.errors[2]?.message).toBe('出生日期 brdy 1899-12-31 早于 1900-01-01');
    expect(await q(`select setl_id from settlements where setl_id like 'DT%' order by 1`)).toEqual([{ setl_id: 'DT1' }, { setl_id: 'DT6' }]);
    // the good rows' month (2024-08) had its partitions already: none was added, none for 1900-01 or 2099-12
    expect(await named(['190001', '209912'])).toEqual([]);
    expect(await partitions()).toBe(before);
  });

  it('the window starts at the earliest policy in policies/ (or INGEST_MIN_DATE) and ends INGEST_MAX_DAYS_AHEAD days after today', async () => {
    const first = loadPolicies().policies.map((p) => p.effective_from).sort()[0] as string;
    const dayBefore = new Date(Date.parse(`${first}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
    const shanghai = (days: number) => new Date(Date.now() + 8 * 3_600_000 + days * 86_400_000).toISOString().slice(0, 10);
    const s = write('window.ndjson', [
      visit('WN1', { setl_time: `${dayBefore} 23:59:59` }),
      visit('WN2', { setl_time: `${first} 00:00:00` }),
      // 16:00 UTC the day before is midnight in Shanghai: inside
      visit('WN3', { setl_time: `${dayBefore}T16:00:00Z` }),
      visit('WN4', { setl_time: `${shanghai(1)} 23:00:00` }),
      visit('WN5', { setl_time: `${shanghai(2)} 00:00:00` }),
    ]);
    const r = await ingest([s]);
    expect(r.out.errors.map((e) => [e.row, e.field])).toEqual([[1, 'setl_time'], [5, 'setl_time']]);
    expect(await q(`select setl_id from settlements where setl_id like 'WN%' order by 1`)).toEqual([{ setl_id: 'WN2' }, { setl_id: 'WN3' }, { setl_id: 'WN4' }]);
    // configured: tomorrow is too late with 0 days ahead; a later first date
    const t = write('window-env.ndjson', [visit('WE1', { setl_time: `${shanghai(1)} 08:00:00` }), visit('WE2', { setl_time: '2024-08-31 10:00:00' }), visit('WE3', { setl_time: '2024-09-01 10:00:00' })]);
    const c = await ingest([t], [], { INGEST_MAX_DAYS_AHEAD: '0', INGEST_MIN_DATE: '2024-09-01' });
    expect(c.out.errors.map((e) => [e.row, e.field, e.message])).toEqual([
      [1, 'setl_time', `结算时间 setl_time ${shanghai(1)} 08:00:00 不在可导入的日期范围 2024-09-01 至 ${shanghai(0)} 内`],
      [2, 'setl_time', `结算时间 setl_time 2024-08-31 10:00:00 不在可导入的日期范围 2024-09-01 至 ${shanghai(0)} 内`],
    ]);
    // a bad setting stops the command with the variable named
    const bad = await runCli(['ingest', t, '--json', '--skip-pipeline'], { url, env: { INGEST_MIN_DATE: '2024-02-30' } });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('INGEST_MIN_DATE');
  });
});
