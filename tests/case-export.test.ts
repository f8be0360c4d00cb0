import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import { PDFParse } from 'pdf-parse';
import { beforeAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { createCase } from '../lib/cases/create';
import { setCasePenalty } from '../lib/cases/set-penalty';
import { transitionCase } from '../lib/cases/transition';
import type { Db } from '../lib/db/client';
import { alerts, auditLog } from '../lib/db/schema';
import { ForbiddenError } from '../lib/errors';
import { exportCaseFile } from '../lib/export/case-file';
import { insertAlerts, insertClaims, makeActors } from './cases-fixture';
import { runCli, testDatabase } from './db';

function unzip(buf: Buffer): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buf, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err ?? new Error('no zip'));
      const out = new Map<string, Buffer>();
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e ?? new Error('no stream'));
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            out.set(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.on('end', () => resolve(out));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

let db: Db;
let url: string;
let caseId = 0;
let A: Awaited<ReturnType<typeof makeActors>>;

beforeAll(async () => {
  ({ db, url } = await testDatabase());
  A = await makeActors(db);
  // Evidence: three claims of one institution in March and April 2024 (fund 300 + 200 in March, 500 in April).
  await insertClaims(db, [
    { id: 'S-0301', time: '2024-03-05 09:00:00+08', psn: 'P110101199001011234', inst: 'H77', fund: 30_000, medfee: 50_000 },
    { id: 'S-0315', time: '2024-03-15 10:30:00+08', psn: 'P110101199001015678', inst: 'H77', fund: 20_000, medfee: 40_000 },
    { id: 'S-0402', time: '2024-04-02 08:15:00+08', psn: 'P110101199001011234', inst: 'H77', fund: 50_000, medfee: 80_000 },
  ]);
  // The policy's re-computation of two of them (S-0402 is left without one): 250 and 180 元 against 300 and 200 settled.
  await db.$client.query(
    `insert into adjudications (admdvs, setl_id, setl_time, psn_no, policy_id, deductible, eligible, rate_bp, fund_pay, self_pay, year_fund_paid, year_deductible_paid, capped, clause, settled_fund_pay, computed_at)
     values ('140500', 'S-0301', '2024-03-05 09:00:00+08', 'P110101199001011234', 'shanxi-jincheng-2023', 8000, 50000, 5500, 25000, 25000, 25000, 8000, false, '四', 30000, now()),
            ('140500', 'S-0315', '2024-03-15 10:30:00+08', 'P110101199001015678', 'shanxi-jincheng-2023', 8000, 40000, 5500, 18000, 22000, 18000, 8000, false, '四', 20000, now())`,
  );
  const ids = await insertAlerts(db, [
    { subjectType: 'institution', subjectId: 'H77', subjectName: '晋城市康宁诊所', period: '2024-03', amount: 50_000, setlIds: ['S-0301', 'S-0315'] },
    { subjectType: 'institution', subjectId: 'H77', subjectName: '晋城市康宁诊所', period: '2024-04', amount: 50_000, setlIds: ['S-0402'] },
  ]);
  // PAY-DIFF's indicator value is the net difference in fen (14.60 元); its threshold 10.00 元
  await db.update(alerts).set({ value: 1460, threshold: 1000 }).where(eq(alerts.id, ids[0] ?? 0));
  caseId = (await createCase(db, A.inspector, { alertIds: ids, comment: '证据确凿，立案' }, { today: '2026-11-23' })).id;
  await transitionCase(db, A.inspector, caseId, { to: 'investigating', comment: '调查取证' });
  // 1000 元, band 0 → 2×; own pay 150.25: principal 1150.25, damages 2000.00, total 3150.25
  await setCasePenalty(db, A.reviewer, caseId, { ownPay: '150.25' });
  await transitionCase(db, A.inspector, caseId, { to: 'notified', comment: '告知' }, { today: '2026-11-23' });
  await transitionCase(db, A.reviewer, caseId, { to: 'decided', comment: '作出决定', waiveStatement: true }, { today: '2026-11-24' });
});

describe('case file export', () => {
  let files: Map<string, Buffer>;

  it('writes one ZIP whose manifest checksums every file', async () => {
    const r = await exportCaseFile(db, A.inspector, caseId, { now: new Date('2026-11-24T08:00:00Z') });
    files = await unzip(r.zip);
    expect([...files.keys()].sort()).toEqual(['alerts.csv', 'alerts.json', 'calculation.csv', 'calculation.json', 'decision-report.pdf', 'evidence.xlsx', 'manifest.json']);
    const manifest = JSON.parse(files.get('manifest.json')?.toString() ?? '{}') as { files: Array<{ name: string; bytes: number; sha256: string }>; masked: boolean };
    expect(manifest.files.map((f) => f.name).sort()).toEqual([...files.keys()].filter((n) => n !== 'manifest.json').sort());
    for (const f of manifest.files) {
      const data = files.get(f.name) ?? Buffer.alloc(0);
      expect(createHash('sha256').update(data).digest('hex')).toBe(f.sha256);
      expect(data.length).toBe(f.bytes);
    }
    expect(manifest.masked).toBe(true);
    expect(JSON.parse(files.get('manifest.json')?.toString() ?? '{}').generated_at).toBe('2026-11-24T16:00:00+08:00');
    const audits = await db.select().from(auditLog).where(and(eq(auditLog.action, 'case.export'), eq(auditLog.entityId, String(caseId))));
    expect(audits).toHaveLength(1);
  });

  it('the PDF carries the case amounts in extractable Chinese text', async () => {
    const pdf = files.get('decision-report.pdf') ?? Buffer.alloc(0);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.toString('latin1')).toContain('NotoSansCJKsc-Regular');
    const parser = new PDFParse({ data: new Uint8Array(pdf) });
    const text = (await parser.getText()).text.replace(/\s+/g, ' ');
    await parser.destroy();
    for (const s of ['门诊统筹基金违规案件处理决定书', '1,150.25', '2,000.00', '3,150.25', '1,000.00', '150.25', '证据结算统筹基金支付（按月，元）', '2024-03', '2024-04', '500.00']) {
      expect(text).toContain(s);
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'case-pdf-'));
    fs.writeFileSync(path.join(dir, 'r.pdf'), pdf);
    execFileSync('pdftoppm', ['-png', '-r', '60', path.join(dir, 'r.pdf'), path.join(dir, 'page')]);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.png')).length).toBeGreaterThan(0);
    if (process.env.OFM_KEEP_PDF) fs.cpSync(dir, process.env.OFM_KEEP_PDF, { recursive: true });
  });

  it('the XLSX has Chinese headers, the claims and fee lines, and masked person numbers', async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(files.get('evidence.xlsx') as unknown as ArrayBuffer);
    const claims = wb.getWorksheet('证据结算');
    const lines = wb.getWorksheet('费用明细');
    expect(claims?.getRow(1).getCell(1).value).toBe('结算ID');
    expect(claims?.getRow(1).getCell(15).value).toBe('统筹基金支付(元)');
    expect(claims?.rowCount).toBe(4);
    expect(claims?.getRow(2).getCell(1).value).toBe('S-0301');
    expect(claims?.getRow(2).getCell(15).value).toBe(300);
    expect(String(claims?.getRow(2).getCell(3).value)).toBe('P11**************34');
    expect(lines?.getRow(1).getCell(9).value).toBe('医保目录名称');
    expect(lines?.getRow(2).getCell(9).value).toBe('阿莫西林胶囊');
    const csv = files.get('alerts.csv')?.toString('utf8') ?? '';
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    expect(csv).toContain('预警ID,规则');
    const calc = JSON.parse(files.get('calculation.json')?.toString() ?? '{}');
    expect(calc.penalty).toMatchObject({ principal: '1150.25', damages: '2000.00', total: '3150.25', multiple: 2 });
    expect(Object.keys(calc.penalty)).toEqual(['principal', 'damages', 'total', 'multiple', 'basis']);
    for (const [name, data] of files) if (name !== 'decision-report.pdf' && name !== 'evidence.xlsx') expect(data.toString()).not.toContain('P110101199001011234');
  });

  it('reveals identifiers only for a user allowed to, when asked', async () => {
    await expect(exportCaseFile(db, A.viewer, caseId)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(exportCaseFile(db, A.viewer, caseId, { reveal: true })).rejects.toBeInstanceOf(ForbiddenError);
    const r = await exportCaseFile(db, A.inspector, caseId, { reveal: true });
    const f = await unzip(r.zip);
    expect(JSON.parse(f.get('manifest.json')?.toString() ?? '{}').masked).toBe(false);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(f.get('evidence.xlsx') as unknown as ArrayBuffer);
    expect(wb.getWorksheet('证据结算')?.getRow(2).getCell(3).value).toBe('P110101199001011234');
  });

  it('case export through the CLI writes the same kind of file', async () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'case-zip-')), 'case.zip');
    const r = await runCli(['case', 'export', String(caseId), '--out', out, '--json'], { url });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.masked).toBe(true);
    const f = await unzip(fs.readFileSync(out));
    const manifest = JSON.parse(f.get('manifest.json')?.toString() ?? '{}') as { files: Array<{ name: string; sha256: string }> };
    for (const m of manifest.files) expect(createHash('sha256').update(f.get(m.name) ?? Buffer.alloc(0)).digest('hex')).toBe(m.sha256);
    const bad = await runCli(['case', 'export', '999999', '--out', out], { url });
    expect(bad.code).toBe(1);
    const noOut = await runCli(['case', 'export', String(caseId)], { url });
    expect(noOut.code).toBe(1);
    expect(noOut.stderr).toContain('out');
  });
});

