/**
 * Issue 18 items 7, 9 and 11 in the browser: Chinese 不存在/无权限 pages (an out-of-region case, an unknown
 * address, an inspector on /admin), codes with their labels, the import page's row errors and its read-only
 * view, and page numbers kept in range on every list.
 */
import { randomBytes } from 'node:crypto';
import { expect, test, type Page } from '@playwright/test';
import { createCase } from '../lib/cases/create';
import type { Db } from '../lib/db/client';
import { insertAlerts, insertClaims } from '../tests/cases-fixture';
import { e2eDb } from './dashboard-data';
import { DEMO, hydrated, signIn } from './sign-in';

const shots = process.env.REVIEW_DIR;
async function shot(page: Page, name: string) {
  if (shots) await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
}

const ENGLISH = /could not be found|This page|Minified React error|Application error|forbidden|not allowed|not found/i;

let db: Db;
test.beforeAll(async ({ browser }) => {
  db = await e2eDb();
  // warm the freshly started server: its first dashboard render can take longer than signIn waits
  const page = await browser.newPage();
  await page.goto('/login');
  await page.getByLabel('邮箱').fill(DEMO.jcInspector.email);
  await page.getByLabel('密码').fill(DEMO.jcInspector.password);
  await page.getByRole('button', { name: '登录' }).click();
  await expect(page.getByTestId('current-user')).toBeVisible({ timeout: 60_000 });
  await page.close();
});
test.afterAll(async () => {
  await db.$client.end();
});

test('a case of another region and an unknown address show a Chinese 不存在或无权限 page', async ({ page }) => {
  const tag = randomBytes(3).toString('hex');
  await insertClaims(db, [{ id: `NC-${tag}`, time: '2024-05-06 09:00:00+08', psn: `P${tag}0001`, inst: `NC-H-${tag}`, fund: 10_000, medfee: 20_000, region: '360100' }]);
  const alertIds = await insertAlerts(db, [{ region: '360100', subjectType: 'institution', subjectId: `NC-H-${tag}`, subjectName: '南昌测试诊所', period: '2024-05', amount: 10_000, setlIds: [`NC-${tag}`] }]);
  const { rows } = await db.$client.query<{ id: number }>(`select id from users where email = $1`, [DEMO.ncInspector.email]);
  const c = await createCase(db, { userId: rows[0]?.id ?? null, name: 'e2e', role: 'inspector', regions: ['360100'] }, { alertIds, comment: '立案' });

  await signIn(page, DEMO.jcInspector);
  // (the status may be 200: the dashboard's loading.tsx starts the stream before the page says notFound())
  await page.goto(`/cases/${c.id}`);
  await expect(page.getByTestId('not-found')).toContainText('案件不存在或无权限查看');
  await expect(page.getByRole('link', { name: '返回案件列表' })).toBeVisible();
  await expect(page.locator('body')).not.toContainText(ENGLISH);
  await shot(page, 'case-not-found');

  const r2 = await page.goto('/no-such-page/at-all');
  expect(r2?.status()).toBe(404);
  await expect(page.getByTestId('not-found')).toContainText('页面不存在或无权限访问');
  await expect(page.locator('body')).not.toContainText(ENGLISH);

  await page.goto('/cases/abc');
  await expect(page.getByTestId('not-found')).toContainText('案件不存在或无权限查看');
});

test('an inspector opening /admin gets a Chinese 无权限 page, also by client navigation', async ({ page }) => {
  await signIn(page, DEMO.jcInspector);
  await page.goto('/admin');
  await expect(page.getByTestId('forbidden')).toContainText('无权限');
  await expect(page.getByTestId('forbidden')).toContainText('管理用户');
  await expect(page.locator('body')).not.toContainText(ENGLISH);
  await shot(page, 'admin-forbidden');
  await page.goto('/admin/audit');
  await expect(page.getByTestId('forbidden')).toContainText('查看审计日志');
  // client-side navigation (the way React error #441 reached the user): a link inside the app
  await page.goto('/');
  await page.evaluate(() => {
    const a = document.createElement('a');
    a.href = '/admin';
    a.textContent = 'to-admin';
    a.id = 'to-admin';
    document.querySelector('main')?.appendChild(a);
  });
  await page.locator('#to-admin').click();
  await expect(page.getByTestId('forbidden')).toBeVisible();
  await expect(page.locator('body')).not.toContainText(ENGLISH);
});

