/**
 * Writes as isolated as reads (issue 24): an uploader's file may only match, update, reverse or move rows of the regions
 * it may write, and a settlement never changes region by reload. Each attack below is what a 南昌 (360100) inspector
 * did to 晋城 (140500) rows before: every one must now be a row error that says nothing about the other region, leave
 * the 晋城 rows byte for byte as they were, and let the file's other rows load. The database refuses such writes too.
 * Also: duplicate keys in one file are reported as warnings, and partitions are made only for months that hold rows.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../lib/db/client';
import { ingestFiles } from '../lib/ingest';
import { runCli, testDatabase } from './db';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ofm-isolation-'));
const write = (name: string, text: string) => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
};
const ndjson = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
const detailsCsv = (rows: string[]) => ['feedetl_sn,setl_id,med_chrgitm_type,det_item_fee_sumamt', ...rows].join('\n') + '\n';

const JC = '140500';
const NC = '360100';
const NC2 = '360200';
const settlement = (setlId: string, admdvs: string, more: object = {}) => ({
  setl_id: setlId,
  psn_no: admdvs === JC ? 'PJ1' : 'PN1',
  psn_type: '1101',
  admdvs,
  setl_time: '2024-03-05 10:00:00',
  fixmedins_code: admdvs === JC ? 'HJ1' : 'HN1',
  fixmedins_type: 'hospital',
  hosp_lv: '2',
  medfee_sumamt: '100',
  inscp_scp_amt: '100',
  ...more,
});
const asNanchang = { pipeline: false, regions: [NC] } as const;

let db: Db;
let url: string;
let own: { db: Db; url: string };
async function q<T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
  return (await db.$client.query(text, params)).rows as T[];
}
/** every 晋城 settlement and fee line, whole rows as text: what must not change by a 南昌 upload */
const jincheng = () =>
  q(`select 's' as t, row_to_json(s)::text as r from settlements s where admdvs = '${JC}'
     union all select 'f', row_to_json(f)::text from fee_details f where admdvs = '${JC}' order by 1, 2`);
/** nothing named like the 晋城 rows exists in any other region */
const elsewhere = () => q(`select setl_id as k from settlements where setl_id like 'J%' and admdvs <> '${JC}' union all select feedetl_sn from fee_details where feedetl_sn like 'JD%' and admdvs <> '${JC}'`);

const jcSettlements = write('jc.ndjson', ndjson(['J1', 'J2', 'J3', 'J4'].map((id) => settlement(id, JC))));
const jcDetails = write('jc-d.csv', detailsCsv(['JD1,J1,09,10', 'JD2,J1,03,20', 'JD3,J2,09,30', 'JD4,J3,09,40']));

beforeAll(async () => {
  ({ db, url } = await testDatabase());
  own = await testDatabase();
  const r = await ingestFiles(db, [jcSettlements, jcDetails], { pipeline: false });
  expect(r).toMatchObject({ inserted: 8, rejected: 0 });
  // a 南昌 settlement of the uploader's own, and one of 360200 for the "region changed within one's own regions" case
  const mine = await ingestFiles(db, [write('nc-own.ndjson', ndjson([settlement('N0', NC), settlement('N5', NC2)]))], { pipeline: false });
  expect(mine).toMatchObject({ inserted: 2, rejected: 0 });
});

