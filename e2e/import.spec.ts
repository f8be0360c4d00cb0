import { expect, test } from '@playwright/test';
import { hydrated } from './sign-in';

/** An inspector uploads a small CSV on the 导入 page, watches the server-driven progress, sees it loaded, then downloads the error report. */
test('upload a CSV through the import page', async ({ page }) => {
  await page.goto('/login');
  await page.locator('input[name="email"]').fill('admin@demo.local');
  await page.locator('input[name="password"]').fill('Admin-2026-ofm');
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));

  await page.goto('/import');
  await expect(page.getByRole('heading', { name: '导入', exact: true })).toBeVisible();
  await hydrated(page, 'dropzone');
  // Fresh ids each run, so a rerun on the same database still inserts one row.
  const stamp = Date.now().toString(36);
  const csv = [
    '结算ID,人员编号,人员类别,医保区划,结算时间,定点医药机构编号,机构类型,医院等级,医疗费总额,符合政策范围金额',
    `E2E-${stamp}-1,PE2E1,1101,140500,2024-11-05 10:00:00,HE2E1,hospital,3,100.00,90.00`,
    `E2E-${stamp}-2,PE2E2,1201,140500,2024-11-06 10:00:00,HE2E1,hospital,3,abc,90.00`,
  ].join('\n');
  await page.getByTestId('file-input').setInputFiles({ name: 'e2e-settlements.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await expect(page.getByTestId('import-status')).toContainText('导入完成', { timeout: 60_000 });
  await expect(page.getByTestId('import-status')).toContainText('新增 1');
  await expect(page.getByTestId('import-status')).toContainText('拒绝 1');
  await expect(page.getByTestId('batch-history')).toContainText('e2e-settlements.csv');

  const download = page.waitForEvent('download');
  await page.getByTestId('error-report').click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/\.xlsx$/);
});
