import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../lib/db/client';
import { ingestFiles } from '../lib/ingest';
import { keysInByteOrder } from '../lib/ingest/claims';
import { CLI_NODE_ARGS } from '../lib/cli/node-args';
import { yuanToFen } from '../lib/ingest/validate';
import { runCli, testDatabase } from './db';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ofm-ingest-'));
const write = (name: string, text: string | Buffer) => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
};

const HEAD_ZH = '结算ID,人员编号,人员类别,医保区划,结算时间,定点医药机构编号,机构类型,医院等级,医疗费总额,符合政策范围金额,统筹基金支出';
const csvRows = (prefix: string) => [`${prefix}1,P1,1101,140500,2024-03-05 10:00:00,H1,hospital,01,123.45,100.00,10.00`, `${prefix}2,P2,退休,430100,2024-07-01 00:30:00,H2,医院,2,50,50,`];

let db: Db;
let url: string;
beforeAll(async () => {
  ({ db, url } = await testDatabase());
});

async function q<T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
  return (await db.$client.query(text, params)).rows as T[];
}

describe('amounts', () => {
  it('turns decimal yuan into integer fen without floating point', () => {
    expect(yuanToFen('123.45')).toBe(12345);
    expect(yuanToFen(0.1)).toBe(10);
    expect(yuanToFen('1.2')).toBe(120);
    expect(yuanToFen('-0.05')).toBe(-5);
    expect(yuanToFen('1.230')).toBe(123);
    expect(yuanToFen('1.234')).toBeNull();
    expect(yuanToFen('abc')).toBeNull();
    expect(yuanToFen('19999999.99')).toBe(1999999999);
  });
});

describe('formats and encodings', () => {
  it('loads UTF-8 CSV with Chinese headers and NHSA codes normalised', async () => {
    const r = await ingestFiles(db, [write('utf8.csv', [HEAD_ZH, ...csvRows('U')].join('\n'))], { pipeline: false });
    expect(r).toMatchObject({ inserted: 2, updated: 0, unchanged: 0, rejected: 0 });
    const rows = await q<{ setl_id: string; hosp_lv: number; psn_type: string; medfee_sumamt: number; hifp_pay: number | null; p: string; fixmedins_type: string }>(
      `select setl_id, hosp_lv, psn_type, medfee_sumamt, hifp_pay, fixmedins_type, tableoid::regclass::text as p from settlements where setl_id like 'U%' order by 1`,
    );
    expect(rows).toEqual([
      { setl_id: 'U1', hosp_lv: 3, psn_type: '1101', medfee_sumamt: 12345, hifp_pay: 1000, fixmedins_type: 'hospital', p: 'settlements_202403' },
      // 00:30 on 2024-07-01 Shanghai time is July, not June
      { setl_id: 'U2', hosp_lv: 2, psn_type: '1201', medfee_sumamt: 5000, hifp_pay: null, fixmedins_type: 'hospital', p: 'settlements_202407' },
    ]);
  });

  it('loads UTF-8 with BOM, GBK (detected) and NDJSON; unknown fields kept in extra', async () => {
    const bom = await ingestFiles(db, [write('bom.csv', `\uFEFF${[HEAD_ZH, ...csvRows('B')].join('\r\n')}`)], { pipeline: false });
    expect(bom).toMatchObject({ inserted: 2, rejected: 0 });
    const gbkText = [`${HEAD_ZH},机构名称`, ...csvRows('G').map((l) => `${l},晋城市人民医院`)].join('\r\n');
    const gbk = await ingestFiles(db, [write('gbk.csv', iconv.encode(gbkText, 'gbk'))], { pipeline: false });
    expect(gbk.files[0]?.encoding).toBe('gb18030');
    expect(gbk).toMatchObject({ inserted: 2, rejected: 0 });
    const nd = await ingestFiles(
      db,
      [write('a.ndjson', `${JSON.stringify({ setl_id: 'N1', psn_no: 'P9', psn_type: 'in_service', admdvs: '360100', setl_time: '2024-02-01T09:00:00+08:00', fixmedins_code: 'H9', fixmedins_type: 'pharmacy', hosp_lv: 1, medfee_sumamt: 12.3, inscp_scp_amt: '12.30', 就诊科室: '内科' })}\n`)],
      { pipeline: false },
    );
    expect(nd).toMatchObject({ inserted: 1, rejected: 0 });
    const [n1] = await q<{ extra: Record<string, string>; medfee_sumamt: number; med_type: string }>(`select extra, medfee_sumamt, med_type from settlements where setl_id = 'N1'`);
    expect(n1).toEqual({ extra: { 就诊科室: '内科' }, medfee_sumamt: 1230, med_type: '41' });
    const [inst] = await q<{ fixmedins_name: string }>(`select fixmedins_name from institutions where fixmedins_code = 'H1'`);
    expect(inst?.fixmedins_name).toBeTruthy();
  });

  it('loads XLSX (streaming reader) and reports XLSX rows as Excel shows them', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('结算');
    ws.addRow(HEAD_ZH.split(','));
    ws.addRow(['X1', 'P1', '1101', '140500', '2024-03-06 10:00:00', 'H1', 'hospital', '3', 88.8, 80, 10]);
    ws.addRow(['X2', 'P1', '1101', '140500', '2024-03-07 10:00:00', 'H1', 'hospital', '3', 'abc', 80, 10]);
    const f = path.join(dir, 'a.xlsx');
    await wb.xlsx.writeFile(f);
    const r = await ingestFiles(db, [f], { pipeline: false });
    expect(r).toMatchObject({ inserted: 1, rejected: 1 });
    expect(r.errors).toEqual([expect.objectContaining({ file: 'a.xlsx', row: 3, field: 'medfee_sumamt' })]);
    const [x1] = await q<{ medfee_sumamt: number }>(`select medfee_sumamt from settlements where setl_id = 'X1'`);
    expect(x1?.medfee_sumamt).toBe(8880);
  });
});

