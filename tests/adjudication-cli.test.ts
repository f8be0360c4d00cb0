/**
 * `adjudicate` command (CONTRACT.md, byte for byte) and bulk re-adjudication over Postgres.
 * Arithmetic in fen; clauses: seed 000 晋市医保发〔2022〕22号 四 表, seed 002 晋医保发〔2024〕11号 一.
 */
import { describe, expect, it } from 'vitest';
import { readjudicate } from '../lib/adjudication/bulk';
import { afterIngestSteps } from '../lib/pipeline/after-ingest';
import { runCli, testDatabase } from './db';

/** No database is needed: the command must not touch this unreachable URL. */
const NO_DB = 'postgres://nobody:nothing@127.0.0.1:1/none';

const base = {
  psn_no: 'P1',
  psn_type: '1101',
  admdvs: '140500',
  fixmedins_code: 'H1',
  fixmedins_type: 'hospital',
  hosp_lv: '3',
  fee_class: '1',
  medfee_sumamt: '1000.00',
  inscp_scp_amt: 400,
};

describe('npm run cli -- adjudicate', () => {
  it('prints exactly one CONTRACT line per visit, in input order, without a database', async () => {
    const input = [
      { ...base, setl_id: 'C1', setl_time: '2024-03-01 10:00:00' },
      { ...base, setl_id: 'C2', setl_time: '2024-07-02T10:00:00+08:00' },
      { ...base, setl_id: 'C3', psn_no: 'P2', psn_type: 'retired', setl_time: '2024-03-01 10:00:00', suspended: true },
      { ...base, setl_id: 'C4', admdvs: '999999', setl_time: '2024-03-01 10:00:00' },
      { ...base, setl_id: 'C5', psn_no: 'P3', admdvs: '430100', fee_class: undefined, med_type: '14', setl_time: '2024-03-01 10:00:00' },
    ]
      .map((r) => JSON.stringify(r))
      .join('\n');
    const r = await runCli(['adjudicate', '--json'], { url: NO_DB, input: `${input}\n\n` });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')).toEqual([
      // (40000 − 8000) × 50 % = 16000; self 100000 − 16000 = 84000
      '{"setl_id":"C1","policy_id":"shanxi-jincheng-2023","deductible":"80.00","eligible":"400.00","rate":"0.50","fund_pay":"160.00","self_pay":"840.00","year_fund_paid":"160.00","year_deductible_paid":"80.00","capped":false,"excluded":null,"clause":"晋市医保发〔2022〕22号 四 表"}',
      // after 2024-07-01: (40000 − 8000) × 55 % = 17600; totals carried 16000 + 17600
      '{"setl_id":"C2","policy_id":"shanxi-2024","deductible":"80.00","eligible":"400.00","rate":"0.55","fund_pay":"176.00","self_pay":"824.00","year_fund_paid":"336.00","year_deductible_paid":"160.00","capped":false,"excluded":null,"clause":"晋医保发〔2024〕11号 一"}',
      // suspended: nothing paid (四 情形14, 南昌细则 第十五条（三） by analogy)
      '{"setl_id":"C3","policy_id":"shanxi-jincheng-2023","deductible":"0.00","eligible":"400.00","rate":"0.55","fund_pay":"0.00","self_pay":"1000.00","year_fund_paid":"0.00","year_deductible_paid":"0.00","capped":false,"excluded":"suspended","clause":"晋市医保发〔2022〕22号 四 不予支付情形14"}',
      '{"setl_id":"C4","error":"没有适用的政策 (no policy covers region 999999 on 2024-03-01)"}',
      // Hunan 门诊慢特病 二(二): 40000 × 80 % = 32000
      '{"setl_id":"C5","policy_id":"hunan-2023","deductible":"0.00","eligible":"400.00","rate":"0.80","fund_pay":"320.00","self_pay":"680.00","year_fund_paid":"0.00","year_deductible_paid":"0.00","capped":false,"excluded":null,"clause":"湘政办发〔2022〕12号 二(二)"}',
      '',
    ]);
  });

  it('without --json prints a readable table', async () => {
    const r = await runCli(['adjudicate'], { url: NO_DB, input: JSON.stringify({ ...base, setl_id: 'T1', setl_time: '2024-03-01 10:00:00' }) });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('setl_id');
    expect(r.stdout).toContain('T1 | shanxi-jincheng-2023 | 80.00 | 400.00 | 0.50 | 160.00 | 840.00');
  });

  it.each([
    ['an amount with three decimals', `{"setl_id":"A"}\n`, JSON.stringify({ ...base, setl_id: 'B', setl_time: '2024-03-01 10:00:00', inscp_scp_amt: '12.345' }), 'row 2', 'inscp_scp_amt'],
    ['a line that is not JSON', '', '{not json', 'row 1', 'field (line)'],
    ['a missing required field', '', JSON.stringify({ ...base, setl_id: 'B' }), 'row 1', 'setl_time'],
  ])('%s → exit 1 naming row and field', async (_n, first, line, row, field) => {
    const ok = first ? `${JSON.stringify({ ...base, setl_id: 'A', setl_time: '2024-03-01 10:00:00' })}\n` : '';
    const r = await runCli(['adjudicate', '--json'], { url: NO_DB, input: `${ok}${line}\n` });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('stdin');
    expect(r.stderr).toContain(row);
    expect(r.stderr).toContain(field);
  });
});

