import { expect, test } from '@playwright/test';
import { DEMO, signIn } from './sign-in';

test('the app shell opens in Chinese with the database up', async ({ page, request }) => {
  const health = await request.get('/api/health');
  expect(health.ok()).toBe(true);
  expect(await health.json()).toMatchObject({ ok: true, db: 'up' });

  await signIn(page, DEMO.jcInspector);
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
  const nav = page.getByRole('navigation', { name: '主导航' });
  for (const label of ['总览', '预警', '机构', '医师', '参保人', '案件', '导入', '政策']) {
    await expect(nav.getByRole('link', { name: label, exact: true })).toBeVisible();
  }
  await page.screenshot({ path: 'test-results/screens/shell.png', fullPage: true });
});