describe('a 南昌 uploader cannot touch 晋城 rows through ingest', () => {
  it('attack 1: re-sending a 晋城 setl_id as 360100 is a row error on admdvs; the rest of the file loads', async () => {
    const before = await jincheng();
    // chunks of 2: [N1, J1] goes through the merge (J1 is loaded), [N2] straight into the facts
    const f = write('a1.ndjson', ndjson([settlement('N1', NC), settlement('J1', NC, { medfee_sumamt: '999' }), settlement('N2', NC)]));
    // the file's fee line of J1 (its settlement row was rejected) is not hung on the 晋城 settlement either
    const d = write('a1-d.csv', detailsCsv(['NX1,J1,09,5', 'NX2,N2,09,5']));
    const r = await ingestFiles(db, [f, d], { ...asNanchang, chunkRows: 2 });
    expect(r).toMatchObject({ inserted: 3, updated: 0, rejected: 2 });
    expect(r.errors).toEqual([
      expect.objectContaining({ file: 'a1.ndjson', row: 2, field: 'admdvs' }),
      expect.objectContaining({ file: 'a1-d.csv', row: 2, field: 'setl_id' }),
    ]);
    expect(r.errors[0]?.message).toMatch(/[\u4e00-\u9fa5]/);
    expect(r.errors[0]?.message).not.toContain(JC);
    expect(await jincheng()).toEqual(before);
    expect(await elsewhere()).toEqual([]);
    expect(await q(`select setl_id, admdvs from settlements where setl_id in ('N1', 'N2') order by 1`)).toEqual([
      { setl_id: 'N1', admdvs: NC },
      { setl_id: 'N2', admdvs: NC },
    ]);
  });

  it('attack 1 on the fast path: a fresh chunk holding a 晋城 key is merged and rejected, not copied beside it', async () => {
    const before = await jincheng();
    const f = write('a1-fast.ndjson', ndjson([settlement('J4', NC, { setl_time: '2024-04-05 10:00:00' }), settlement('N3', NC)]));
    const r = await ingestFiles(db, [f], asNanchang);
    expect(r).toMatchObject({ inserted: 1, rejected: 1 });
    expect(r.errors.map((e) => [e.row, e.field])).toEqual([[1, 'admdvs']]);
    expect(await jincheng()).toEqual(before);
    expect(await elsewhere()).toEqual([]);
    expect(await q(`select count(*)::int as n from settlements where setl_id = 'J4'`)).toEqual([{ n: 1 }]);
  });

  it('attack 2: an NHSA reversal naming a 晋城 init_setl_id reverses nothing and is a row error', async () => {
    const before = await jincheng();
    const f = write('a2.ndjson', ndjson([
      settlement('NR2', NC, { init_setl_id: 'J2', refd_setl_flag: '1', medfee_sumamt: '-100', inscp_scp_amt: '-100' }),
      settlement('NR0', NC, { init_setl_id: 'N0', refd_setl_flag: '1', medfee_sumamt: '-100', inscp_scp_amt: '-100' }),
    ]));
    const r = await ingestFiles(db, [f], asNanchang);
    expect(r).toMatchObject({ inserted: 1, reversed: 1, rejected: 1 });
    expect(r.errors.map((e) => [e.row, e.field])).toEqual([[1, 'init_setl_id']]);
    expect(r.errors[0]?.message).not.toContain(JC);
    // the same words as for an original that exists nowhere
    const none = await ingestFiles(db, [write('a2-none.ndjson', ndjson([settlement('NR9', NC, { init_setl_id: 'NOWHERE', refd_setl_flag: '1' })]))], asNanchang);
    expect(none.errors[0]?.message.replace('NOWHERE', 'J2')).toBe(r.errors[0]?.message);
    expect(await jincheng()).toEqual(before);
    expect(await q(`select setl_id, reversed from settlements where setl_id in ('J2', 'N0', 'NR2') order by 1`)).toEqual([
      { setl_id: 'J2', reversed: false },
      { setl_id: 'N0', reversed: true },
    ]);
  });

  it('attack 3: a same-id reversal (refd_setl_flag 1) of a 晋城 setl_id reverses nothing and is a row error', async () => {
    const before = await jincheng();
    const f = write('a3.ndjson', ndjson([settlement('J3', NC, { refd_setl_flag: 1 }), settlement('N6', NC)]));
    const r = await ingestFiles(db, [f], asNanchang);
    expect(r).toMatchObject({ inserted: 1, reversed: 0, rejected: 1 });
    expect(r.errors.map((e) => [e.row, e.field])).toEqual([[1, 'setl_id']]);
    expect(r.errors[0]?.message).not.toContain(JC);
    expect(await jincheng()).toEqual(before);
  });

  it('attack 4: a fee line with a 晋城 feedetl_sn does not move it; one naming a 晋城 settlement reads as "not loaded"', async () => {
    const before = await jincheng();
    const f = write('a4.csv', detailsCsv(['ND1,N1,09,5', 'JD1,N1,09,99', 'ND2,J2,09,7', 'ND3,NOPE,09,7']));
    const r = await ingestFiles(db, [f], asNanchang);
    expect(r).toMatchObject({ inserted: 1, rejected: 3 });
    expect(r.errors.map((e) => [e.row, e.field]).sort()).toEqual([
      [3, 'feedetl_sn'],
      [4, 'setl_id'],
      [5, 'setl_id'],
    ]);
    for (const e of r.errors) expect(e.message).not.toContain(JC);
    const msg = (row: number) => r.errors.find((e) => e.row === row)?.message ?? '';
    expect(msg(4).replace('J2', 'X')).toBe(msg(5).replace('NOPE', 'X'));
    expect(await jincheng()).toEqual(before);
    expect(await elsewhere()).toEqual([]);
    expect(await q(`select feedetl_sn, admdvs from fee_details where feedetl_sn like 'ND%' order by 1`)).toEqual([{ feedetl_sn: 'ND1', admdvs: NC }]);
  });

  it('a region changed within the uploader own regions gets the very same message as a foreign id', async () => {
    const foreign = await ingestFiles(db, [write('same-1.ndjson', ndjson([settlement('J1', NC)]))], { pipeline: false, regions: [NC, NC2] });
    const moved = await ingestFiles(db, [write('same-2.ndjson', ndjson([settlement('N5', NC)]))], { pipeline: false, regions: [NC, NC2] });
    expect(foreign.errors.map((e) => [e.field, e.message])).toEqual(moved.errors.map((e) => [e.field, e.message]));
    expect(await q(`select admdvs from settlements where setl_id = 'N5'`)).toEqual([{ admdvs: NC2 }]);
  });
});