describe('bad rows, reload, reversal, strict', () => {
  it('reports each kind of bad row with file, editor line and field', async () => {
    const s = write(
      'bad.csv',
      [
        'setl_id,psn_no,psn_type,admdvs,setl_time,fixmedins_code,fixmedins_type,hosp_lv,medfee_sumamt,inscp_scp_amt',
        'K1,P1,1101,140500,2024-04-01 08:00:00,H1,hospital,3,10,10',
        'K2,,1101,140500,2024-04-01 08:00:00,H1,hospital,3,10,10', // missing psn_no
        'K3,P1,1101,140500,2024-04-01 08:00:00,H1,hospital,3,10.001,10', // bad amount
        'K4,P1,1101,140500,2024-02-30 08:00:00,H1,hospital,3,10,10', // bad date
        'K5,P1,1101,140500,2024-04-01 08:00:00,H1,hospital,7,10,10', // bad code
      ].join('\n'),
    );
    const d = write('bad-d.ndjson', [
      JSON.stringify({ feedetl_sn: 'KD1', setl_id: 'K1', med_chrgitm_type: '09', det_item_fee_sumamt: '5', medc_days: 7 }),
      JSON.stringify({ feedetl_sn: 'KD2', setl_id: 'NOPE', med_chrgitm_type: '03', det_item_fee_sumamt: '5' }), // no settlement
    ].join('\n'));
    const r = await runCli(['ingest', s, d, '--json', '--skip-pipeline'], { url });
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { inserted: number; rejected: number; errors: Array<{ file: string; row: number; field: string; message: string }> };
    expect(out.inserted).toBe(2);
    expect(out.rejected).toBe(5);
    expect(out.errors.map((e) => [e.file, e.row, e.field])).toEqual([
      ['bad.csv', 3, 'psn_no'],
      ['bad.csv', 4, 'medfee_sumamt'],
      ['bad.csv', 5, 'setl_time'],
      ['bad.csv', 6, 'hosp_lv'],
      ['bad-d.ndjson', 2, 'setl_id'],
    ]);
    expect(r.stderr).toContain('bad.csv, row 3, field psn_no');
    const saved = await q<{ n: number }>(`select count(*)::int as n from ingest_errors`);
    expect(saved[0]?.n).toBeGreaterThanOrEqual(5);
  });

  it('a batch that stops early (a file it cannot recognise, one that breaks off mid-load) writes nothing and lets go of its files', async () => {
    // more than one read (1 MiB): the file is open, half read, when the next one turns out unrecognisable
    const line = (i: number) => JSON.stringify({ setl_id: `OPEN${i}`, psn_no: 'P1', psn_type: '1101', admdvs: '140500', setl_time: '2024-04-01 08:00:00', fixmedins_code: 'H1', medfee_sumamt: '1', inscp_scp_amt: '1' });
    const good = write('opened-first.ndjson', Array.from({ length: 12_000 }, (_, i) => line(i)).join('\n'));
    expect(fs.statSync(good).size).toBeGreaterThan(2 ** 20);
    // the same in GB18030 (Excel's CSV on a Chinese Windows): the file behind its decoder is let go too
    const gbk = write('opened-gbk.csv', iconv.encode(`${HEAD_ZH}\n${csvRows('OPENG').join('\n')}\n`.repeat(40_000), 'gb18030'));
    expect(fs.statSync(gbk).size).toBeGreaterThan(4 * 2 ** 20);
    const odd = write('odd.csv', `colour,size\n${'red,3\n'.repeat(300_000)}`);
    const openFds = (files: string[]) => fs.readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return files.includes(fs.readlinkSync(`/proc/self/fd/${fd}`));
      } catch {
        return false;
      }
    });
    await expect(ingestFiles(db, [good, gbk, odd], { pipeline: false })).rejects.toMatchObject({ where: { file: 'odd.csv', row: 1, field: 'header' } });
    await new Promise((r) => setTimeout(r, 50));
    expect(openFds([good, gbk, odd])).toEqual([]);
    // a CSV whose header row cannot be parsed: that file too
    const badHead = write('bad-head.csv', `"setl_id"x,psn_no\n${'a,b\n'.repeat(400_000)}`);
    await expect(ingestFiles(db, [good, badHead], { pipeline: false })).rejects.toMatchObject({ where: { file: 'bad-head.csv' } });
    await new Promise((r) => setTimeout(r, 50));
    expect(openFds([good, badHead])).toEqual([]);
    expect(await q(`select 1 from settlements where setl_id = 'OPEN1'`)).toEqual([]);
    // a file that breaks off while the batch is loading (a quote never closed): the files not yet read are let go too
    const broken = write('broken.csv', `${HEAD_ZH}\nOPENX1,P1,1101,140500,2024-03-05 10:00:00,H1,hospital,01,1,1,1\n"OPENX2,P1\n`);
    const details = write('opened-later.ndjson', Array.from({ length: 12_000 }, (_, i) => JSON.stringify({ feedetl_sn: `OPEND${i}`, setl_id: 'OPENX1', med_chrgitm_type: '09', det_item_fee_sumamt: '1' })).join('\n'));
    expect(fs.statSync(details).size).toBeGreaterThan(2 ** 20);
    await expect(ingestFiles(db, [broken, details], { pipeline: false })).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 50));
    expect(openFds([broken, details])).toEqual([]);
    expect(await q(`select 1 from settlements where setl_id = 'OPENX1'`)).toEqual([]);
  });

  it('reloading the same files changes nothing and says so; a changed row is updated', async () => {
    const s = write('re.ndjson', [1, 2, 3].map((i) => JSON.stringify({ setl_id: `R${i}`, psn_no: 'P1', psn_type: '1101', admdvs: '152501', setl_time: `2024-05-0${i} 09:00:00`, fixmedins_code: 'H5', fixmedins_type: 'hospital', hosp_lv: '2', medfee_sumamt: '100', inscp_scp_amt: '100' })).join('\n'));
    const d = write('re-d.csv', 'feedetl_sn,setl_id,med_chrgitm_type,det_item_fee_sumamt,bilg_dr_codg\nRD1,R1,02,10,DR9\nRD2,R2,04,20,DR9\n');
    expect(await ingestFiles(db, [s, d], { pipeline: false })).toMatchObject({ inserted: 5, updated: 0, unchanged: 0 });
    expect(await ingestFiles(db, [s, d], { pipeline: false })).toMatchObject({ inserted: 0, updated: 0, unchanged: 5 });
    // R3 moves to another month (the partition key changes): one update, no duplicate
    fs.writeFileSync(s, fs.readFileSync(s, 'utf8').replace('2024-05-03 09:00:00', '2024-06-03 09:00:00'));
    expect(await ingestFiles(db, [s], { pipeline: false })).toMatchObject({ inserted: 0, updated: 1, unchanged: 2 });
    const r3 = await q<{ p: string }>(`select tableoid::regclass::text as p from settlements where setl_id = 'R3'`);
    expect(r3).toEqual([{ p: 'settlements_202406' }]);
    // sent alone, moved again: the month it leaves is in the batch's scope as well as the month it enters
    const alone = write('re-alone.ndjson', fs.readFileSync(s, 'utf8').split('\n').find((l) => l.includes('"R3"'))?.replace('2024-06-03', '2024-07-03') ?? '');
    expect(await ingestFiles(db, [alone], { pipeline: false })).toMatchObject({ updated: 1, months: ['2024-06', '2024-07'] });
    // a settlement that moves takes its fee lines along (their time is part of their key and partition)
    const r2 = write('re-r2.ndjson', fs.readFileSync(s, 'utf8').split('\n').find((l) => l.includes('"R2"'))?.replace('2024-05-02', '2024-07-02') ?? '');
    expect(await ingestFiles(db, [r2], { pipeline: false })).toMatchObject({ updated: 1, months: ['2024-05', '2024-07'] });
    expect(await q(`select tableoid::regclass::text as p, to_char(setl_time, 'YYYY-MM-DD') as d from fee_details where feedetl_sn = 'RD2'`)).toEqual([{ p: 'fee_details_202407', d: '2024-07-02' }]);
    expect(await ingestFiles(db, [d], { pipeline: false })).toMatchObject({ inserted: 0, updated: 0, unchanged: 2 });
    // the same fee-detail file alone on a new connection (no settlement merged in that session before)
    const fresh = createDb(url);
    try {
      expect(await ingestFiles(fresh, [d], { pipeline: false })).toMatchObject({ inserted: 0, updated: 0, unchanged: 2 });
    } finally {
      await fresh.$client.end();
    }
    const docs = await q<{ dr_codg: string; region_code: string }>(`select dr_codg, region_code from doctors where dr_codg = 'DR9'`);
    expect(docs).toEqual([{ dr_codg: 'DR9', region_code: '152501' }]);
  });

  it('applies reversals in the NHSA form (own setl_id + init_setl_id) and the same-id form', async () => {
    const base = { psn_no: 'PX7', psn_type: '1101', admdvs: '140500', fixmedins_code: 'H7', fixmedins_type: 'hospital', hosp_lv: '1', inscp_scp_amt: '30' };
    const orig = write('orig.ndjson', ['V1', 'V2'].map((id) => JSON.stringify({ ...base, setl_id: id, setl_time: '2024-08-01 09:00:00', medfee_sumamt: '30' })).join('\n'));
    await ingestFiles(db, [orig], { pipeline: false });
    const rev = write('rev.ndjson', [
      JSON.stringify({ ...base, setl_id: 'V1R', init_setl_id: 'V1', refd_setl_flag: '1', setl_time: '2024-08-02 09:00:00', medfee_sumamt: '-30', inscp_scp_amt: '-30' }),
      JSON.stringify({ ...base, setl_id: 'V2', refd_setl_flag: 1, setl_time: '2024-08-01 09:00:00', medfee_sumamt: '30' }),
      JSON.stringify({ ...base, setl_id: 'V9R', 原结算ID: 'NOT-LOADED', refd_setl_flag: '1', setl_time: '2024-08-02 09:00:00', medfee_sumamt: '-1', inscp_scp_amt: '-1' }),
    ].join('\n'));
    const r = await ingestFiles(db, [rev], { pipeline: false });
    expect(r).toMatchObject({ inserted: 1, updated: 1, reversed: 2, rejected: 1 });
    expect(r.errors[0]).toMatchObject({ row: 3, field: 'init_setl_id' });
    const rows = await q<{ setl_id: string; reversed: boolean; refd_setl_flag: boolean }>(`select setl_id, reversed, refd_setl_flag from settlements where setl_id like 'V%' order by 1`);
    expect(rows).toEqual([
      { setl_id: 'V1', reversed: true, refd_setl_flag: false },
      { setl_id: 'V1R', reversed: false, refd_setl_flag: true },
      { setl_id: 'V2', reversed: true, refd_setl_flag: false },
    ]);
    expect(await ingestFiles(db, [rev], { pipeline: false })).toMatchObject({ inserted: 0, updated: 0, reversed: 0, unchanged: 2 });
  });

  it('a reversal in a later month takes the reversed visit out of its own month (that month is refreshed too)', async () => {
    const base = { psn_no: 'PW1', psn_type: '1101', admdvs: '140500', fixmedins_code: 'H8', fixmedins_type: 'hospital', hosp_lv: '1', inscp_scp_amt: '40' };
    const orig = write('w-orig.ndjson', JSON.stringify({ ...base, setl_id: 'W1', setl_time: '2024-07-15 10:00:00', medfee_sumamt: '40' }));
    expect(await ingestFiles(db, [orig])).toMatchObject({ inserted: 1, months: ['2024-07'] });
    const visit = () => q<{ setl_id: string }>(`select setl_id from ind_visits where setl_id = 'W1'`);
    expect(await visit()).toEqual([{ setl_id: 'W1' }]);
    const rev = write('w-rev.ndjson', JSON.stringify({ ...base, setl_id: 'W1R', init_setl_id: 'W1', refd_setl_flag: '1', setl_time: '2024-08-02 09:00:00', medfee_sumamt: '-40', inscp_scp_amt: '-40' }));
    expect(await ingestFiles(db, [rev])).toMatchObject({ inserted: 1, reversed: 1, months: ['2024-07', '2024-08'] });
    expect(await visit()).toEqual([]);
  });

  it('a fee-detail file loaded after its settlements refreshes their month (exam and drug amounts of the visits)', async () => {
    const base = { psn_no: 'PW2', psn_type: '1101', admdvs: '140500', fixmedins_code: 'H8', fixmedins_type: 'hospital', hosp_lv: '1', inscp_scp_amt: '50', medfee_sumamt: '50' };
    const setl = write('w2.ndjson', JSON.stringify({ ...base, setl_id: 'W2', setl_time: '2024-06-20 10:00:00' }));
    expect(await ingestFiles(db, [setl])).toMatchObject({ inserted: 1, months: ['2024-06'] });
    const details = write('w2-d.csv', 'feedetl_sn,setl_id,med_chrgitm_type,det_item_fee_sumamt\nWD1,W2,03,30\nWD2,W2,09,20\n');
    expect(await ingestFiles(db, [details])).toMatchObject({ inserted: 2, months: ['2024-06'], regions: ['140500'] });
    expect(await q(`select exam_amt::int, drug_amt::int, n_lines from ind_visits where setl_id = 'W2'`)).toEqual([{ exam_amt: 3000, drug_amt: 2000, n_lines: 2 }]);
  });

  it('an institution file that changes a budget refreshes the months the institution has visits in', async () => {
    const setl = write('w3.ndjson', JSON.stringify({ psn_no: 'PW3', psn_type: '1101', admdvs: '140500', setl_id: 'W3', setl_time: '2024-05-10 10:00:00', fixmedins_code: 'HB1', fixmedins_type: 'hospital', hosp_lv: '2', medfee_sumamt: '80', inscp_scp_amt: '80' }));
    expect(await ingestFiles(db, [setl])).toMatchObject({ inserted: 1, months: ['2024-05'] });
    const budget = () => q<{ annual_budget: number | null }>(`select annual_budget from ind_institution_month where fixmedins_code = 'HB1'`);
    expect(await budget()).toEqual([{ annual_budget: null }]);
    const inst = write('w3-inst.csv', '所属区划,定点医药机构编号,定点医药机构名称,年度总额预算\n140500,HB1,乙医院,500000.00\n');
    expect(await ingestFiles(db, [inst])).toMatchObject({ updated: 1, months: ['2024-05'], regions: ['140500'] });
    expect(await budget()).toEqual([{ annual_budget: 50000000 }]);
    // the same file again changes nothing and refreshes nothing
    expect(await ingestFiles(db, [inst])).toMatchObject({ updated: 0, unchanged: 1, months: [] });
  });

  it('takes statistics of the settlement partitions a batch wrote before looking up its fee lines', async () => {
    // stale statistics of a just-filled partition made the lookup by setl_id scan whole primary keys (10× slower at 1M).
    // Lookups happen for the fee lines whose settlement is not in the batch's index (here: no index at all)
    const base = { psn_no: 'PW4', psn_type: '1101', admdvs: '152501', fixmedins_code: 'H9', fixmedins_type: 'hospital', hosp_lv: '1', medfee_sumamt: '10', inscp_scp_amt: '10' };
    const setl = write('w4.ndjson', [1, 2, 3].map((i) => JSON.stringify({ ...base, setl_id: `W4-${i}`, setl_time: `2023-03-0${i} 10:00:00` })).join('\n'));
    const details = write('w4-d.csv', 'feedetl_sn,setl_id,med_chrgitm_type,det_item_fee_sumamt\nW4D1,W4-1,09,10\n');
    const stats = () => q<{ attname: string }>(`select attname from pg_stats where tablename = 'settlements_202303' order by 1`);
    expect(await stats()).toEqual([]);
    expect(await ingestFiles(db, [setl, details], { pipeline: false, settlementIndexBytes: 0 })).toMatchObject({ inserted: 4 });
    // setl_id alone: the ingest's ANALYZE, not autovacuum's (which takes every column, and not for three rows)
    expect(await stats()).toEqual([{ attname: 'setl_id' }]);
  });

  it("fee lines take their settlement's columns from the batch's index exactly as from the facts (re-sent, reversed, orphaned)", async () => {
    const base = { psn_no: 'PX1', psn_type: '1101', admdvs: '140500', fixmedins_code: 'HX1', fixmedins_type: 'hospital', hosp_lv: '2', medfee_sumamt: '10', inscp_scp_amt: '10' };
    const line = (id: string, time: string, more: object = {}) => JSON.stringify({ ...base, setl_id: id, setl_time: time, ...more });
    // ix.ndjson, one chunk straight into the facts: its fee lines read the index (IX2 reversed with its own id: looked up;
    // IX6 reversed by IX7R: its columns stand; IX5 of another person with a backslash in its id and a tab in its institution).
    // ix-1.ndjson has IX1 twice, in August and then in September, after IX8 of September (one chunk): the later row wins,
    // though a chunk's lines go to the facts grouped by month (September's group first). In ix-d.csv IXD7 comes twice, first
    // with a settlement whose fee lines are completed after a lookup, then with one from the index (August, grouped first).
    // ix-3.ndjson re-sends IX3 a month later (a merged chunk).
    const s1 = write('ix.ndjson', [
      line('IX2', '2024-08-02 09:00:00'), line('IX3', '2024-08-03 09:00:00'), line('IX5\\b', '2024-08-05 10:30:00', { psn_no: 'PX\\2', fixmedins_code: 'HX\t2' }),
      line('IX6', '2024-08-06 09:00:00'), line('IX2', '2024-08-02 09:00:00', { refd_setl_flag: '1', medfee_sumamt: '-10', inscp_scp_amt: '-10' }),
      line('IX7R', '2024-08-20 09:00:00', { init_setl_id: 'IX6', refd_setl_flag: '1', medfee_sumamt: '-10', inscp_scp_amt: '-10' }),
    ].join('\n'));
    const s2 = write('ix-1.ndjson', [line('IX8', '2024-09-01 09:00:00'), line('IX1', '2024-08-01 09:00:00'), line('IX1', '2024-09-15 09:00:00')].join('\n'));
    const s3 = write('ix-3.ndjson', line('IX3', '2024-09-03 09:00:00'));
    const d = write('ix-d.csv', ['feedetl_sn,setl_id,med_chrgitm_type,det_item_fee_sumamt', 'IXD6,IX6,09,6', 'IXD1,IX1,09,1', 'IXD2,IX2,09,2', 'IXD3,IX3,09,3', 'IXD5,IX5\\b,09,5', 'IXD7,IX3,09,7', 'IXD7,IX6,09,8', 'IXD9,IX404,09,9'].join('\n'));
    const facts = () =>
      q(`select tableoid::regclass::text as p, admdvs, feedetl_sn, setl_id, setl_time::text, psn_no, fixmedins_code from fee_details where feedetl_sn like 'IXD%'
         union all select tableoid::regclass::text, admdvs, null, setl_id, setl_time::text, psn_no, fixmedins_code from settlements where setl_id like 'IX%' order by 3, 4`);
    const clear = () => q(`delete from fee_details where feedetl_sn like 'IXD%'; delete from settlements where setl_id like 'IX%'`);
    const looked = await ingestFiles(db, [s1, s2, s3, d], { pipeline: false, settlementIndexBytes: 0 });
    const fromFacts = await facts();
    await clear();
    const indexed = await ingestFiles(db, [s1, s2, s3, d], { pipeline: false });
    expect(await facts()).toEqual(fromFacts);
    expect(indexed).toMatchObject({ inserted: looked.inserted, updated: looked.updated, unchanged: looked.unchanged, rejected: 1, reversed: 2 });
    const row = (p: string, sn: string | null, id: string, time: string, psn = 'PX1', inst = 'HX1') => ({ p, admdvs: '140500', feedetl_sn: sn, setl_id: id, setl_time: `${time}+08`, psn_no: psn, fixmedins_code: inst });
    expect(fromFacts).toEqual([
      row('fee_details_202409', 'IXD1', 'IX1', '2024-09-15 09:00:00'),
      row('fee_details_202408', 'IXD2', 'IX2', '2024-08-02 09:00:00'),
      row('fee_details_202409', 'IXD3', 'IX3', '2024-09-03 09:00:00'),
      row('fee_details_202408', 'IXD5', 'IX5\\b', '2024-08-05 10:30:00', 'PX\\2', 'HX\t2'),
      row('fee_details_202408', 'IXD6', 'IX6', '2024-08-06 09:00:00'),
      row('fee_details_202408', 'IXD7', 'IX6', '2024-08-06 09:00:00'),
      // one settlement for each id: the first IX1 is not stored beside the later one
      row('settlements_202409', null, 'IX1', '2024-09-15 09:00:00'),
      row('settlements_202408', null, 'IX2', '2024-08-02 09:00:00'),
      row('settlements_202409', null, 'IX3', '2024-09-03 09:00:00'),
      row('settlements_202408', null, 'IX5\\b', '2024-08-05 10:30:00', 'PX\\2', 'HX\t2'),
      row('settlements_202408', null, 'IX6', '2024-08-06 09:00:00'),
      row('settlements_202408', null, 'IX7R', '2024-08-20 09:00:00'),
      row('settlements_202409', null, 'IX8', '2024-09-01 09:00:00'),
    ]);
    await clear();
  });

  it('gives the same result when the claims are merged in many small chunks (reversal before its original, details across chunks)', async () => {
    const base = { psn_no: 'P8', psn_type: '1101', admdvs: '140500', fixmedins_code: 'H8', fixmedins_type: 'hospital', hosp_lv: '1', inscp_scp_amt: '30' };
    const s = write('chunks.ndjson', [
      // the reversal comes first; its original is three chunks later
      JSON.stringify({ ...base, setl_id: 'C9R', init_setl_id: 'C9', refd_setl_flag: '1', setl_time: '2024-10-02 09:00:00', medfee_sumamt: '-30', inscp_scp_amt: '-30' }),
      // the in-scope amount within the bill (a larger one is a row error)
      ...[1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => JSON.stringify({ ...base, setl_id: `C${i}`, setl_time: `2024-${i % 2 ? '09' : '10'}-0${i} 09:00:00`, medfee_sumamt: `${i}0`, inscp_scp_amt: `${i}0` })),
    ].join('\n'));
    const d = write('chunks-d.csv', ['feedetl_sn,setl_id,med_chrgitm_type,det_item_fee_sumamt,bilg_dr_codg', ...[1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => `CD${i},C${i},09,${i},DR8`), 'CDX,C404,09,1,DR8'].join('\n'));
    const r = await ingestFiles(db, [d, s], { pipeline: false, chunkRows: 2 });
    expect(r).toMatchObject({ inserted: 19, updated: 0, unchanged: 0, reversed: 1, rejected: 1, months: ['2024-09', '2024-10'] });
    expect(r.errors).toEqual([expect.objectContaining({ file: 'chunks-d.csv', row: 11, field: 'setl_id' })]);
    const rows = await q<{ setl_id: string; reversed: boolean; n: number }>(
      `select s.setl_id, s.reversed, (select count(*)::int from fee_details f where f.setl_id = s.setl_id) as n from settlements s where setl_id in ('C1', 'C9', 'C9R') order by 1`,
    );
    expect(rows).toEqual([
      { setl_id: 'C1', reversed: false, n: 1 },
      { setl_id: 'C9', reversed: true, n: 1 },
      { setl_id: 'C9R', reversed: false, n: 0 },
    ]);
    expect(await ingestFiles(db, [s, d], { pipeline: false, chunkRows: 3 })).toMatchObject({ inserted: 0, updated: 0, unchanged: 19, reversed: 0 });
  });

  it('a file whose keys partly exist: new chunks are copied, chunks with loaded keys merged (a moved setl_time still found)', async () => {
    const base = { psn_no: 'P6', psn_type: '1101', admdvs: '140500', fixmedins_code: 'H6', fixmedins_type: 'hospital', hosp_lv: '2', inscp_scp_amt: '10' };
    const line = (i: number, time: string, fee = '10') => JSON.stringify({ ...base, setl_id: `F${i}`, setl_time: time, medfee_sumamt: fee });
    const first = write('fast-1.ndjson', [1, 2, 3, 4].map((i) => line(i, '2024-11-0' + i + ' 09:00:00')).join('\n'));
    const d1 = write('fast-1-d.csv', ['feedetl_sn,setl_id,med_chrgitm_type,det_item_fee_sumamt', ...[1, 2, 3, 4].map((i) => `FD${i},F${i},09,${i}`)].join('\n'));
    expect(await ingestFiles(db, [first, d1], { pipeline: false, chunkRows: 2 })).toMatchObject({ inserted: 8, updated: 0, unchanged: 0 });
    // chunks of 2: [F1 unchanged, F2 moved to December] [F5, F6 new] [F3 changed amount, F7 new] [F8, F8 again: a key twice in one chunk]
    const second = write(
      'fast-2.ndjson',
      [line(1, '2024-11-01 09:00:00'), line(2, '2024-12-02 09:00:00'), line(5, '2024-11-05 09:00:00'), line(6, '2024-11-06 09:00:00'), line(3, '2024-11-03 09:00:00', '99'), line(7, '2024-11-07 09:00:00'), line(8, '2024-11-08 09:00:00'), line(8, '2024-11-08 09:00:00')].join('\n'),
    );
    // details: FD1 unchanged, FD2 already moved into December with its settlement (so unchanged), FD5/FD6 new, one orphan
    const d2 = write('fast-2-d.csv', ['feedetl_sn,setl_id,med_chrgitm_type,det_item_fee_sumamt', 'FD1,F1,09,1', 'FD2,F2,09,2', 'FD5,F5,09,5', 'FD6,F6,09,6', 'FDX,F404,09,1'].join('\n'));
    const r = await ingestFiles(db, [second, d2], { pipeline: false, chunkRows: 2 });
    // settlements: inserted F5 F6 F7 F8; updated F2 F3; unchanged F1 and the second F8. details: inserted FD5 FD6; unchanged FD1 FD2
    expect(r).toMatchObject({ inserted: 6, updated: 2, unchanged: 4, rejected: 1 });
    expect(r.errors).toEqual([expect.objectContaining({ file: 'fast-2-d.csv', row: 6, field: 'setl_id' })]);
    const rows = await q<{ setl_id: string; p: string; medfee_sumamt: number; n: number }>(
      `select setl_id, tableoid::regclass::text as p, medfee_sumamt, (select count(*)::int from fee_details f where f.setl_id = s.setl_id) as n
       from settlements s where setl_id like 'F%' order by 1`,
    );
    expect(rows).toEqual([
      { setl_id: 'F1', p: 'settlements_202411', medfee_sumamt: 1000, n: 1 },
      { setl_id: 'F2', p: 'settlements_202412', medfee_sumamt: 1000, n: 1 },
      { setl_id: 'F3', p: 'settlements_202411', medfee_sumamt: 9900, n: 1 },
      { setl_id: 'F4', p: 'settlements_202411', medfee_sumamt: 1000, n: 1 },
      { setl_id: 'F5', p: 'settlements_202411', medfee_sumamt: 1000, n: 1 },
      { setl_id: 'F6', p: 'settlements_202411', medfee_sumamt: 1000, n: 1 },
      { setl_id: 'F7', p: 'settlements_202411', medfee_sumamt: 1000, n: 0 },
      { setl_id: 'F8', p: 'settlements_202411', medfee_sumamt: 1000, n: 0 },
    ]);
    const fd2 = await q<{ p: string }>(`select tableoid::regclass::text as p from fee_details where feedetl_sn = 'FD2'`);
    expect(fd2).toEqual([{ p: 'fee_details_202412' }]);
    const [persons] = await q<{ n: number }>(`select count(*)::int as n from insured_persons where psn_no = 'P6' and region_code = '140500'`);
    expect(persons?.n).toBe(1);
  });

  it('asks the server whether keys sort by byte: yes under C.UTF-8 (the probe may send bounds), no under another collation', async () => {
    const client = await db.$client.connect();
    try {
      expect(await keysInByteOrder(client)).toBe(true);
      await client.query('begin');
      await client.query(`create collation if not exists ofm_test_und (provider = icu, locale = 'und')`);
      await client.query('alter table settlements alter column setl_id type text collate ofm_test_und');
      expect(await keysInByteOrder(client)).toBe(false);
    } finally {
      await client.query('rollback');
      client.release();
    }
  });

  it('finds a loaded key outside printable ASCII too (the probe then sends the keys, not their bounds)', async () => {
    const base = { psn_no: 'PX7', psn_type: '1101', admdvs: '140500', fixmedins_code: 'H7', fixmedins_type: 'hospital', hosp_lv: '2', medfee_sumamt: '10', inscp_scp_amt: '10' };
    const f = (time: string) => write(`wide-${time.slice(5, 7)}.ndjson`, ['结算Ａ1', 'Zb2'].map((id) => JSON.stringify({ ...base, setl_id: id, setl_time: time })).join('\n'));
    expect(await ingestFiles(db, [f('2024-05-01 09:00:00')], { pipeline: false })).toMatchObject({ inserted: 2 });
    // sent again a month later: same keys, another partition — found by key, updated, not loaded twice
    expect(await ingestFiles(db, [f('2024-06-01 09:00:00')], { pipeline: false })).toMatchObject({ inserted: 0, updated: 2 });
    expect(await q(`select setl_id, to_char(setl_time at time zone 'Asia/Shanghai', 'YYYY-MM') as m from settlements where setl_id in ('结算Ａ1', 'Zb2') order by 1`)).toEqual([
      { setl_id: 'Zb2', m: '2024-06' },
      { setl_id: '结算Ａ1', m: '2024-06' },
    ]);
  });

  it("an uploader's regions bound what the batch may write: other regions' rows and fee lines are rejected", async () => {
    const s = write('scope-s.csv', `${HEAD_ZH}\n${csvRows('RG').join('\n')}\n`); // RG1 in 140500, RG2 in 430100
    const d = write('scope-d.csv', 'feedetl_sn,setl_id,med_chrgitm_type,det_item_fee_sumamt\nRGD1,RG1,09,5\nRGD2,RG2,09,6\n');
    const other = await ingestFiles(db, [write('scope-other-s.csv', `${HEAD_ZH}\nRH1,P9,1101,430100,2024-03-06 10:00:00,H2,hospital,2,10,10,\n`)], { pipeline: false });
    expect(other.rejected).toBe(0);
    const r = await ingestFiles(db, [s, d, write('scope-d2.csv', 'feedetl_sn,setl_id,med_chrgitm_type,det_item_fee_sumamt\nRHD1,RH1,09,7\n')], {
      pipeline: false,
      regions: ['140500'],
    });
    expect(r.rejected).toBe(3);
    expect(r.errors.map((e) => [e.file, e.row, e.field]).sort()).toEqual([
      ['scope-d.csv', 3, 'setl_id'],
      ['scope-d2.csv', 2, 'setl_id'],
      ['scope-s.csv', 3, 'admdvs'],
    ]);
    expect(await q(`select setl_id from settlements where setl_id like 'RG%' order by 1`)).toEqual([{ setl_id: 'RG1' }]);
    expect(await q(`select feedetl_sn from fee_details where feedetl_sn like 'R_D%' order by 1`)).toEqual([{ feedetl_sn: 'RGD1' }]);
  });

  it('--strict loads nothing when any row is rejected', async () => {
    const s = write('strict.csv', `${HEAD_ZH}\nT1,P1,1101,140500,2024-09-01 10:00:00,H1,hospital,3,1,1,\nT2,P1,1101,140500,not a time,H1,hospital,3,1,1,\n`);
    const r = await runCli(['ingest', s, '--strict', '--json', '--skip-pipeline'], { url });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ inserted: 0, rejected: 1, rolled_back: true });
    expect(await q(`select 1 from settlements where setl_id = 'T1'`)).toEqual([]);
    const [b] = await q<{ status: string }>(`select status from ingest_batches order by id desc limit 1`);
    expect(b?.status).toBe('rejected');
    const ok = await runCli(['ingest', s, '--json', '--skip-pipeline'], { url });
    expect(JSON.parse(ok.stdout)).toMatchObject({ inserted: 1, rejected: 1 });
  });

  it('npm run cli starts Node the way the bench and these tests do (heap budget included)', () => {
    const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.cli).toBe(`node ${CLI_NODE_ARGS.join(' ')} lib/cli/main.ts`);
  });

  it('leaves all or none of a batch when the process is killed mid-load', async () => {
    const big = path.join(dir, 'big.ndjson');
    const out = fs.createWriteStream(big);
    const N = 150_000;
    for (let i = 0; i < N; i++)
      out.write(`{"setl_id":"KILL${i}","psn_no":"P${i % 5000}","psn_type":"1101","admdvs":"430100","setl_time":"2024-1${i % 3}-05 10:00:00","fixmedins_code":"HK${i % 50}","fixmedins_type":"hospital","hosp_lv":"2","medfee_sumamt":"${(i % 900) + 10}.50","inscp_scp_amt":"10.00"}\n`);
    await new Promise((r) => out.end(r));
    // kill once as soon as the first COPY runs, once 1 s into the load: both must be mid-load, not before or after it
    for (const extra of [0, 1000]) {
      const child = spawn(process.execPath, [...CLI_NODE_ARGS, 'lib/cli/main.ts', 'ingest', big, '--skip-pipeline'], { env: { ...process.env, DATABASE_URL: url }, stdio: 'ignore' });
      const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('close', (code, signal) => r({ code, signal })));
      let exited = false;
      void closed.then(() => (exited = true));
      for (let copying = false; !copying && !exited; ) {
        await new Promise((r) => setTimeout(r, 50));
        const [a] = await q<{ n: number }>(`select count(*)::int as n from pg_stat_activity where state = 'active' and query ilike 'copy%' and pid <> pg_backend_pid()`);
        copying = (a?.n ?? 0) > 0;
      }
      await new Promise((r) => setTimeout(r, extra));
      child.kill('SIGKILL');
      const end = await closed;
      expect(end.signal, 'the ingest was still loading when it was killed').toBe('SIGKILL');
      const [c] = await q<{ n: number }>(`select count(*)::int as n from settlements where setl_id like 'KILL%'`);
      expect(c?.n).toBe(0);
    }
  }, 120_000);
});
