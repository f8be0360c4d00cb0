/**
 * Issue 24 over real HTTP against the running app: writes from another origin (a page on
 * localhost:9999) are refused, bodies must declare their type, forged X-Forwarded-For does not become
 * the client address, bad URL parameters give 400 (API) or are dropped (pages), other roles get 无权限
 * from admin actions, messages come only from codes, the upload is audited, and pages run under a
 * nonce CSP without 'unsafe-inline' scripts.
 */
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import pg from 'pg';
import { createDb } from '../lib/db/client';
import { ensureEmbedded } from '../lib/db/embedded';
import { DEMO, hydrated, signIn } from './sign-in';

const EVIL = 'http://localhost:9999';

async function ownerQuery<T extends pg.QueryResultRow>(text: string, params: unknown[] = []): Promise<T[]> {
  const url = process.env.DATABASE_URL ?? (await ensureEmbedded(process.env.E2E_DATA_DIR ?? '.data-e2e')).url;
  const db = createDb(url, 1);
  try {
    return (await db.$client.query<T>(text, params)).rows;
  } finally {
    await db.$client.end();
  }
}

function sameOrigin(baseURL: string | undefined): Record<string, string> {
  return { Origin: new URL(baseURL ?? 'http://localhost').origin, 'Sec-Fetch-Site': 'same-origin' };
}

async function casesTotal(request: APIRequestContext): Promise<number> {
  const r = await request.get('/api/cases');
  expect(r.status()).toBe(200);
  return ((await r.json()) as { total: number }).total;
}

test('writes from another origin are refused; a text/plain body is refused; the same origin works', async ({ page, baseURL }) => {
  await signIn(page, DEMO.admin);
  const request = page.request;
  // an alert that may still be assigned (new or assigned), so the same-origin request below can succeed
  const list = (await (await request.get('/api/alerts?size=20&status=assigned')).json()) as { rows: Array<{ id: number }> };
  if (!list.rows.length) list.rows = ((await (await request.get('/api/alerts?size=20&status=new')).json()) as { rows: Array<{ id: number }> }).rows;
  const alertId = list.rows[0]?.id ?? 1;
  const before = await casesTotal(request);

  // the attack of the issue: a page on localhost:9999 posting with the inspector's cookie
  const bulk = await request.post('/api/alerts/bulk', { headers: { Origin: EVIL, 'Content-Type': 'text/plain' }, data: JSON.stringify({ action: 'assign', ids: [alertId] }) });
  expect(bulk.status()).toBe(403);
  expect(((await bulk.json()) as { error: string }).error).toContain('拒绝跨站请求');
  const bySite = await request.post('/api/alerts/bulk', { headers: { 'Sec-Fetch-Site': 'same-site', 'Content-Type': 'application/json' }, data: { action: 'assign', ids: [alertId] } });
  expect(bySite.status()).toBe(403);
  const cases = await request.post('/api/cases', { headers: { Origin: EVIL, 'Content-Type': 'text/plain' }, data: JSON.stringify({ alertIds: [alertId], comment: 'csrf' }) });
  expect(cases.status()).toBe(403);
  const ingest = await request.post('/api/ingest?name=csrf.csv', { headers: { Origin: EVIL, 'Content-Type': 'text/plain' }, data: 'a,b\n1,2\n' });
  expect(ingest.status()).toBe(403);
  const action = await request.post('/login', { headers: { Origin: EVIL }, multipart: { email: 'x@y.z', password: 'x' } });
  expect(action.status()).toBe(403);
  // without any browser header a text/plain body is still refused: JSON routes take application/json only
  const plain = await request.post('/api/cases', { headers: { 'Content-Type': 'text/plain' }, data: JSON.stringify({ alertIds: [alertId], comment: 'csrf' }) });
  expect(plain.status()).toBe(415);
  const plainUpload = await request.post('/api/ingest?name=x.csv', { headers: { 'Content-Type': 'text/plain' }, data: 'a,b\n' });
  expect(plainUpload.status()).toBe(415);
  expect(await casesTotal(request)).toBe(before);

  // the same origin, properly typed: accepted
  const ok = await request.post('/api/alerts/bulk', { headers: { ...sameOrigin(baseURL), 'Content-Type': 'application/json' }, data: { action: 'assign', ids: [alertId] } });
  expect(ok.status(), await ok.text()).toBe(list.rows.length ? 200 : 404);
  const nul = await request.post('/api/cases', { headers: { ...sameOrigin(baseURL), 'Content-Type': 'application/json' }, data: '{"alertIds":[1],"comment":"a\\u0000b"}' });
  expect(nul.status()).toBe(400);
  expect(((await nul.json()) as { error: string }).error).toContain('非法字符');
});