describe('the database refuses writes outside the uploader regions', () => {
  it('UPDATE and DELETE of another region fail inside an ingest transaction even without the loader checks', async () => {
    const before = await jincheng();
    const c = await db.$client.connect();
    const attempt = async (text: string) => {
      await c.query('savepoint t');
      try {
        await c.query(text);
        await c.query('release savepoint t');
        return 'ok';
      } catch (e) {
        await c.query('rollback to savepoint t');
        return (e as { code?: string }).code ?? 'error';
      }
    };
    try {
      await c.query('begin');
      await c.query(`select set_config('app.write_regions', $1, true)`, [NC]);
      expect(await attempt(`delete from settlements where setl_id = 'J1'`)).toBe('42501');
      expect(await attempt(`update settlements set reversed = true where setl_id = 'J2'`)).toBe('42501');
      expect(await attempt(`delete from fee_details where feedetl_sn = 'JD1'`)).toBe('42501');
      expect(await attempt(`update fee_details set det_item_fee_sumamt = 1 where feedetl_sn = 'JD3'`)).toBe('42501');
      // an own row moved into another region
      expect(await attempt(`update settlements set admdvs = '${JC}' where setl_id = 'N0'`)).toBe('42501');
      // the merge's own statements, as a loader without its checks would have run them
      expect(await attempt(`update fee_details f set admdvs = '${NC}' where feedetl_sn = 'JD2'`)).toBe('42501');
      // the merge path's check of the regions it is about to insert from staging
      expect(await attempt(`select app_assert_write_regions(array['${NC}', '${JC}'])`)).toBe('42501');
      expect(await attempt(`select app_assert_write_regions(array['${NC}'])`)).toBe('ok');
      // own rows are fine
      expect(await attempt(`update settlements set medfee_sumamt = medfee_sumamt where setl_id = 'N0'`)).toBe('ok');
      expect(await attempt(`delete from settlements where setl_id = 'N0'`)).toBe('ok');
      await c.query('rollback');
      // no setting (owner jobs, an all-regions CLI ingest): no restriction from this guard
      await c.query('begin');
      expect(await attempt(`update settlements set medfee_sumamt = medfee_sumamt where setl_id = 'J1'`)).toBe('ok');
      await c.query('rollback');
    } finally {
      c.release();
    }
    expect(await jincheng()).toEqual(before);
  });
});