test('codes are shown with their labels', async ({ page }) => {
  const { rows } = await db.$client.query<{ psn_no: string; psn_type: string }>(`select psn_no, psn_type from settlements where admdvs = '140500' and psn_type = '1101' limit 1`);
  const psn = rows[0];
  test.skip(!psn, 'no person in the e2e data');
  await signIn(page, DEMO.jcInspector);
  await page.goto(`/persons/${encodeURIComponent(psn?.psn_no ?? '')}`);
  await expect(page.locator('dd', { hasText: '1101 在职' })).toBeVisible();
});

test('the import page lists the first row errors and hides the drop zone from a viewer', async ({ page }) => {
  await signIn(page, DEMO.admin);
  await page.goto('/import');
  await hydrated(page, 'dropzone');
  const stamp = Date.now().toString(36);
  const csv = [
    '结算ID,人员编号,人员类别,医保区划,结算时间,定点医药机构编号,机构类型,医院等级,医疗费总额,符合政策范围金额',
    `OUT-${stamp}-1,POUT1,1101,140500,2024-11-05 10:00:00,HOUT1,hospital,3,100.00,90.00`,
    `OUT-${stamp}-2,POUT2,1201,140500,2024-11-06 10:00:00,HOUT1,hospital,3,abc,90.00`,
    `OUT-${stamp}-3,POUT3,1201,140500,2024-11-07 10:00:00,HOUT1,hospital,3,80.00,xyz`,
  ].join('\n');
  await page.getByTestId('file-input').setInputFiles({ name: `rows-${stamp}.csv`, mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await expect(page.getByTestId('import-status')).toContainText('拒绝 2', { timeout: 60_000 });
  const errors = page.getByTestId('row-errors');
  await expect(errors).toContainText(`rows-${stamp}.csv`);
  const first = errors.locator('tbody tr').first();
  await expect(first.locator('td').nth(2)).toHaveText(/^\d+$/);
  await expect(errors).toContainText(/medfee_sumamt|医疗费总额/);
  await expect(errors).toContainText(/inscp_scp_amt|符合政策范围金额/);
  await expect(errors).toContainText('错误');
  // the validator's bilingual messages reach the page in Chinese only
  await expect(errors).toContainText('金额无效');
  await expect(errors).not.toContainText('not an amount');
  await shot(page, 'import-errors');

  await page.getByRole('button', { name: '退出' }).click();
  await signIn(page, DEMO.viewer);
  await page.goto('/import');
  await expect(page.getByTestId('import-readonly')).toContainText('不能导入数据');
  await expect(page.getByTestId('dropzone')).toHaveCount(0);
  await expect(page.getByTestId('batch-history')).toBeVisible();
  await shot(page, 'import-viewer');
});

test('?page=999 shows the last page on every list', async ({ page }) => {
  await signIn(page, DEMO.admin);
  const pager = /第 (\d+)\/(\d+) 页/;
  for (const url of ['/alerts?page=999', '/cases?page=999', '/institutions?page=999', '/persons?page=999', '/doctors?page=999', '/admin/audit?page=999']) {
    await page.goto(url);
    // the list streams in after the loading skeleton (and a client table may render twice): poll for the pager
    await expect
      .poll(async () => (await page.locator('body').innerText()).match(pager)?.slice(1, 3).join('/') ?? null, { message: url, timeout: 15_000 })
      .toMatch(/^(\d+)\/\1$/);
  }
  await page.goto('/alerts?page=999');
  await expect(page.locator('table.data tbody tr').first()).toBeVisible();
  await shot(page, 'alerts-last-page');
});