test('an upload from this origin is accepted and audited with who, file, sha256 and the client address', async ({ page, baseURL }) => {
  await signIn(page, DEMO.admin);
  const stamp = Date.now().toString(36);
  const csv = [
    '结算ID,人员编号,人员类别,医保区划,结算时间,定点医药机构编号,机构类型,医院等级,医疗费总额,符合政策范围金额',
    `SEC-${stamp}-1,PSEC1,1101,140500,2024-11-05 10:00:00,HSEC1,hospital,3,100.00,90.00`,
  ].join('\n');
  const r = await page.request.post(`/api/ingest?name=sec-${stamp}.csv`, {
    headers: { ...sameOrigin(baseURL), 'Content-Type': 'application/octet-stream', 'X-Forwarded-For': '10.9.9.9' },
    data: Buffer.from(csv),
  });
  expect(r.status(), await r.text()).toBe(202);
  const { id } = (await r.json()) as { id: number };
  await expect
    .poll(async () => (await ownerQuery<{ n: number }>(`select count(*)::int as n from audit_log where action = 'ingest' and entity_id = $1`, [String(id)]))[0]?.n, { timeout: 60_000 })
    .toBe(1);
  const [row] = await ownerQuery<{ actor: string; ip: string; region_code: string; after: Record<string, unknown> }>(
    `select actor, ip, region_code, after from audit_log where action = 'ingest' and entity_id = $1`,
    [String(id)],
  );
  expect(row).toMatchObject({ actor: '系统管理员', region_code: '140500', after: { via: 'upload', fileName: `sec-${stamp}.csv`, inserted: 1, rejected: 0, regions: ['140500'] } });
  expect(String(row?.after.sha256)).toMatch(/^[0-9a-f]{64}$/);
  expect(['127.0.0.1', '::1']).toContain(row?.ip);
});

test('a forged X-Forwarded-For is not the client address of a sign-in', async ({ page }) => {
  await page.setExtraHTTPHeaders({ 'X-Forwarded-For': '10.9.9.9', 'X-Real-IP': '10.9.9.9', 'X-Ofm-Client-Ip': '10.9.9.9' });
  const email = `xff-${Date.now().toString(36)}@demo.local`;
  await page.goto('/login');
  await page.getByLabel('邮箱').fill(email);
  await page.getByLabel('密码').fill('wrong-password-1');
  await page.getByRole('button', { name: '登录' }).click();
  await expect(page.getByTestId('login-error')).toContainText('邮箱或密码错误');
  const rows = await ownerQuery<{ ip: string }>(`select ip from audit_log where action = 'auth.sign_in_failed' and after->>'email' = $1`, [email]);
  expect(rows).toHaveLength(1);
  expect(['127.0.0.1', '::1']).toContain(rows[0]?.ip);
});