describe('reloads, updates and reversals that stay in their region', () => {
  it('an all-regions CLI ingest that changes a settlement region gets a row error on admdvs; nothing moves', async () => {
    const before = await jincheng();
    const f = write('cli-move.ndjson', ndjson([settlement('J2', NC), settlement('N7', NC)]));
    // the batch's fee lines of the rejected settlement are rejected too, not hung on the stored one
    const d = write('cli-move-d.csv', detailsCsv(['NJD9,J2,09,1', 'NJD7,N7,09,1']));
    const r = await runCli(['ingest', f, d, '--json', '--skip-pipeline'], { url });
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { inserted: number; rejected: number; errors: Array<{ file: string; row: number; field: string; message: string }> };
    expect(out).toMatchObject({ inserted: 2, rejected: 2 });
    expect(out.errors.map((e) => [e.file, e.row, e.field])).toEqual([
      ['cli-move.ndjson', 1, 'admdvs'],
      ['cli-move-d.csv', 2, 'setl_id'],
    ]);
    expect(await jincheng()).toEqual(before);
  });

  it('reloading the 晋城 files changes nothing', async () => {
    const before = await jincheng();
    expect(await ingestFiles(db, [jcSettlements, jcDetails], { pipeline: false })).toMatchObject({ inserted: 0, updated: 0, unchanged: 8, rejected: 0 });
    expect(await ingestFiles(db, [jcSettlements, jcDetails], { pipeline: false, regions: [JC] })).toMatchObject({ inserted: 0, updated: 0, unchanged: 8, rejected: 0 });
    expect(await jincheng()).toEqual(before);
  });

  it('a 晋城 uploader still updates, moves and reverses 晋城 settlements (fee lines follow)', async () => {
    const f = write('jc-2.ndjson', ndjson([
      settlement('J1', JC, { setl_time: '2024-04-06 10:00:00', medfee_sumamt: '120' }),
      settlement('J2R', JC, { init_setl_id: 'J2', refd_setl_flag: '1', medfee_sumamt: '-100', inscp_scp_amt: '-100' }),
      settlement('J3', JC, { refd_setl_flag: 1 }),
    ]));
    const r = await ingestFiles(db, [f], { pipeline: false, regions: [JC] });
    expect(r).toMatchObject({ inserted: 1, updated: 2, reversed: 2, rejected: 0 });
    expect(await q(`select setl_id, medfee_sumamt, reversed, to_char(setl_time, 'YYYY-MM') as m from settlements where setl_id in ('J1', 'J2', 'J2R', 'J3') order by 1`)).toEqual([
      { setl_id: 'J1', medfee_sumamt: 12000, reversed: false, m: '2024-04' },
      { setl_id: 'J2', medfee_sumamt: 10000, reversed: true, m: '2024-03' },
      { setl_id: 'J2R', medfee_sumamt: -10000, reversed: false, m: '2024-03' },
      { setl_id: 'J3', medfee_sumamt: 10000, reversed: true, m: '2024-03' },
    ]);
    expect(await q(`select feedetl_sn, to_char(setl_time, 'YYYY-MM') as m from fee_details where setl_id = 'J1' order by 1`)).toEqual([
      { feedetl_sn: 'JD1', m: '2024-04' },
      { feedetl_sn: 'JD2', m: '2024-04' },
    ]);
    // a fee line moved to another 晋城 settlement by a 晋城 uploader is an update
    const d = await ingestFiles(db, [write('jc-2-d.csv', detailsCsv(['JD4,J4,09,40']))], { pipeline: false, regions: [JC] });
    expect(d).toMatchObject({ updated: 1, rejected: 0 });
    expect(await q(`select setl_id from fee_details where feedetl_sn = 'JD4'`)).toEqual([{ setl_id: 'J4' }]);
  });
});

