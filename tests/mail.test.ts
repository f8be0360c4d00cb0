/**
 * The weekly digest end to end, against a real SMTP server in this process (smtp-server) whose
 * messages are parsed back with mailparser, and a real Postgres (pg-boss included).
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../lib/db/client';
import { alerts, auditLog, mailAttempts, mailSent, mailSubscriptions } from '../lib/db/schema';
import { ForbiddenError, InputError } from '../lib/errors';
import { deliverDigest, definitelyNotDelivered } from '../lib/mail/deliver';
import { buildDigest } from '../lib/mail/digest';
import { SEND_QUEUE, startMailWorker, WEEKLY_QUEUE, type MailWorker } from '../lib/mail/jobs';
import { runDigest } from '../lib/mail/run';
import { listRecipients, recipientFor, saveSubscription } from '../lib/mail/subscriptions';
import { outboxTransport, smtpTransport } from '../lib/mail/transport';
import { parseWeek } from '../lib/mail/week';
import { PSN, PSN_NAME, seedDigestFixture, type Fixture } from './mail-fixture';
import { testDatabase } from './db';

process.env.APP_URL = 'https://ofm.example.cn';

interface Received {
  raw: string;
  parsed: ParsedMail;
  to: string[];
}

const received: Received[] = [];

function startSmtp(port = 0): Promise<{ server: SMTPServer; port: number }> {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        simpleParser(raw)
          .then((parsed) => {
            received.push({ raw: raw.toString('latin1'), parsed, to: session.envelope.rcptTo.map((r) => r.address) });
            cb();
          })
          .catch((e: Error) => cb(e));
      });
    },
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const addr = server.server.address() as net.AddressInfo;
      resolve({ server, port: addr.port });
    });
  });
}

const stopSmtp = (s: SMTPServer) => new Promise<void>((r) => s.close(() => r()));

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function waitFor(check: () => Promise<boolean>, ms: number, what: string) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const mailsTo = (email: string, week: string) => received.filter((m) => m.to.includes(email) && m.parsed.headers.get('x-ofm-digest-week') === week);

let db: Db;
let url: string;
let fx: Fixture;
let smtp: { server: SMTPServer; port: number };

beforeAll(async () => {
  ({ db, url } = await testDatabase());
  fx = await seedDigestFixture(db);
  smtp = await startSmtp();
});
afterAll(async () => {
  await stopSmtp(smtp.server);
});

describe('weekly digest mail', () => {
  it('lists subscribers: inspectors and reviewers by default, not viewers', async () => {
    const r = await listRecipients(db);
    expect(r.map((x) => x.email)).toEqual(['jc@example.cn', 'nc@example.cn', 'lead@example.cn']);
    expect(r.find((x) => x.email === 'lead@example.cn')?.regions).toEqual(['140500', '360100']);
  });

  it('sends one mail per recipient with the week’s content, chart, links and masked identifiers', async () => {
    const t = smtpTransport(`smtp://127.0.0.1:${smtp.port}`);
    const out = await runDigest(db, parseWeek('2026-W47'), { send: true, transport: t });
    t.close();
    expect(out.map((o) => [o.email, o.status])).toEqual([
      ['jc@example.cn', 'sent'],
      ['nc@example.cn', 'sent'],
      ['lead@example.cn', 'sent'],
    ]);
    expect(received).toHaveLength(3);

    const [jc] = mailsTo('jc@example.cn', '2026-W47');
    if (!jc) throw new Error('no mail to jc');
    // Chinese subject: RFC 2047 encoded on the wire, decoded back exactly.
    expect(jc.raw).toMatch(/^Subject: =\?UTF-8\?[BQ]\?/im);
    expect(jc.parsed.subject).toBe('【门诊统筹监管周报】2026年第47周 晋城市 新增预警 5 条');
    expect(jc.parsed.messageId).toBe(`<digest-2026-W47-${fx.jc}@ofm>`);
    const html = jc.parsed.html || '';
    const text = jc.parsed.text ?? '';
    // week-on-week: 5 this week vs 2 in W46
    expect(text).toContain('本周新增预警 5 条（高 2，中 2，低 1），涉及金额 9,570.00 元');
    expect(text).toContain('较上周：+3（+150.0%），上周 2 条');
    expect(html).toContain('+3（+150.0%）');
    expect(text).toContain('普通疾病处方超最长天数（RX-DAYS-ORD）：本周 2 条（高 2，中 0，低 0），上周 1 条');
    // top subjects: the insured person first (2 alerts, 8,300 元), then H1 (2 alerts, 1,250 元), then H2
    const ids = await db.select({ id: alerts.id, subjectId: alerts.subjectId, ruleId: alerts.ruleId }).from(alerts).where(eq(alerts.regionCode, '140500'));
    const idOf = (subjectId: string, ruleId: string) => ids.find((a) => a.subjectId === subjectId && a.ruleId === ruleId)?.id;
    const top = text.slice(text.indexOf('二、重点对象'), text.indexOf('三、'));
    expect(top.indexOf('P14********23')).toBeLessThan(top.indexOf('H1'));
    expect(top.indexOf('H1')).toBeLessThan(top.indexOf('H2'));
    expect(top).toContain('8,300.00 元');
    for (const id of [idOf('H1', 'RX-DAYS-ORD'), idOf('H1', 'SPLIT-VISIT'), idOf(PSN, 'TOP-FUND')]) {
      expect(html).toContain(`href="https://ofm.example.cn/alerts/${id}"`);
      expect(text).toContain(`https://ofm.example.cn/alerts/${id}`);
    }
    // the insured person's number and name are masked everywhere, including the case title
    for (const body of [html, text, jc.parsed.subject ?? '']) {
      expect(body).not.toContain(PSN);
      expect(body).not.toContain(PSN_NAME);
    }
    expect(text).toContain('P14********23 张**');
    // cases: overdue first, then 3 and 7 days left; closed and far-off cases left out
    const casesPart = text.slice(text.indexOf('三、'));
    expect(casesPart.indexOf('JC-2026-002')).toBeGreaterThan(-1);
    expect(casesPart.indexOf('JC-2026-002')).toBeLessThan(casesPart.indexOf('JC-2026-001'));
    expect(casesPart.indexOf('JC-2026-001')).toBeLessThan(casesPart.indexOf('JC-2026-005'));
    expect(casesPart).toContain('已逾期 3 天');
    expect(casesPart).toContain('剩余 3 天');
    expect(casesPart).not.toContain('JC-2026-003');
    expect(casesPart).not.toContain('JC-2026-004');
    expect(html).toMatch(/href="https:\/\/ofm\.example\.cn\/cases\/\d+"/);
    // region scoping: nothing from 南昌
    for (const body of [html, text]) {
      expect(body).not.toContain('NC-H360');
      expect(body).not.toContain('南昌');
      expect(body).not.toContain('NC-2026-001');
    }
    // the inline chart: a PNG attachment referenced by cid from the HTML
    expect(jc.parsed.attachments).toHaveLength(1);
    const chart = jc.parsed.attachments[0];
    expect(chart?.contentType).toBe('image/png');
    expect(chart?.cid).toBe('digest-chart@ofm');
    expect(chart?.contentDisposition).toBe('inline');
    expect(chart?.content.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect(chart?.content.length).toBeGreaterThan(2000);
    // mailparser rewrites cid: references into data: URIs in .html; the raw part keeps the cid
    expect(jc.raw).toContain('cid:digest-chart@ofm');

    const [nc] = mailsTo('nc@example.cn', '2026-W47');
    expect(nc?.parsed.subject).toBe('【门诊统筹监管周报】2026年第47周 南昌市 新增预警 1 条');
    expect(nc?.parsed.text).not.toContain('晋城');
    const [lead] = mailsTo('lead@example.cn', '2026-W47');
    // min severity high: 2 in 晋城 + 1 in 南昌; W46 had 1 high
    expect(lead?.parsed.subject).toBe('【门诊统筹监管周报】2026年第47周 晋城市、南昌市 新增预警 3 条');
    expect(lead?.parsed.text).toContain('较上周：+2（+200.0%），上周 1 条');
    expect(lead?.parsed.text).not.toContain('SPLIT-VISIT（');

    const log = await db.select().from(mailSent).where(eq(mailSent.week, '2026-W47'));
    expect(log.map((l) => l.status)).toEqual(['sent', 'sent', 'sent']);
    expect(log.find((l) => l.userId === fx.jc)?.regionCodes).toEqual(['140500']);
  });

  it('sends nothing the second time in the same week', async () => {
    const t = smtpTransport(`smtp://127.0.0.1:${smtp.port}`);
    const out = await runDigest(db, parseWeek('2026-W47'), { send: true, transport: t });
    t.close();
    expect(out.map((o) => [o.status, o.reason])).toEqual([
      ['skipped', 'already_sent'],
      ['skipped', 'already_sent'],
      ['skipped', 'already_sent'],
    ]);
    expect(received).toHaveLength(3);
  });

  it('does not resend after a crash between send and log (SMTP: left for an admin; outbox: the file decides)', async () => {
    const week = parseWeek('2026-W48');
    const r = await recipientFor(db, fx.jc);
    const digest = await buildDigest(db, r, week);
    const t = smtpTransport(`smtp://127.0.0.1:${smtp.port}`);
    await expect(
      deliverDigest(db, r, digest, {
        transport: t,
        afterSend: () => {
          throw new Error('simulated crash');
        },
      }),
    ).rejects.toThrow('simulated crash');
    expect(mailsTo('jc@example.cn', '2026-W48')).toHaveLength(1);
    // A retry while the claim is fresh does nothing; once stale it is marked unknown, not resent.
    expect((await deliverDigest(db, r, digest, { transport: t })).reason).toBe('in_progress');
    const again = await deliverDigest(db, r, digest, { transport: t, staleMinutes: 0 });
    expect(again).toMatchObject({ status: 'skipped', reason: 'unknown_needs_admin' });
    const out = await runDigest(db, week, { send: true, transport: t, staleMinutes: 0, userIds: [fx.jc] });
    expect(out[0]?.status).toBe('skipped');
    t.close();
    expect(mailsTo('jc@example.cn', '2026-W48')).toHaveLength(1);
    const [row] = await db.select().from(mailSent).where(and(eq(mailSent.week, '2026-W48'), eq(mailSent.userId, fx.jc)));
    expect(row?.status).toBe('unknown');

    // Outbox: the .eml written before the crash proves delivery; the retry marks it sent, no second file.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ofm-outbox-'));
    const ob = outboxTransport(dir);
    const rn = await recipientFor(db, fx.nc);
    const dn = await buildDigest(db, rn, week);
    await expect(deliverDigest(db, rn, dn, { transport: ob, afterSend: () => Promise.reject(new Error('simulated crash')) })).rejects.toThrow();
    expect(await deliverDigest(db, rn, dn, { transport: ob, staleMinutes: 0 })).toMatchObject({ status: 'skipped', reason: 'already_sent' });
    expect(fs.readdirSync(dir)).toEqual([`digest-2026-W48-${fx.nc}_ofm.eml`]);
    const eml = await simpleParser(fs.readFileSync(path.join(dir, fs.readdirSync(dir)[0] ?? '')));
    expect(eml.subject).toBe('【门诊统筹监管周报】2026年第48周 南昌市 新增预警 0 条');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('classifies send errors: refused connection is definite, a dropped DATA is ambiguous', () => {
    expect(definitelyNotDelivered({ code: 'ECONNECTION', command: 'CONN' })).toBe(true);
    expect(definitelyNotDelivered({ code: 'EMESSAGE', command: 'DATA', responseCode: 451 })).toBe(true);
    expect(definitelyNotDelivered({ code: 'ETIMEDOUT', command: 'DATA' })).toBe(false);
    expect(definitelyNotDelivered(new Error('socket hang up'))).toBe(false);
  });

  it('pg-boss: retries after a refused connection with backoff, and a second schedule run sends nothing more', async () => {
    const port = await freePort();
    let worker: MailWorker | undefined;
    let late: { server: SMTPServer } | undefined;
    try {
      worker = await startMailWorker({ url, db, transport: smtpTransport(`smtp://127.0.0.1:${port}`), retryDelaySeconds: 1, pollingIntervalSeconds: 0.5, log: () => undefined });
      const schedules = await worker.boss.getSchedules();
      expect(schedules.find((s) => s.name === WEEKLY_QUEUE)).toMatchObject({ cron: '0 8 * * 1', options: { tz: 'Asia/Shanghai' } });
      expect(await worker.boss.getQueue(SEND_QUEUE)).toMatchObject({ retryBackoff: true, retryDelay: 1 });
      await worker.boss.send(WEEKLY_QUEUE, { week: '2026-W46' });
      // port closed: every recipient fails at least once, recorded with the error
      await waitFor(async () => (await db.select().from(mailAttempts).where(and(eq(mailAttempts.week, '2026-W46'), eq(mailAttempts.ok, false)))).length >= 3, 30_000, 'failed attempts');
      const failed = await db.select().from(mailSent).where(eq(mailSent.week, '2026-W46'));
      expect(failed.map((f) => f.status).every((s) => s === 'failed' || s === 'sending')).toBe(true);
      expect(failed.some((f) => /ECONN/.test(f.lastError ?? ''))).toBe(true);
      // open the port: the retries get through
      late = await startSmtp(port);
      await waitFor(async () => (await db.select().from(mailSent).where(and(eq(mailSent.week, '2026-W46'), eq(mailSent.status, 'sent')))).length === 3, 60_000, 'sent after retry');
      const rows = await db.select().from(mailSent).where(eq(mailSent.week, '2026-W46'));
      expect(rows.every((x) => x.attempts >= 2 && x.lastError === null)).toBe(true);
      // the schedule fires again in the same week
      await worker.boss.send(WEEKLY_QUEUE, { week: '2026-W46' });
      await new Promise((r) => setTimeout(r, 3000));
      for (const e of ['jc@example.cn', 'nc@example.cn', 'lead@example.cn']) expect(mailsTo(e, '2026-W46')).toHaveLength(1);
      expect(mailsTo('viewer@example.cn', '2026-W46')).toHaveLength(0);
    } finally {
      await worker?.stop();
      if (late) await stopSmtp(late.server);
    }
  }, 120_000);
});

describe('subscriptions', () => {
  const inspector = () => ({ userId: fx.jc, name: 'jc@example.cn', role: 'inspector' as const, regions: ['140500'] });
  const admin = { userId: 999, name: 'admin', role: 'admin' as const, regions: ['*'] };

  it('lets a user manage their own, an admin anyone’s, within the user’s regions, audited', async () => {
    await expect(saveSubscription(db, inspector(), { userId: fx.nc, enabled: false, regions: [], rules: [], minSeverity: 'low' })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(saveSubscription(db, inspector(), { userId: fx.jc, enabled: true, regions: ['360100'], rules: [], minSeverity: 'low' })).rejects.toBeInstanceOf(InputError);
    await expect(saveSubscription(db, inspector(), { userId: fx.jc, enabled: true, regions: [], rules: ['NO-SUCH'], minSeverity: 'low' })).rejects.toBeInstanceOf(InputError);
    await expect(saveSubscription(db, inspector(), { userId: fx.jc, enabled: true, regions: [], rules: [], minSeverity: 'urgent' })).rejects.toBeInstanceOf(InputError);
    const s = await saveSubscription(db, inspector(), { userId: fx.jc, enabled: true, regions: ['140500'], rules: ['SPLIT-VISIT'], minSeverity: 'medium' });
    expect(s).toMatchObject({ rules: ['SPLIT-VISIT'], minSeverity: 'medium', isDefault: false });
    await saveSubscription(db, admin, { userId: fx.viewer, enabled: true, regions: [], rules: [], minSeverity: 'high' });
    expect((await listRecipients(db)).map((r) => r.email)).toContain('viewer@example.cn');
    const trail = await db.select().from(auditLog).where(eq(auditLog.action, 'mail.subscription.save'));
    expect(trail).toHaveLength(2);
    // the rule filter applies to the content: only SPLIT-VISIT (2 medium alerts) in W47
    const d = await buildDigest(db, await recipientFor(db, fx.jc), parseWeek('2026-W47'));
    expect(d.subject).toBe('【门诊统筹监管周报】2026年第47周 晋城市 新增预警 2 条');
    expect(d.counts.by_rule).toEqual({ 'SPLIT-VISIT': 2 });
    const [row] = await db.select().from(mailSubscriptions).where(eq(mailSubscriptions.userId, fx.jc));
    expect(row?.updatedBy).toBe(fx.jc);
  });
});