async function pdfText(pdf: Buffer): Promise<{ text: string; pages: number }> {
  const parser = new PDFParse({ data: new Uint8Array(pdf) });
  const r = await parser.getText();
  await parser.destroy();
  return { text: r.text.replace(/\s+/g, ' '), pages: r.total };
}

async function sheetRows(xlsx: Buffer, name: string): Promise<string[][]> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(xlsx as unknown as ArrayBuffer);
  const ws = wb.getWorksheet(name);
  const out: string[][] = [];
  ws?.eachRow((row) => out.push(Array.from((row.values as unknown[]).slice(1), (v) => (v === null || v === undefined ? "" : String(v)))));
  return out;
}

describe('case file content (issue 18 items 7 and 8)', () => {
  let files: Map<string, Buffer>;
  beforeAll(async () => {
    const zip = (await exportCaseFile(db, A.inspector, caseId, { now: new Date('2026-11-24T08:00:00Z') })).zip;
    if (process.env.OFM_KEEP_CASE_FILES) fs.writeFileSync(path.join(process.env.OFM_KEEP_CASE_FILES, 'case-decided.zip'), zip);
    files = await unzip(zip);
  });

  it('alerts.csv gives the indicator in 元 like the amount, and labels instead of English codes', () => {
    const csv = files.get('alerts.csv')?.toString('utf8') ?? '';
    const [header, first] = csv.replace(/^\uFEFF/, '').split('\r\n').map((l) => l.split(','));
    const col = (h: string) => first?.[header?.indexOf(h) ?? -1];
    expect(col('指标值')).toBe('14.60');
    expect(col('阈值')).toBe('10.00');
    expect(col('指标单位')).toBe('元');
    expect(col('涉及金额（元）')).toBe('500.00');
    expect(col('规则名称')).toBe('统筹支付与政策重算结果不符');
    expect(col('对象类型')).toBe('机构');
    expect(col('结果类型')).toBe('明确违规');
    expect(col('严重程度')).toBe('高');
    for (const english of ['institution', 'violation', ',high,']) expect(csv).not.toContain(english);
    const json = JSON.parse(files.get('alerts.json')?.toString() ?? '[]') as Array<{ value: string; unit: string }>;
    expect(json[0]).toMatchObject({ value: '14.60', unit: '元' });
  });

  it('calculation.csv names every item in Chinese', () => {
    const csv = files.get('calculation.csv')?.toString('utf8') ?? '';
    for (const s of ['追回违规本金（元）,1150.25', '违约金（元）,2000.00', '处理合计（元）,3150.25', '违约金倍数,2', '计算依据']) expect(csv).toContain(s);
    for (const k of ['principal', 'damages', 'multiple', 'basis', 'total']) expect(csv).not.toMatch(new RegExp(`(^|\\n)${k},`));
  });

  it('evidence.xlsx sets each claim beside the fund payment re-computed under the policy, the difference, and code labels', async () => {
    const rows = await sheetRows(files.get('evidence.xlsx') ?? Buffer.alloc(0), '证据结算');
    const h = rows[0] ?? [];
    const at = (r: number, name: string) => rows[r]?.[h.indexOf(name)];
    expect(h).toContain('统筹支付（按政策重算）(元)');
    expect(at(1, '统筹基金支付(元)')).toBe('300');
    expect(at(1, '统筹支付（按政策重算）(元)')).toBe('250');
    expect(at(1, '差额（实付−重算）(元)')).toBe('50');
    expect(at(1, '重算政策版本')).toBe('shanxi-jincheng-2023');
    expect(at(2, '差额（实付−重算）(元)')).toBe('20');
    expect(at(3, '统筹支付（按政策重算）(元)')).toBe('');
    expect(at(1, '人员类别')).toBe('1101 在职');
    expect(at(1, '医疗类别')).toBe('11 普通门诊');
    expect(at(1, '医院等级')).toBe('二级');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(files.get('evidence.xlsx') as unknown as ArrayBuffer);
    expect(wb.getWorksheet('证据结算')?.getRow(2).getCell(h.indexOf('统筹支付（按政策重算）(元)') + 1).numFmt).toBe('#,##0.00');
    const lines = await sheetRows(files.get('evidence.xlsx') ?? Buffer.alloc(0), '费用明细');
    const lh = lines[0] ?? [];
    expect(lines[1]?.[lh.indexOf('医疗收费项目类别')]).toBe('09 西药');
    expect(lines[1]?.[lh.indexOf('收费项目等级')]).toBe('01 甲类');
  });

  it('the PDF states the re-computed sum, numbers its pages and ends with a signature and seal block', async () => {
    const { text, pages } = await pdfText(files.get('decision-report.pdf') ?? Buffer.alloc(0));
    expect(text).toContain('按在用政策重算统筹支付合计 430.00 元，实付与重算之差 70.00 元');
    expect(pages).toBeGreaterThan(1);
    for (let i = 1; i <= pages; i++) expect(text).toContain(`第 ${i} 页 共 ${pages} 页`);
    for (const s of ['承办人（签名）', '审核人（签名）', '医疗保障行政部门印章', '日期']) expect(text).toContain(s);
    expect(text).toContain('统筹支付与政策重算结果不符');
  });

  it('the PDF is titled by the document its stage warrants, not 处理决定书 before a decision', async () => {
    await insertClaims(db, [{ id: 'S-0610', time: '2024-06-10 09:00:00+08', psn: 'P220101199001011111', inst: 'H78', fund: 12_000, medfee: 20_000 }]);
    const [aid] = await insertAlerts(db, [{ subjectType: 'institution', subjectId: 'H78', subjectName: '晋城市安和诊所', period: '2024-06', amount: 12_000, setlIds: ['S-0610'] }]);
    const id = (await createCase(db, A.inspector, { alertIds: [aid ?? 0], comment: '立案' }, { today: '2026-11-23' })).id;
    const title = async () => {
      const zip = (await exportCaseFile(db, A.inspector, id)).zip;
      // OFM_KEEP_CASE_FILES=DIR keeps each stage's ZIP for a look at the files
      if (process.env.OFM_KEEP_CASE_FILES) fs.writeFileSync(path.join(process.env.OFM_KEEP_CASE_FILES, `case-${id}-${Date.now()}.zip`), zip);
      return (await pdfText((await unzip(zip)).get('decision-report.pdf') ?? Buffer.alloc(0))).text;
    };
    let t = await title();
    expect(t).toContain('门诊统筹基金违规案件立案审批表');
    expect(t).not.toContain('处理决定书');
    await transitionCase(db, A.inspector, id, { to: 'investigating', comment: '调查' });
    t = await title();
    expect(t).toContain('门诊统筹基金违规案件调查终结报告');
    expect(t).toContain('四、拟处理意见');
    expect(t).not.toContain('处理决定书');
    await setCasePenalty(db, A.reviewer, id, {});
    await transitionCase(db, A.inspector, id, { to: 'notified', comment: '告知' }, { today: '2026-11-23' });
    t = await title();
    expect(t).toContain('门诊统筹基金违规案件行政处罚事先告知书');
    expect(t).not.toContain('处理决定书');
  });

  it('an insured-person case lists its evidence settlements and charts them by their own months', async () => {
    const psn = 'P330101198001012222';
    await insertClaims(db, [
      { id: 'S-P-0505', time: '2024-05-05 09:00:00+08', psn, inst: 'H77', fund: 7_000, medfee: 9_000 },
      { id: 'S-P-0601', time: '2024-06-01 07:30:00+08', psn, inst: 'H78', fund: 4_000, medfee: 6_000 },
    ]);
    // TOP-FUND: a year's use, no settlement ids cited (another person's claim in the year stays out)
    await insertClaims(db, [{ id: 'S-Q-0510', time: '2024-05-10 09:00:00+08', psn: 'P440101198001013333', inst: 'H77', fund: 9_900, medfee: 12_000 }]);
    const [aid] = await insertAlerts(db, [{ rule: 'TOP-FUND', subjectType: 'insured', subjectId: psn, subjectName: '张三', period: '2024-01', amount: 11_000 }]);
    await db.update(alerts).set({ periodKey: '2024', periodStart: '2024-01-01', periodEnd: '2024-12-31' }).where(eq(alerts.id, aid ?? 0));
    const id = (await createCase(db, A.inspector, { alertIds: [aid ?? 0], comment: '立案' }, { today: '2026-11-23' })).id;
    const zip = (await exportCaseFile(db, A.inspector, id)).zip;
    if (process.env.OFM_KEEP_CASE_FILES) fs.writeFileSync(path.join(process.env.OFM_KEEP_CASE_FILES, 'case-insured.zip'), zip);
    const f = await unzip(zip);
    const rows = await sheetRows(f.get('evidence.xlsx') ?? Buffer.alloc(0), '证据结算');
    expect(rows.map((r) => r[0]).slice(1)).toEqual(['S-P-0505', 'S-P-0601']);
    // 2024-06-01 07:30 Shanghai is still 2024-05-31 in UTC: the June bar must hold it
    expect(rows[2]?.[1]).toBe('2024-06-01 07:30:00');
    const { text } = await pdfText(f.get('decision-report.pdf') ?? Buffer.alloc(0));
    expect(text).toContain('证据结算统筹基金支付（按月，元）');
    expect(text).toContain('证据结算 2 笔');
    expect(text).toMatch(/70\.00.*40\.00|40\.00.*70\.00/);
    expect(text).toContain('2024-05');
    expect(text).toContain('2024-06');
    expect(text).not.toContain('99.00');
    expect(text).not.toContain(psn);
  });
});
