/**
 * What one file may do to the process that reads it (issue 24): an XLSX that inflates to GBs, a line of 50 MB, bytes
 * that are not the file's encoding, several files read at once, a batch a killed process left running.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../lib/db/client';
import { InputError } from '../lib/errors';
import { ingestFiles } from '../lib/ingest';
import { fileBlocks, openFile } from '../lib/ingest/parse';
import { finishStaleBatches, STALE_MESSAGE } from '../lib/ingest/stale';
import { runCli, testDatabase } from './db';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ofm-limits-'));
const write = (name: string, data: string | Buffer) => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, data);
  return f;
};

let db: Db;
let url: string;
beforeAll(async () => {
  ({ db, url } = await testDatabase());
});

async function q<T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
  return (await db.$client.query(text, params)).rows as T[];
}

/** The InputError an ingest fails with (the test fails if it does not fail). */
async function failure(files: string[]): Promise<InputError> {
  const e = await ingestFiles(db, files, { pipeline: false }).then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(InputError);
  return e as InputError;
}

const settlement = (id: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ setl_id: id, psn_no: 'P1', psn_type: '1101', admdvs: '140500', setl_time: '2024-03-05 10:00:00', fixmedins_code: 'H1', fixmedins_type: 'hospital', hosp_lv: 3, medfee_sumamt: 10, inscp_scp_amt: 10, ...extra });

// ---- a zip written by hand: parts as given, sizes in the directory as given (a crafted file may understate them)

interface Part {
  name: string;
  /** the content, or a generator of it (a part too big to hold) */
  data: Buffer | (() => Iterable<Buffer>);
  /** the uncompressed size the directory declares (default: the real one) */
  declare?: number;
}

async function writeZip(file: string, parts: Part[]): Promise<void> {
  const out = fs.openSync(file, 'w');
  let offset = 0;
  const put = (b: Buffer) => {
    fs.writeSync(out, b);
    offset += b.length;
  };
  const central: Buffer[] = [];
  for (const p of parts) {
    const chunks = typeof p.data === 'function' ? p.data() : [p.data];
    const deflate = zlib.createDeflateRaw({ level: 9 });
    const compressed: Buffer[] = [];
    deflate.on('data', (c: Buffer) => compressed.push(c));
    let crc = 0;
    let size = 0;
    for (const c of chunks) {
      crc = zlib.crc32(c, crc);
      size += c.length;
      if (!deflate.write(c)) await new Promise((r) => deflate.once('drain', r));
    }
    await new Promise((r) => {
      deflate.once('end', r);
      deflate.end();
    });
    const data = Buffer.concat(compressed);
    const name = Buffer.from(p.name);
    const declared = p.declare ?? size;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc >>> 0, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(declared, 22);
    local.writeUInt16LE(name.length, 26);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(20, 4);
    cd.writeUInt16LE(20, 6);
    cd.writeUInt16LE(8, 10);
    cd.writeUInt32LE(crc >>> 0, 16);
    cd.writeUInt32LE(data.length, 20);
    cd.writeUInt32LE(declared, 24);
    cd.writeUInt16LE(name.length, 28);
    cd.writeUInt32LE(offset, 42);
    central.push(cd, name);
    put(local);
    put(name);
    put(data);
  }
  const cdOffset = offset;
  const cdBuf = Buffer.concat(central);
  put(cdBuf);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(parts.length, 8);
  eocd.writeUInt16LE(parts.length, 10);
  eocd.writeUInt32LE(cdBuf.length, 12);
  eocd.writeUInt32LE(cdOffset, 16);
  put(eocd);
  fs.closeSync(out);
}

/** A one-sheet workbook whose header cells are shared strings 0..2 and whose shared strings table inflates to `bytes`. */
async function sharedStringsBomb(file: string, bytes: number, declare?: number) {
  const x = (s: string) => Buffer.from(s);
  const head = '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">';
  const si = x(`<si><t>${'A'.repeat(1000)}</t></si>`.repeat(256));
  await writeZip(file, [
    {
      name: '[Content_Types].xml',
      data: x(
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
      ),
    },
    { name: '_rels/.rels', data: x('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>') },
    {
      name: 'xl/workbook.xml',
      data: x('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'),
    },
    {
      name: 'xl/_rels/workbook.xml.rels',
      data: x(
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
      ),
    },
    {
      name: 'xl/sharedStrings.xml',
      declare,
      data: function* () {
        yield x(head);
        for (let n = 0; n < bytes; n += si.length) yield si;
        yield x('</sst>');
      },
    },
    {
      name: 'xl/worksheets/sheet1.xml',
      data: x(
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row></sheetData></worksheet>',
      ),
    },
  ]);
}

