import fs from 'node:fs';
import ExcelJS from 'exceljs';
import { expect as baseExpect, test } from '@playwright/test';
import type { Page } from '@playwright/test';
import { DEMO } from './sign-in';

// every page of the journey re-adjudicates the region's claims; on a machine shared by many runs give it time
const expect = baseExpect.configure({ timeout: 30_000 });

/** As ./sign-in.ts, with room for a first request on a busy machine (the journey's first page computes a what-if). */
async function signIn(page: Page, who: { email: string; password: string }, next: string): Promise<void> {
  await page.goto(`/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel('邮箱').fill(who.email);
  await page.getByLabel('密码').fill(who.password);
  await page.getByRole('button', { name: '登录' }).click();
  await expect(page.getByTestId('current-user')).toBeVisible({ timeout: 30_000 });
}

/** Issue 22: draft a scenario from the policy in force → its impact on the loaded claims → two side by side → XLSX. */
test('policy what-if: draft → impact → compare → export', async ({ page }) => {
  test.setTimeout(240_000);
  test.slow();
  await signIn(page, DEMO.reviewer, '/policies/shanxi-2024');
  await page.goto('/policies/shanxi-2024');
  await page.getByTestId('whatif-link').click();
  await expect(page.getByRole('heading', { name: '模拟调整' })).toBeVisible();

  // first scenario: pharmacy rates up
  const form = page.getByTestId('draft-form');
  await form.getByLabel('方案名称').fill('药店比例提高');
  await form.getByLabel('在职支付比例 定点零售药店').fill('80');
  await form.getByLabel('退休支付比例 定点零售药店').fill('85');
  await page.screenshot({ path: 'test-results/screens/whatif-draft.png', fullPage: true });
  await form.getByRole('button', { name: '保存方案并测算' }).click();
  await expect(page.getByRole('heading', { name: '方案测算：药店比例提高' })).toBeVisible({ timeout: 30_000 });
  const changes = page.getByTestId('changes');
  await expect(changes.getByRole('row').filter({ hasText: '在职支付比例（定点零售药店）' })).toContainText('65%');
  await expect(changes.getByRole('row').filter({ hasText: '在职支付比例（定点零售药店）' })).toContainText('80%');
  await expect(changes).toContainText('晋医保发〔2024〕11号');
  await expect(page.getByTestId('kpi-fund')).toContainText('变化 +');
  await expect(page.getByTestId('by-month').getByRole('row')).toHaveCount(7); // header + 2024-07 … 2024-12
  // a changed visit opens with its calculation and clause
  const first = page.getByTestId('changed-visits').getByRole('row').nth(1);
  await first.getByText('展开').click();
  await expect(first).toContainText('方案 whatif-');
  await expect(first).toContainText('依据：晋医保发〔2024〕11号');
  await page.screenshot({ path: 'test-results/screens/whatif-impact.png', fullPage: true });

  // a bad value is refused naming the field, nothing saved
  await page.goto('/policies/shanxi-2024/whatif');
  await form.getByLabel('方案名称').fill('错误方案');
  await form.getByLabel('在职年度最高支付限额（元）').fill('abc');
  await form.getByRole('button', { name: '保存方案并测算' }).click();
  await expect(page.locator('p.error-box')).toContainText('在职年度最高支付限额');
  await expect(page.getByTestId('scenario-list')).not.toContainText('错误方案');

  // second scenario: a lower cap
  await form.getByLabel('方案名称').fill('限额降低');
  await form.getByLabel('在职年度最高支付限额（元）').fill('1500');
  await form.getByLabel('退休年度最高支付限额（元）').fill('2000');
  await form.getByRole('button', { name: '保存方案并测算' }).click();
  await expect(page.getByRole('heading', { name: '方案测算：限额降低' })).toBeVisible({ timeout: 30_000 });

  // compare the two
  await page.goto('/policies/shanxi-2024/whatif');
  // newest first: the ones this run saved (a rerun on the same data directory adds more)
  await page.getByLabel('对比 药店比例提高').first().check();
  await page.getByLabel('对比 限额降低').first().check();
  await page.getByRole('button', { name: '两个方案并列对比' }).click();
  const compare = page.getByTestId('compare');
  await expect(compare).toBeVisible({ timeout: 30_000 });
  // the list is newest first, so the later scenario is the first picked
  await expect(compare.getByRole('columnheader')).toHaveText(['指标', '现行', '限额降低', '药店比例提高']);
  await expect(compare.getByRole('row').filter({ hasText: '达到年度限额人数' })).toBeVisible();
  await page.screenshot({ path: 'test-results/screens/whatif-compare.png', fullPage: true });

  // export
  const download = page.waitForEvent('download');
  await page.getByTestId('export-xlsx').click();
  const file = await (await download).path();
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(fs.readFileSync(file) as unknown as ArrayBuffer);
  expect(wb.worksheets.map((w) => w.name)).toEqual(['概要', '按月', '按机构等级', '按人员类别', '按机构', '年度支付分布', '变化最大的结算', '方案对比']);
  expect(wb.getWorksheet('方案对比')?.getRow(1).values).toEqual([undefined, '指标', '现行', '限额降低', '药店比例提高']);
});

test('an inspector sees the saved scenarios of their region but cannot draft one', async ({ page }) => {
  await signIn(page, DEMO.jcInspector, '/policies/shanxi-2024/whatif');
  await page.goto('/policies/shanxi-2024/whatif');
  await expect(page.getByRole('heading', { name: '模拟调整' })).toBeVisible();
  await expect(page.getByTestId('draft-form')).toHaveCount(0);
  await expect(page.getByText('复核/法制人员和管理员可拟定方案')).toBeVisible();
});
