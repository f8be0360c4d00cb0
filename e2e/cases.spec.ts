/**
 * Journey: an inspector takes a case opened from alerts through to a decision with the right amounts,
 * then downloads the case file and finds every checksum in its manifest right.
 * Set-up goes through the same lib functions the alert pages call (openCase → createCase).
 */
import { createHash, randomBytes } from 'node:crypto';
import { expect, test } from '@playwright/test';
import yauzl from 'yauzl';
import { createCase } from '../lib/cases/create';
import { createDb, type Db } from '../lib/db/client';
import { ensureEmbedded } from '../lib/db/embedded';
import { sessions, users } from '../lib/db/schema';
import { insertAlerts, insertClaims } from '../tests/cases-fixture';

function entries(buf: Buffer): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buf, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err ?? new Error('no zip'));
      const out = new Map<string, Buffer>();
      zip.on('entry', (e: yauzl.Entry) =>
        zip.openReadStream(e, (er, s) => {
          if (er || !s) return reject(er ?? new Error('no stream'));
          const parts: Buffer[] = [];
          s.on('data', (c: Buffer) => parts.push(c));
          s.on('end', () => {
            out.set(e.fileName, Buffer.concat(parts));
            zip.readEntry();
          });
        }),
      );
      zip.on('end', () => resolve(out));
      zip.readEntry();
    });
  });
}

test('alert → case → decision with the right amounts → case file', async ({ page, context, baseURL }) => {
  const handle = await ensureEmbedded(process.env.E2E_DATA_DIR ?? '.data-e2e');
  const db: Db = createDb(handle.url, 2);
  const region = '140581';
  try {
      const tag = randomBytes(3).toString('hex');
    const mk = async (role: string) => {
      const [u] = await db.insert(users).values({ email: `${role}-${tag}@e2e`, name: `${role}-${tag}`, role, passwordHash: 'x', regions: [region] }).returning({ id: users.id });
      const token = randomBytes(24).toString('base64url');
      await db.insert(sessions).values({ id: createHash('sha256').update(token).digest('hex'), userId: u?.id ?? 0, expiresAt: new Date(Date.now() + 3600_000) });
      return { id: u?.id ?? 0, token, role };
    };
    const inspector = await mk('inspector');
    const reviewer = await mk('reviewer');
    await insertClaims(db, [{ id: `E2E-${tag}`, time: '2024-05-06 09:00:00+08', psn: `P${tag}0001`, inst: `H-${tag}`, fund: 2_000_000, medfee: 2_500_000, region }]);
    const alertIds = await insertAlerts(db, [{ region, subjectType: 'institution', subjectId: `H-${tag}`, subjectName: '端到端测试诊所', period: '2024-05', amount: 2_000_000, setlIds: [`E2E-${tag}`] }]);
    const c = await createCase(db, { userId: inspector.id, name: 'inspector', role: 'inspector', regions: [region] }, { alertIds, comment: '由预警立案' });
    const host = new URL(baseURL ?? 'http://localhost:3100').hostname;
    const as = async (token: string) => {
      await context.clearCookies();
      await context.addCookies([{ name: 'ofm_session', value: token, domain: host, path: '/' }]);
    };

    await as(inspector.token);
    await page.goto('/cases');
    await expect(page.getByTestId('cases-table')).toContainText(c.caseNo);
    await page.getByRole('link', { name: c.caseNo }).click();
    await expect(page.getByTestId('violation-amount')).toHaveText('20,000.00 元');

    await page.getByLabel('意见', { exact: true }).fill('开始调查');
    await page.getByRole('button', { name: '开始调查' }).click();
    await expect(page.locator('h1')).toContainText('调查');
    // penalty.decide belongs to reviewers: the inspector only proposes (拟处罚) and the page says who acts next
    await expect(page.getByRole('button', { name: '计算并保存' })).toHaveCount(0);
    await expect(page.getByRole('button', { name: '提交拟处罚' })).toBeVisible();
    await expect(page.getByTestId('next-step')).toContainText('由 稽核员 调查取证并拟定处罚');

    await as(reviewer.token);
    await page.goto(`/cases/${c.id}`);
    // 20000 元: band 1 → 一般, 3×: principal 20000 + own pay 500, damages 60000, total 80500
    await page.locator('input[name="ownPay"]').fill('500');
    await page.getByRole('button', { name: '计算并保存' }).click();
    await expect(page.getByTestId('penalty-result')).toContainText('60,000.00 元');
    await expect(page.getByTestId('penalty-total')).toHaveText('80,500.00 元');
    // an override without a reason is refused with a Chinese message saying what is missing
    await page.locator('input[name="multiple"]').fill('4');
    await page.getByRole('button', { name: '计算并保存' }).click();
    await expect(page.locator('.error-box')).toContainText('改变裁量档次建议的倍数须写明理由（至少 4 个字）');

    await page.getByLabel('意见', { exact: true }).fill('送达告知书');
    await page.getByRole('button', { name: '送达告知书' }).click();
    await expect(page.locator('h1')).toContainText('告知');

    // 80500 < 10万: no legal review; the inspector cannot decide, the reviewer can
    await as(inspector.token);
    await page.goto(`/cases/${c.id}`);
    await expect(page.getByRole('button', { name: '提交法制审核' })).toBeVisible();
    await expect(page.getByRole('button', { name: '作出决定' })).toHaveCount(0);

    await as(reviewer.token);
    await page.goto(`/cases/${c.id}`);
    await page.getByLabel('意见', { exact: true }).fill('当事人放弃陈述申辩，作出决定');
    await page.getByLabel('当事人已陈述申辩或放弃').check();
    await page.getByRole('button', { name: '作出决定' }).click();
    await expect(page.locator('h1')).toContainText('决定');
    await page.screenshot({ path: 'test-results/screens/case-decided.png', fullPage: true });

    const res = await page.request.get(`/api/cases/${c.id}/export`);
    expect(res.status()).toBe(200);
    const files = await entries(Buffer.from(await res.body()));
    const manifest = JSON.parse(files.get('manifest.json')?.toString() ?? '{}') as { files: Array<{ name: string; sha256: string }> };
    expect(manifest.files.map((f) => f.name)).toEqual(['decision-report.pdf', 'evidence.xlsx', 'alerts.csv', 'alerts.json', 'calculation.json', 'calculation.csv']);
    for (const f of manifest.files) expect(createHash('sha256').update(files.get(f.name) ?? Buffer.alloc(0)).digest('hex')).toBe(f.sha256);
    expect(JSON.parse(files.get('calculation.json')?.toString() ?? '{}').penalty).toMatchObject({ principal: '20500.00', damages: '60000.00', total: '80500.00', multiple: 3 });
  } finally {
    await db.$client.end();
  }
});