describe('an XLSX that inflates far beyond its size (zip bomb)', () => {
  it('is refused before exceljs reads it, naming the shared strings and the limit; memory stays flat', async () => {
    const f = path.join(dir, 'bomb.xlsx');
    await sharedStringsBomb(f, 400 << 20);
    expect(fs.statSync(f).size).toBeLessThan(2 << 20);
    global.gc?.();
    const rss0 = process.memoryUsage().rss;
    let peak = rss0;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    const e = await failure([f]).finally(() => clearInterval(timer));
    expect(e.where).toMatchObject({ file: 'bomb.xlsx' });
    expect(e.message).toMatch(/共享字符串表（xl\/sharedStrings\.xml）解压后为 400\.\d MB，超过 128 MB（OFM_XLSX_MAX_SHARED_STRINGS_BYTES）/);
    expect(peak - rss0).toBeLessThan(100 << 20);
    expect(await q(`select 1 from ingest_batches where file_name = 'bomb.xlsx'`)).toEqual([]);
  });

  it('one whose directory understates what it inflates to is measured as it inflates, not believed', async () => {
    const f = path.join(dir, 'liar.xlsx');
    await sharedStringsBomb(f, 300 << 20, 4000);
    const e = await failure([f]);
    expect(e.message).toMatch(/xl\/sharedStrings\.xml 解压后大于目录所记录的大小/);
  });

  it('the total a workbook inflates to and the shared strings count are limits too (set through the environment)', async () => {
    const f = path.join(dir, 'medium.xlsx');
    await sharedStringsBomb(f, 2 << 20);
    process.env.OFM_XLSX_MAX_UNZIPPED_BYTES = String(1 << 20);
    try {
      expect((await failure([f])).message).toMatch(/解压后为 2\.\d MB，超过 1 MB（OFM_XLSX_MAX_UNZIPPED_BYTES）/);
    } finally {
      delete process.env.OFM_XLSX_MAX_UNZIPPED_BYTES;
    }
    process.env.OFM_XLSX_MAX_SHARED_STRINGS = '1000';
    try {
      expect((await failure([f])).message).toMatch(/超过 1,000 条（OFM_XLSX_MAX_SHARED_STRINGS）/);
    } finally {
      delete process.env.OFM_XLSX_MAX_SHARED_STRINGS;
    }
  });

  it('the CLI exits 1 with the message (not 134, out of heap)', async () => {
    const f = path.join(dir, 'cli-bomb.xlsx');
    await sharedStringsBomb(f, 1200 << 20);
    const r = await runCli(['ingest', f], { url });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/错误 error: cli-bomb\.xlsx: XLSX 文件的共享字符串表（xl\/sharedStrings\.xml）解压后为 1\.17 GB/);
  }, 120_000);

  it('a workbook Excel or exceljs wrote still loads, and a row wider than the cell limit is refused naming it', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('结算');
    ws.addRow(['结算ID', '人员编号', '人员类别', '医保区划', '结算时间', '定点医药机构编号', '机构类型', '医院等级', '医疗费总额', '符合政策范围金额']);
    ws.addRow(['XL1', 'P1', '1101', '140500', '2024-03-05 10:00:00', 'H1', 'hospital', '3', 10, 10]);
    const wide = ['XL2', 'P1', '1101', '140500', '2024-03-05 10:00:00', 'H1', 'hospital', '3', 10, 10, ...Array.from({ length: 29 }, (_, i) => `x${i}`)];
    ws.addRow(wide);
    const f = path.join(dir, 'ok.xlsx');
    await wb.xlsx.writeFile(f);
    process.env.OFM_XLSX_MAX_ROW_CELLS = '20';
    try {
      const e = await failure([f]);
      expect(e.where).toMatchObject({ file: 'ok.xlsx', row: 3 });
      expect(e.message).toMatch(/第 3 行有 39 列，超过每行 20 列的上限（OFM_XLSX_MAX_ROW_CELLS）/);
    } finally {
      delete process.env.OFM_XLSX_MAX_ROW_CELLS;
    }
    const r = await ingestFiles(db, [f], { pipeline: false });
    expect(r.errors).toEqual([]);
    expect(r).toMatchObject({ inserted: 2, rejected: 0 });
  });
});

