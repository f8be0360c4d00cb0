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
import { auditLog } from '../lib/db/schema';
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
  const ids = await insertAlerts(db, [
    { subjectType: 'institution', subjectId: 'H77', subjectName: '晋城市康宁诊所', period: '2024-03', amount: 50_000, setlIds: ['S-0301', 'S-0315'] },
    { subjectType: 'institution', subjectId: 'H77', subjectName: '晋城市康宁诊所', period: '2024-04', amount: 50_000, setlIds: ['S-0402'] },
  ]);
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
    for (const s of ['门诊统筹基金违规案件处理决定书', '1150.25', '2000.00', '3150.25', '1000.00', '150.25', '证据结算统筹基金支付（按月，元）', '2024-03', '2024-04', '500.00']) {
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
    expect(claims?.getRow(1).getCell(14).value).toBe('统筹基金支付(元)');
    expect(claims?.rowCount).toBe(4);
    expect(claims?.getRow(2).getCell(1).value).toBe('S-0301');
    expect(claims?.getRow(2).getCell(14).value).toBe(300);
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
