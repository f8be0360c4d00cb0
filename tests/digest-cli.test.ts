/** `digest --week YYYY-Www [--send] [--json]` through the real CLI process, and ISO weeks in Asia/Shanghai. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseWeek, previousWeek, weekOf } from '../lib/mail/week';
import { reportWeek, sendJobId } from '../lib/mail/jobs';
import { seedDigestFixture, type Fixture } from './mail-fixture';
import { runCli, testDatabase } from './db';

describe('ISO weeks in Asia/Shanghai', () => {
  it('parses and computes weeks, with the Shanghai day boundary', () => {
    const w = parseWeek('2026-W47');
    expect([w.monday, w.nextMonday, w.start.toISOString(), w.end.toISOString()]).toEqual(['2026-11-16', '2026-11-23', '2026-11-15T16:00:00.000Z', '2026-11-22T16:00:00.000Z']);
    // 2026-11-22 23:30 in Shanghai is still Sunday of W47; 00:30 on Monday is W48
    expect(weekOf(new Date('2026-11-22T15:30:00Z')).key).toBe('2026-W47');
    expect(weekOf(new Date('2026-11-22T16:30:00Z')).key).toBe('2026-W48');
    // year boundaries: 2021-01-01 (Friday) is in 2020-W53; 2024-12-30 (Monday) starts 2025-W01
    expect(weekOf(new Date('2021-01-01T04:00:00Z')).key).toBe('2020-W53');
    expect(weekOf(new Date('2024-12-30T04:00:00Z')).key).toBe('2025-W01');
    expect(parseWeek('2026-W53').monday).toBe('2026-12-28');
    expect(() => parseWeek('2025-W53')).toThrow(/第 53 周/);
    expect(() => parseWeek('2026-47')).toThrow(/YYYY-Www/);
    expect(previousWeek(parseWeek('2026-W01')).key).toBe('2025-W52');
    // the Monday 08:00 run reports the week that just ended
    expect(reportWeek(new Date('2026-11-23T00:00:00Z')).key).toBe('2026-W47');
    expect(sendJobId('2026-W47', 1)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(sendJobId('2026-W47', 1)).not.toBe(sendJobId('2026-W47', 2));
  });
});

describe('digest CLI', () => {
  let url: string;
  let fx: Fixture;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ofm-digest-cli-'));
  const env = { DATA_DIR: dataDir, SMTP_URL: '', APP_URL: 'https://ofm.example.cn' };
  beforeAll(async () => {
    const t = await testDatabase();
    url = t.url;
    fx = await seedDigestFixture(t.db);
  });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('builds without sending, then sends to the outbox once, with --json', async () => {
    const dry = await runCli(['digest', '--week', '2026-W47', '--json'], { url, env });
    expect(dry.stderr).toBe('');
    expect(dry.code).toBe(0);
    const doc = JSON.parse(dry.stdout);
    expect(doc).toMatchObject({ week: '2026-W47', from: '2026-11-16', to: '2026-11-22', send: false, sent: 0, skipped: 3, failed: 0 });
    expect(doc.recipients.map((r: { email: string; status: string; reason: string }) => [r.email, r.status, r.reason])).toEqual([
      ['jc@example.cn', 'skipped', 'not_sent'],
      ['nc@example.cn', 'skipped', 'not_sent'],
      ['lead@example.cn', 'skipped', 'not_sent'],
    ]);
    expect(doc.recipients[0]).toMatchObject({
      user_id: fx.jc,
      regions: ['140500'],
      subject: '【门诊统筹监管周报】2026年第47周 晋城市 新增预警 5 条',
      counts: { new_alerts: 5, previous_week: 2, by_severity: { high: 2, medium: 2, low: 1 }, by_rule: { 'RX-DAYS-ORD': 2, 'SPLIT-VISIT': 2, 'TOP-FUND': 1 }, top_subjects: 3, cases_near_deadline: 3, open_backlog: 5 },
    });
    // a dry run writes previews only, apart from the outbox's sent mail
    expect(fs.readdirSync(path.join(dataDir, 'outbox'))).toEqual(['preview']);
    expect(doc.preview_dir).toBe(path.join(dataDir, 'outbox', 'preview'));

    const sent = await runCli(['digest', '--week', '2026-W47', '--send', '--json'], { url, env });
    expect(sent.code).toBe(0);
    const s = JSON.parse(sent.stdout);
    expect(s).toMatchObject({ send: true, transport: 'outbox', sent: 3, skipped: 0 });
    const files = fs.readdirSync(path.join(dataDir, 'outbox')).filter((f) => f.endsWith('.eml')).sort();
    expect(files).toEqual([fx.jc, fx.lead, fx.nc].map((id) => `digest-2026-W47-${id}_ofm.eml`).sort());
    const mail = await simpleParser(fs.readFileSync(path.join(dataDir, 'outbox', `digest-2026-W47-${fx.jc}_ofm.eml`)));
    expect(mail.subject).toBe('【门诊统筹监管周报】2026年第47周 晋城市 新增预警 5 条');
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.value[0]?.address : undefined).toBe('jc@example.cn');
    expect(mail.text).toContain('https://ofm.example.cn/alerts/');
    expect(mail.attachments[0]?.contentType).toBe('image/png');

    const again = await runCli(['digest', '--week', '2026-W47', '--send', '--json'], { url, env });
    expect(JSON.parse(again.stdout)).toMatchObject({ sent: 0, skipped: 3 });
    expect(JSON.parse(again.stdout).recipients.every((r: { reason: string }) => r.reason === 'already_sent')).toBe(true);
    expect(fs.readdirSync(path.join(dataDir, 'outbox')).filter((f) => f.endsWith('.eml'))).toHaveLength(3);

    const human = await runCli(['digest', '--week', '2026-W47'], { url, env });
    expect(human.stdout).toContain('2026-W47（2026-11-16 至 2026-11-22）周报：收件人 3 位');
  });

  it('without --send writes previews under DATA_DIR/outbox/preview and says where; links go to the app as served; the mail names its detection week and data period', async () => {
    // no APP_URL: the address `npm start` recorded for this data directory (PORT 3100), not localhost:3000
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ofm-digest-preview-'));
    fs.writeFileSync(path.join(dir, 'app-url.json'), JSON.stringify({ url: 'http://localhost:3100' }));
    const r = await runCli(['digest', '--week', '2026-W47'], { url, env: { DATA_DIR: dir, SMTP_URL: '', APP_URL: '' } });
    expect(r.code).toBe(0);
    const previewDir = path.join(dir, 'outbox', 'preview');
    expect(r.stdout).toContain(previewDir);
    expect(r.stdout).toContain('未发送');
    const files = fs.readdirSync(previewDir).sort();
    expect(files).toEqual([fx.jc, fx.lead, fx.nc].map((id) => `digest-2026-W47-${id}_ofm.eml`).sort());
    const mail = await simpleParser(fs.readFileSync(path.join(previewDir, `digest-2026-W47-${fx.jc}_ofm.eml`)));
    expect(mail.text).toContain('http://localhost:3100/alerts/');
    expect(mail.text).not.toContain('localhost:3000');
    expect(mail.text).toContain('检测周：2026年第47周（2026-11-16 至 2026-11-22 期间新发现的预警）');
    expect(mail.text).toContain('数据期间：2026-10-01 至 2026-10-31');
    expect(String(mail.html)).toContain('数据期间：2026-10-01 至 2026-10-31');
    // nothing was recorded as sent: a later --send still sends to this user
    expect(fs.readdirSync(path.join(dir, 'outbox')).filter((f) => f.endsWith('.eml'))).toHaveLength(0);
    // without the record, PORT decides
    fs.rmSync(path.join(dir, 'app-url.json'));
    fs.rmSync(previewDir, { recursive: true });
    await runCli(['digest', '--week', '2026-W47'], { url, env: { DATA_DIR: dir, SMTP_URL: '', APP_URL: '', PORT: '3207' } });
    const m2 = await simpleParser(fs.readFileSync(path.join(previewDir, `digest-2026-W47-${fx.jc}_ofm.eml`)));
    expect(m2.text).toContain('http://localhost:3207/alerts/');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('rejects a bad week with exit 1 naming --week', async () => {
    for (const args of [['digest', '--week', '2026-47'], ['digest', '--week', '2025-W53'], ['digest']]) {
      const r = await runCli(args, { url, env });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('--week');
    }
  });
});