describe('duplicate keys in one file', () => {
  const dupFiles = () => {
    const s = write('dup.ndjson', ndjson([settlement('D1', NC), settlement('D1', NC), settlement('D2', NC), settlement('D1', NC, { medfee_sumamt: '130' })]));
    const d = write('dup-d.csv', detailsCsv(['DD1,D1,09,1', 'DD2,D1,09,2', 'DD1,D1,09,3']));
    return [s, d];
  };
  const expected = [
    ['dup.ndjson', 2, 'setl_id', 1],
    ['dup.ndjson', 4, 'setl_id', 1],
    ['dup-d.csv', 4, 'feedetl_sn', 2],
  ];

  it('are reported as warnings naming the earlier row (one chunk), stored as warnings, the last row kept', async () => {
    const [s, d] = dupFiles();
    const r = await ingestFiles(db, [s as string, d as string], { pipeline: false });
    expect(r).toMatchObject({ inserted: 4, unchanged: 3, rejected: 0, errors: [] });
    expect(r.warnings.map((w) => [w.file, w.row, w.field, Number(/第 (\d+) 行/.exec(w.message)?.[1])])).toEqual(expected);
    expect(await q(`select medfee_sumamt from settlements where setl_id = 'D1'`)).toEqual([{ medfee_sumamt: 13000 }]);
    expect(await q(`select det_item_fee_sumamt from fee_details where feedetl_sn = 'DD1'`)).toEqual([{ det_item_fee_sumamt: 300 }]);
    const stored = await q<{ row: number; field: string; severity: string }>(
      `select row, field, severity from ingest_errors where batch_id = any($1::bigint[]) order by batch_id, row`,
      [r.batches],
    );
    expect(stored).toEqual([
      { row: 2, field: 'setl_id', severity: 'warning' },
      { row: 4, field: 'setl_id', severity: 'warning' },
      { row: 4, field: 'feedetl_sn', severity: 'warning' },
    ]);
    await q(`delete from fee_details where feedetl_sn like 'DD%'; delete from settlements where setl_id like 'D_'`);
  });

  it('are found across chunks too (the earlier row read back from the file), on a reload as well, and the CLI counts them', async () => {
    // lines longer than a parse block (32 KiB) each: with chunks of one row every line is a chunk of its own
    const pad = { 备注: 'x'.repeat(40_000) };
    const s = write('dup-far.ndjson', ndjson([settlement('E1', NC, pad), settlement('E1', NC, pad), settlement('E2', NC, pad), settlement('E1', NC, pad)]));
    const d = write('dup-far-d.ndjson', ndjson(['ED1', 'ED2', 'ED1'].map((sn) => ({ feedetl_sn: sn, setl_id: 'E1', med_chrgitm_type: '09', det_item_fee_sumamt: '1', ...pad }))));
    const far = [
      ['dup-far.ndjson', 2, 'setl_id', 1],
      ['dup-far.ndjson', 4, 'setl_id', 1],
      ['dup-far-d.ndjson', 3, 'feedetl_sn', 1],
    ];
    const warned = (r: { warnings: Array<{ file: string; row: number; field: string; message: string }> }) =>
      r.warnings.map((w) => [w.file, w.row, w.field, Number(/第 (\d+) 行/.exec(w.message)?.[1])]);
    const r = await ingestFiles(db, [s, d], { pipeline: false, chunkRows: 1 });
    expect(r).toMatchObject({ inserted: 4, updated: 0, unchanged: 3, rejected: 0 });
    expect(warned(r)).toEqual(far);
    // reloaded: every earlier row is now an unchanged row of an earlier batch, found all the same
    const again = await ingestFiles(db, [s, d], { pipeline: false, chunkRows: 1 });
    expect(again).toMatchObject({ inserted: 0, updated: 0, unchanged: 7, rejected: 0 });
    expect(warned(again)).toEqual(far);
    const cli = await runCli(['ingest', s, d, '--skip-pipeline'], { url });
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(/警告 warnings 3/);
    const json = await runCli(['ingest', s, d, '--json', '--skip-pipeline'], { url });
    const out = JSON.parse(json.stdout) as Record<string, unknown>;
    expect(out).toMatchObject({ inserted: 0, updated: 0, unchanged: 7, rejected: 0, errors: [] });
    expect((out.warnings as unknown[]).length).toBe(3);
  });
});

