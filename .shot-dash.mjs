import { chromium } from '@playwright/test';
const base = 'http://localhost:3207';
const paths = process.argv.slice(2);
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
const ctx = await b.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
const page = await ctx.newPage();
page.on('pageerror', (e) => console.log('PAGEERROR', e.message));
page.on('console', (m) => { if (m.type() === 'error') console.log('CONSOLE', m.text().slice(0, 300)); });
await page.goto(base + '/login');
await page.getByLabel('邮箱').fill('jc.inspector@demo.local');
await page.getByLabel('密码').fill('Jincheng-2026');
await page.getByRole('button', { name: '登录' }).click();
await page.getByTestId('current-user').waitFor({ timeout: 120000 });
for (const p of paths) {
  const t = Date.now();
  await page.goto(base + p, { timeout: 180000 });
  await page.waitForLoadState('networkidle', { timeout: 180000 }).catch(() => {});
  await page.waitForTimeout(800);
  const name = p.replace(/[^a-z0-9]+/gi, '_') || 'root';
  await page.screenshot({ path: `/tmp/shots/${name}.png`, fullPage: true });
  console.log(p, Date.now() - t, 'ms', await page.title());
}
await b.close();