describe('bulk re-adjudication (readjudicate) on Postgres', () => {
  it('is the first after-ingest step', () => {
    expect(afterIngestSteps[0]).toMatchObject({ name: 'adjudicate', run: readjudicate });
  });

  it('replays whole person-years, skips reversals, stores the settled hifp_pay beside the expected payment', async () => {
    const { db } = await testDatabase();
    const c = db.$client;
    await c.query("select ensure_fact_partitions('2023-01-01', '2025-02-01')");
    const ins = (admdvs: string, psn: string, id: string, time: string, inscp: number, hifp: number, extra: { reversed?: boolean; refd?: boolean; suspended?: boolean } = {}) =>
      c.query(
        `insert into settlements (admdvs, setl_id, setl_time, psn_no, psn_type, fixmedins_code, fixmedins_type, hosp_lv, fee_class, med_type, insutype,
           medfee_sumamt, inscp_scp_amt, fulamt_ownpay_amt, preselfpay_amt, hifp_pay, refd_setl_flag, reversed, designated, emergency, has_card,
           out_of_area_temporary, in_arrears, inpatient_overlap, suspended, chronic, row_hash)
         values ($1, $2, $3, $4, '1101', 'H1', 'hospital', 3, 1, '11', '310', $5, $5, 0, 0, $6, $7, $8, true, false, true, false, false, false, $9, false, 'h')`,
        [admdvs, id, time, psn, inscp, hifp, extra.refd ?? false, extra.reversed ?? false, extra.suspended ?? false],
      );
    // P9 in 晋城: March (old policy), July (new), a reversed August visit, a suspended September visit
    await ins('140500', 'P9', 'B1', '2024-03-01 10:00+08', 40000, 16000);
    await ins('140500', 'P9', 'B2', '2024-07-02 10:00+08', 40000, 30000);
    await ins('140500', 'P9', 'B3', '2024-08-02 10:00+08', 40000, 16000, { reversed: true });
    await ins('140500', 'P9', 'B3R', '2024-08-03 10:00+08', -40000, -16000, { refd: true });
    await ins('140500', 'P9', 'B4', '2024-09-01 10:00+08', 40000, 17600, { suspended: true });
    // P9 in 2023 is another year: not touched by a July 2024 scope
    await ins('140500', 'P9', 'A1', '2023-05-01 10:00+08', 40000, 16000);
    // P8 has no visit in the scope's months: left alone
    await ins('140500', 'P8', 'C1', '2024-03-01 10:00+08', 40000, 16000);
    // first a full run: everything (non-reversed) gets a row
    const full = await readjudicate(db, { months: [], regionCodes: [], full: true });
    expect(full).toMatchObject({ visits: 5, persons: 2, errors: 0 });
    // then change P9's July settlement and re-run only July 2024 in 140500
    await c.query("update settlements set inscp_scp_amt = 50000, medfee_sumamt = 50000 where setl_id = 'B2'");
    await c.query("update adjudications set fund_pay = -1 where setl_id in ('A1', 'C1')");
    const r = await readjudicate(db, { months: ['2024-07'], regionCodes: ['140500'] });
    expect(r).toMatchObject({ visits: 3, persons: 1, errors: 0 });
    const { rows } = await c.query(
      'select setl_id, policy_id, fund_pay, settled_fund_pay, year_fund_paid, year_deductible_paid, excluded from adjudications order by psn_no, setl_time',
    );
    expect(rows).toEqual([
      { setl_id: 'C1', policy_id: 'shanxi-jincheng-2023', fund_pay: -1, settled_fund_pay: 16000, year_fund_paid: 16000, year_deductible_paid: 8000, excluded: null },
      { setl_id: 'A1', policy_id: 'shanxi-jincheng-2023', fund_pay: -1, settled_fund_pay: 16000, year_fund_paid: 16000, year_deductible_paid: 8000, excluded: null },
      // (40000 − 8000) × 50 % = 16000
      { setl_id: 'B1', policy_id: 'shanxi-jincheng-2023', fund_pay: 16000, settled_fund_pay: 16000, year_fund_paid: 16000, year_deductible_paid: 8000, excluded: null },
      // (50000 − 8000) × 55 % = 23100; carried 16000 + 23100
      { setl_id: 'B2', policy_id: 'shanxi-2024', fund_pay: 23100, settled_fund_pay: 30000, year_fund_paid: 39100, year_deductible_paid: 16000, excluded: null },
      { setl_id: 'B4', policy_id: 'shanxi-2024', fund_pay: 0, settled_fund_pay: 17600, year_fund_paid: 39100, year_deductible_paid: 16000, excluded: 'suspended' },
    ]);
    // an empty scope does nothing; the policy versions are recorded
    expect(await readjudicate(db, { months: [], regionCodes: [] })).toMatchObject({ visits: 0 });
    const pv = await c.query('select id, document from policy_versions order by id');
    expect(pv.rows.map((x: { id: string }) => x.id)).toEqual(['erenhot-2022', 'hunan-2023', 'nanchang-2023', 'shanxi-2024', 'shanxi-jincheng-2023']);
  });
});