describe('partitions', () => {
  it('are made for the months that hold rows, not every month in between', async () => {
    {
      const f = write('far.ndjson', ndjson([settlement('P1', NC, { setl_time: '2022-11-15 10:00:00' }), settlement('P2', NC, { setl_time: '2025-06-15 10:00:00' })]));
      const d = write('far-d.csv', detailsCsv(['PD1,P1,09,1', 'PD2,P2,09,2']));
      expect(await ingestFiles(own.db, [f, d], { pipeline: false })).toMatchObject({ inserted: 4, rejected: 0 });
      const parts = await own.db.$client.query<{ p: string }>(
        `select c.relname as p from pg_inherits i join pg_class c on c.oid = i.inhrelid
         where i.inhparent in ('settlements'::regclass, 'fee_details'::regclass, 'adjudications'::regclass) order by 1`,
      );
      expect(parts.rows.map((x) => x.p)).toEqual(['adjudications_202211', 'adjudications_202506', 'fee_details_202211', 'fee_details_202506', 'settlements_202211', 'settlements_202506']);
      const rows = await own.db.$client.query(`select s.setl_id, f.feedetl_sn from settlements s join fee_details f using (admdvs, setl_id, setl_time) order by 1`);
      expect(rows.rows).toEqual([
        { setl_id: 'P1', feedetl_sn: 'PD1' },
        { setl_id: 'P2', feedetl_sn: 'PD2' },
      ]);
      // a merged chunk (keys loaded already) with a row months away: again only its own month
      const g = write('far-2.ndjson', ndjson([settlement('P1', NC, { setl_time: '2022-11-15 10:00:00' }), settlement('P3', NC, { setl_time: '2023-09-01 10:00:00' })]));
      expect(await ingestFiles(own.db, [g], { pipeline: false })).toMatchObject({ inserted: 1, unchanged: 1 });
      const n = await own.db.$client.query<{ n: number }>(`select count(*)::int as n from pg_inherits where inhparent = 'settlements'::regclass`);
      expect(n.rows[0]?.n).toBe(3);
    }
  });
});

describe('master data a claim implies stays in the regions its uploader may write', () => {
  it("a 南昌 settlement naming fixmedins_admdvs 140500 creates its institution in 360100, not in 晋城", async () => {
    const f = write('inst.ndjson', ndjson([settlement('NP7', NC, { fixmedins_code: 'HPLANT1', fixmedins_admdvs: JC, fixmedins_name: '伪造机构' })]));
    expect(await ingestFiles(db, [f], asNanchang)).toMatchObject({ inserted: 1, rejected: 0 });
    expect(await q(`select region_code from institutions where fixmedins_code = 'HPLANT1'`)).toEqual([{ region_code: NC }]);
    // a malformed region code is not taken either, for any uploader
    const g = write('inst-bad.ndjson', ndjson([settlement('NP8', NC, { fixmedins_code: 'HPLANT2', fixmedins_admdvs: 'x1' })]));
    expect(await ingestFiles(db, [g], { pipeline: false })).toMatchObject({ inserted: 1, rejected: 0 });
    expect(await q(`select region_code from institutions where fixmedins_code = 'HPLANT2'`)).toEqual([{ region_code: NC }]);
  });

  it('a 南昌 fee line naming a 晋城 settlement and a doctor is rejected, and no doctor or department appears in 晋城', async () => {
    const f = write(
      'dr.csv',
      ['feedetl_sn,setl_id,med_chrgitm_type,det_item_fee_sumamt,bilg_dr_codg,bilg_dept_codg', 'NDR1,J2,09,5,DRPLANT,DEPTPLANT', 'NDR2,N0,09,5,DROWN,DEPTOWN'].join('\n') + '\n',
    );
    const r = await ingestFiles(db, [f], asNanchang);
    expect(r).toMatchObject({ inserted: 1, rejected: 1 });
    expect(r.errors).toEqual([expect.objectContaining({ row: 2, field: 'setl_id' })]);
    expect(await q(`select region_code, dr_codg from doctors where dr_codg in ('DRPLANT', 'DROWN') order by 2`)).toEqual([{ region_code: NC, dr_codg: 'DROWN' }]);
    expect(await q(`select region_code from departments where dept_codg = 'DEPTPLANT'`)).toEqual([]);
  });
});