describe('a line beyond the line limit', () => {
  it('NDJSON: a 50 MB line fails the file naming its line, without holding it (RSS measured)', async () => {
    const f = write('long.ndjson', `${settlement('LL1')}\n${settlement('LL2', { note: 'x'.repeat(50 << 20) })}\n${settlement('LL3')}\n`);
    global.gc?.();
    const rss0 = process.memoryUsage().rss;
    let peak = rss0;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    const e = await failure([f]).finally(() => clearInterval(timer));
    expect(e.where).toMatchObject({ file: 'long.ndjson', row: 2 });
    expect(e.message).toMatch(/第 2 行超过 4 MB 的单行上限（OFM_INGEST_MAX_LINE_BYTES）/);
    expect(peak - rss0).toBeLessThan(40 << 20);
    expect(await q(`select setl_id from settlements where setl_id like 'LL%'`)).toEqual([]);
  });

  it('CSV: a record beyond the limit fails the file naming its line', async () => {
    const f = write('long.csv', `setl_id,psn_no,psn_type,admdvs,setl_time,fixmedins_code,fixmedins_type,hosp_lv,medfee_sumamt,inscp_scp_amt,note\nLC1,P1,1101,140500,2024-03-05 10:00:00,H1,hospital,3,10,10,a\nLC2,P1,1101,140500,2024-03-05 10:00:00,H1,hospital,3,10,10,${'y'.repeat(5 << 20)}\n`);
    const e = await failure([f]);
    expect(e.where).toMatchObject({ file: 'long.csv', row: 3 });
    expect(e.message).toMatch(/第 3 行超过 4 MB 的单行上限/);
    expect(await q(`select setl_id from settlements where setl_id like 'LC%'`)).toEqual([]);
  });
});

describe('bytes that are not the encoding the file is read in are never stored as U+FFFD', () => {
  const HEAD = 'setl_id,psn_no,psn_type,admdvs,setl_time,fixmedins_code,fixmedins_type,hosp_lv,medfee_sumamt,inscp_scp_amt,备注';
  const row = (id: string) => `${id},P1,1101,140500,2024-03-05 10:00:00,H1,hospital,3,10,10,晋城市人民医院`;

  it('a GBK CSV carrying a UTF-8 BOM is refused naming the first line that is not UTF-8', async () => {
    const f = write('bom-gbk.csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('setl_id,psn_no,psn_type,admdvs,setl_time,fixmedins_code,fixmedins_type,hosp_lv,medfee_sumamt,inscp_scp_amt,note\n'), iconv.encode(`${row('BG1').replace(/,[^,]*$/, ',晋城')}\n`, 'gbk')]));
    const e = await failure([f]);
    expect(e.where).toMatchObject({ file: 'bom-gbk.csv', row: 2, field: 'encoding' });
    expect(e.message).toMatch(/文件以 UTF-8 BOM 开头，但第 2 行含有不是 UTF-8 的字节/);
    expect(await q(`select setl_id from settlements where setl_id like 'BG%'`)).toEqual([]);
  });

  it('a GBK NDJSON carrying a UTF-8 BOM likewise', async () => {
    const f = write('bom-gbk.ndjson', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), iconv.encode(`${settlement('BN1', { 备注: '晋城' })}\n`, 'gbk')]));
    const e = await failure([f]);
    expect(e.where).toMatchObject({ file: 'bom-gbk.ndjson', row: 1 });
    expect(await q(`select setl_id from settlements where setl_id like 'BN%'`)).toEqual([]);
  });

  it('UTF-8 for the first 64 KiB, then a GBK line: the file fails naming that line, nothing of it is loaded', async () => {
    const lines = Array.from({ length: 600 }, (_, i) => `${settlement(`UG${i}`, { 备注: '晋城市人民医院' })}\n`);
    const good = Buffer.from(lines.join(''));
    expect(good.length).toBeGreaterThan(65536);
    const f = write('late-gbk.ndjson', Buffer.concat([good, iconv.encode(`${settlement('UGX', { 备注: '晋城' })}\n`, 'gbk')]));
    const e = await failure([f]);
    expect(e.where).toMatchObject({ file: 'late-gbk.ndjson', row: 601, field: 'encoding' });
    expect(e.message).toMatch(/文件按 UTF-8 读取，但第 601 行含有不是 UTF-8 的字节/);
    expect(await q(`select count(*)::int as n from settlements where setl_id like 'UG%'`)).toEqual([{ n: 0 }]);

    const csvLines = Array.from({ length: 900 }, (_, i) => row(`UC${i}`));
    const csv = Buffer.from(`${HEAD}\n${csvLines.join('\n')}\n`);
    expect(csv.length).toBeGreaterThan(65536);
    const g = write('late-gbk.csv', Buffer.concat([csv, iconv.encode(`${row('UCX')}\n`, 'gbk')]));
    const c = await failure([g]);
    expect(c.where).toMatchObject({ file: 'late-gbk.csv', row: 902, field: 'encoding' });
    expect(await q(`select count(*)::int as n from settlements where setl_id like 'UC%'`)).toEqual([{ n: 0 }]);
  });

  it('a GBK file still loads (detected), and nothing anywhere holds U+FFFD', async () => {
    const f = write('gbk-ok.csv', iconv.encode(`${HEAD}\n${['GK1', 'GK2', 'GK3', 'GK4'].map(row).join('\n')}\n`, 'gbk'));
    const r = await ingestFiles(db, [f], { pipeline: false });
    expect(r.errors).toEqual([]);
    expect(r).toMatchObject({ inserted: 4, rejected: 0 });
    expect(r.files[0]?.encoding).toBe('gb18030');
    const [s] = await q<{ extra: Record<string, string> }>(`select extra from settlements where setl_id = 'GK1'`);
    expect(s?.extra).toEqual({ 备注: '晋城市人民医院' });
    expect(await q(`select setl_id from settlements where extra::text like '%\uFFFD%'`)).toEqual([]);
  });
});

