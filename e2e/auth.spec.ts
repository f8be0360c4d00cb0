/**
 * Accounts journey: the gate, sign-in errors, two inspectors of different regions seeing different
 * counts on 账户 (/account: counted without a region filter; RLS decides), admin-only pages.
 */
import { expect, test } from '@playwright/test';
import pg from 'pg';
import { createDemoUsers } from '../lib/auth/demo-users';
import { createDb } from '../lib/db/client';
import { ensureEmbedded } from '../lib/db/embedded';
import { DEMO, signIn, signOut } from './sign-in';

/** Settlement counts per region as the owner sees them; adds a little data when the demo set lacks a region. */
async function regionCounts(): Promise<Record<string, number>> {
  const url = process.env.DATABASE_URL ?? (await ensureEmbedded(process.env.E2E_DATA_DIR ?? '.data-e2e')).url;
  const db = createDb(url, 1);
  const c: pg.Pool = db.$client;
  try {
    await createDemoUsers(db);
    const count = async (r: string) => (await c.query<{ n: number }>('select count(*)::int as n from settlements where admdvs = $1', [r])).rows[0]?.n ?? 0;
    const add = async (region: string, n: number) => {
      await c.query("select ensure_fact_partitions('2026-10-01', '2026-10-31')");
      for (let i = 0; i < n; i++) {
        await c.query(
          `insert into settlements (admdvs, setl_id, setl_time, psn_no, psn_type, fixmedins_code, fixmedins_type, hosp_lv, med_type, insutype, medfee_sumamt, inscp_scp_amt, row_hash)
           values ($1, $2, '2026-10-10 10:00:00+08', $3, '1101', 'E2E-H', 'hospital', 1, '11', '310', 10000, 9000, 'e2e') on conflict do nothing`,
          [region, `E2E-${region}-${i}`, `E2E-P-${region}-${i}`],
        );
      }
    };
    if ((await count('140500')) === 0) await add('140500', 3);
    if ((await count('360100')) === 0) await add('360100', 2);
    if ((await count('140500')) === (await count('360100'))) await add('360100', 1 + (await count('360100')));
    return { '140500': await count('140500'), '360100': await count('360100') };
  } finally {
    await c.end();
  }
}

test('signed-out requests go to the login page or get 401; security headers are set', async ({ page, request, baseURL }) => {
  const res = await request.get('/', { maxRedirects: 0 });
  expect(res.status()).toBe(307);
  expect(res.headers()['location']).toMatch(/\/login$/);
  const api = await request.get('/api/cases', { maxRedirects: 0 });
  expect(api.status()).toBe(401);
  expect(await api.json()).toMatchObject({ error: expect.stringContaining('未登录') });
  // A forged cookie passes the proxy but not the real check in the page.
  await page.context().addCookies([{ name: 'ofm_session', value: 'forged', url: baseURL ?? 'http://localhost' }]);
  await page.goto('/account');
  await expect(page).toHaveURL(/\/login/);
  const login = await request.get('/login');
  const csp = login.headers()['content-security-policy'] ?? '';
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("object-src 'none'");
  expect(login.headers()['x-frame-options']).toBe('DENY');
});

test('a wrong password is refused with a message', async ({ page }) => {
  await page.goto('/login');
  await page.getByLabel('邮箱').fill(DEMO.jcInspector.email);
  await page.getByLabel('密码').fill('not-the-password');
  await page.getByRole('button', { name: '登录' }).click();
  await expect(page.getByTestId('login-error')).toContainText('邮箱或密码错误');
});

test('two inspectors of different regions see different data; only the admin manages users', async ({ page }) => {
  const counts = await regionCounts();
  expect(counts['140500']).not.toBe(counts['360100']);

  await signIn(page, DEMO.jcInspector);
  await expect(page.getByTestId('current-user')).toContainText('晋城稽核员');
  await page.getByRole('link', { name: '修改密码' }).click();
  await expect(page.getByTestId('visible-settlements')).toHaveText(String(counts['140500']));
  await expect(page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '管理' })).toHaveCount(0);
  await page.screenshot({ path: 'test-results/screens/auth-jincheng.png', fullPage: true });
  await signOut(page);

  await signIn(page, DEMO.ncInspector);
  await expect(page.getByTestId('current-user')).toContainText('南昌稽核员');
  await page.getByRole('link', { name: '修改密码' }).click();
  await expect(page.getByTestId('visible-settlements')).toHaveText(String(counts['360100']));
  await page.screenshot({ path: 'test-results/screens/auth-nanchang.png', fullPage: true });
  await signOut(page);

  await signIn(page, DEMO.admin);
  await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '管理' }).click();
  await expect(page.getByTestId('users-table')).toContainText('jc.inspector@demo.local');
  await page.goto('/admin/audit');
  const audit = page.getByTestId('audit-table');
  await expect(audit).toContainText('auth.sign_in');
  await expect(audit).toContainText('auth.sign_out');
  await expect(audit).toContainText('auth.sign_in_failed');
  await page.screenshot({ path: 'test-results/screens/auth-audit.png', fullPage: true });
});