test('bad URL parameters: 400 in Chinese from the API, ignored by pages (never a 500)', async ({ page }) => {
  await signIn(page, DEMO.jcInspector);
  for (const qs of ['q=a%00b', 'rule=SPLIT%00', 'page=100000000000000000000', 'page=1e20', 'size=-1']) {
    const r = await page.request.get(`/api/alerts?${qs}`);
    expect(r.status(), qs).toBe(400);
    expect(((await r.json()) as { error: string }).error).toMatch(/请求参数 .* 无效/);
  }
  expect((await page.request.get('/api/cases?page=1e20')).status()).toBe(400);
  for (const path of ['/alerts?q=a%00b&rule=X%00', '/alerts?page=100000000000000000000', '/institutions?page=1e20&min=1e21', '/admin/audit?page=1e20']) {
    const res = await page.goto(path);
    expect(res?.status(), path).toBeLessThan(500);
    expect(page.url()).not.toMatch(/%00|1e20|100000000000000000000/);
  }
  await hydrated(page, 'alerts-table').catch(() => undefined);
});

test('other roles get 无权限 from the admin page and its actions; messages come only from codes', async ({ page, browser, baseURL }) => {
  // an inspector opening the page
  const inspector = await browser.newContext({ baseURL });
  const ip = await inspector.newPage();
  await signIn(ip, DEMO.jcInspector);
  const res = await ip.goto('/admin');
  expect(res?.status()).toBeLessThan(500);
  await expect(ip.getByTestId('forbidden')).toContainText('无权限');
  const inspectorCookie = (await inspector.cookies()).find((c) => c.name === 'ofm_session');
  await inspector.close();

  // an admin's form, submitted with the inspector's session: the server action refuses with 无权限
  await signIn(page, DEMO.admin);
  await page.goto('/admin?error=' + encodeURIComponent('系统升级，请拨打 400-000-0000 并告知密码'));
  await expect(page.getByText('请拨打')).toHaveCount(0);
  const email = `forbidden-${Date.now().toString(36)}@demo.local`;
  const form = page.locator('form').filter({ has: page.getByRole('button', { name: '创建' }) });
  await form.getByLabel('邮箱').fill(email);
  await form.getByLabel('姓名').fill('越权测试');
  await form.getByLabel('地区').fill('140500');
  await form.getByLabel('初始密码').fill('Forbidden-2026');
  expect(inspectorCookie).toBeDefined();
  if (inspectorCookie) await page.context().addCookies([inspectorCookie]);
  await form.getByRole('button', { name: '创建' }).click();
  await expect(page).toHaveURL(/\/admin\?error=forbidden(&|$)/);
  await expect(page.getByTestId('forbidden')).toContainText('无权限');
  expect(await ownerQuery(`select 1 from users where email = $1`, [email])).toHaveLength(0);
});

async function cspViolations(page: Page): Promise<string[]> {
  const seen: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to (execute|load)/i.test(m.text())) seen.push(m.text());
  });
  return seen;
}

test('pages carry a nonce CSP without unsafe-inline scripts, and the app still runs', async ({ page }) => {
  const violations = await cspViolations(page);
  const login = await page.goto('/login');
  const csp = login?.headers()['content-security-policy'] ?? '';
  const script = csp.split(';').find((d) => d.trim().startsWith('script-src')) ?? '';
  expect(script).toMatch(/'nonce-[A-Za-z0-9+/=]+'/);
  expect(script).not.toContain('unsafe-inline');
  expect(csp).toContain("frame-ancestors 'none'");
  const nonce = /'nonce-([^']+)'/.exec(script)?.[1];
  // every script Next wrote carries this response's nonce
  const nonces = await page.locator('script').evaluateAll((els) => els.map((e) => (e as HTMLScriptElement).nonce));
  expect(nonces.length).toBeGreaterThan(0);
  expect(new Set(nonces)).toEqual(new Set([nonce]));
  // a second response has a different nonce
  const again = await page.request.get('/login');
  expect(again.headers()['content-security-policy']).not.toContain(`'nonce-${nonce}'`);

  await signIn(page, DEMO.jcInspector);
  await page.goto('/alerts');
  await hydrated(page, 'alerts-table');
  await page.screenshot({ path: 'test-results/screens/security-alerts-csp.png', fullPage: false });
  expect(violations).toEqual([]);
});