describe('several files read at once in one process (the web server runs uploads side by side)', () => {
  it('each reader and each file hash sees only its own bytes', async () => {
    const files: Array<{ f: string; ids: string[] }> = [];
    for (let k = 0; k < 6; k++) {
      const ids = Array.from({ length: 3000 + k * 500 }, (_, i) => `CC${k}-${i}`);
      const body = ids.map((id) => settlement(id, { 备注: '甲'.repeat(k * 40) })).join('\n');
      if (k % 3 === 0) files.push({ f: write(`cc${k}.ndjson`, `${body}\n`), ids });
      else if (k % 3 === 1) files.push({ f: write(`cc${k}.csv`, iconv.encode(['setl_id,psn_no,备注', ...ids.map((id) => `${id},P1,${'乙'.repeat(k * 40)}`)].join('\n'), 'gbk')), ids });
      else files.push({ f: write(`cc${k}.csv`, ['setl_id,psn_no,备注', ...ids.map((id) => `${id},P1,${'丙'.repeat(k * 40)}`)].join('\n')), ids });
    }
    const sha = async (f: string) => {
      const h = createHash('sha256');
      for await (const b of fileBlocks(f)) h.update(b);
      return h.digest('hex');
    };
    for (let round = 0; round < 3; round++) {
      await Promise.all(
        files.map(async ({ f, ids }) => {
          const p = await openFile(f);
          const hash = sha(f);
          expect(p.fields).toEqual(expect.arrayContaining(['setl_id', 'psn_no']));
          const seen: string[] = [];
          for await (const b of p.rows) for (const r of b) seen.push(String(r.values.setl_id));
          expect(seen).toEqual(ids);
          expect(await hash).toBe(createHash('sha256').update(fs.readFileSync(f)).digest('hex'));
        }),
      );
    }
  });

  it('an empty upload says the file is empty, not "cannot tell the kind from the columns:" with no columns', async () => {
    const e = await failure([write('empty.ndjson', '')]);
    expect(e.message).toMatch(/文件为空/);
  });
});

describe('batches a killed process left running', () => {
  it('are marked failed at the next start with a Chinese message; a fresh one and those of a live load are left alone', async () => {
    const ins = async (name: string, ageSeconds: number) =>
      Number(
        (await q<{ id: string }>(`insert into ingest_batches (file_name, file_sha256, kind, format, status, started_at) values ($1, '', 'unknown', '', 'running', now() - make_interval(secs => $2)) returning id`, [name, ageSeconds]))[0]?.id,
      );
    const old = await ins('killed.ndjson', 3600);
    const fresh = await ins('arriving.ndjson', 5);
    const done = Number((await q<{ id: string }>(`insert into ingest_batches (file_name, file_sha256, kind, format, status) values ('done.ndjson', '', 'settlements', 'ndjson', 'done') returning id`))[0]?.id);

    // a load in progress holds the ingest lock: nothing is touched meanwhile
    const live = await db.$client.connect();
    await live.query('begin');
    await live.query("select pg_advisory_xact_lock(hashtext('ofm:ingest'))");
    try {
      expect(await finishStaleBatches(db)).toEqual([]);
    } finally {
      await live.query('rollback');
      live.release();
    }
    expect(await q(`select status from ingest_batches where id = $1`, [old])).toEqual([{ status: 'running' }]);

    expect(await finishStaleBatches(db)).toContain(old);
    const rows = await q<{ id: string; status: string; message: string | null; finished: boolean }>(
      `select id, status, message, finished_at is not null as finished from ingest_batches where id = any($1::bigint[]) order by id`,
      [[old, fresh, done]],
    );
    expect(rows.map((r) => ({ ...r, id: Number(r.id) }))).toEqual([
      { id: old, status: 'failed', message: STALE_MESSAGE, finished: true },
      { id: fresh, status: 'running', message: null, finished: false },
      { id: done, status: 'done', message: null, finished: false },
    ]);
    expect(STALE_MESSAGE).toMatch(/^导入进程意外中止/);
  });
});
