/**
 * Journey (issue 21): verdicts tune the rules. The 晋城 inspector confirms the chronic-prescription alert with the
 * longest supply and dismisses the one with the shortest as 阈值过严; the 规则 page counts them; on the rule's page a
 * back-test with the maximum raised to the dismissed alert's days shows it among those that would disappear, loses no
 * confirmed alert, and nothing stored changes; the admin adopts the threshold for 晋城 from the confirmed alert's
 * month and recomputes: that alert is judged under the new version, earlier ones keep theirs, and the alert page
 * names its version.
 */
import fs from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { createDb, type Db } from '../lib/db/client';
import { ensureEmbedded } from '../lib/db/embedded';
import { DEMO, signIn } from './sign-in';

const RULE = 'RX-DAYS-CHR';
const KEY = 'rxDaysChronicMax';
const REGION = '140500';
let db: Db;

test.beforeAll(async () => {
  const handle = await ensureEmbedded(process.env.E2E_DATA_DIR ?? '.data-e2e');
  db = createDb(handle.url, 2);
  fs.mkdirSync('test-results/screens', { recursive: true });
});
test.afterAll(async () => {
  await db?.$client.end();
});

const shot = (page: Page, name: string) => page.screenshot({ path: `test-results/screens/rules-${name}.png`, fullPage: true });

/** Signs in on a light page (sign-in waits 5 s for the shell), then opens `next`. */
async function as(page: Page, who: { email: string; password: string }, next: string) {
  await page.context().clearCookies();
  await signIn(page, who, '/account');
  await page.goto(next);
}

/** No English word or code in what the page says (rule ids like RX-DAYS-ORD-WARN are codes shown beside their name). */
async function noEnglish(page: Page, testId?: string) {
  const text = await (testId ? page.getByTestId(testId) : page.locator('main')).innerText();
  const words = (text.match(/[A-Za-z][A-Za-z_]{2,}/g) ?? []).filter((w) => !/^(RX|DAYS|ORD|WARN|CHR|OVERLAP|SPLIT|VISIT|TWO|PLACES|DR|DAY|LOAD|CO|CHECKUP|EXCL|NON|DESIGNATED|PHARMACY|NO|CARD|SUSPENDED|INPATIENT|ARREARS|OUT|OF|AREA|PAY|DIFF|IND|GROWTH|SELFPAY|EXAM|PERCAP|TOP|FUND|BUDGET|CASH)$/.test(w));
  expect(words, '英文或代码出现在页面上').toEqual([]);
}

test('verdicts → rule quality → back-test → adopt → the recompute judges new alerts by the new version', async ({ page }) => {
  test.setTimeout(300_000);
  const { rows: alerts } = await db.$client.query<{ id: number; value: number; period_key: string }>(
    `select id, value, period_key from alerts where rule_id = $1 and region_code = $2 and status = 'new' order by value, period_key, id`,
    [RULE, REGION],
  );
  const low = alerts[0];
  const cand = low?.value ?? 0;
  const high = alerts.filter((a) => a.value > cand).at(-1);
  expect(low && high, '晋城的演示数据应有该规则两条天数不同的待处理预警').toBeTruthy();
  if (!low || !high) return;
  const month = high.period_key; // the version is in force from the confirmed alert's month

  // 1. verdicts in the browser: one confirmed with an opinion, one dismissed as 阈值过严
  await as(page, DEMO.jcInspector, `/alerts/${high.id}`);
  await page.getByRole('button', { name: '确认违规' }).click();
  await page.getByLabel('确认意见').fill('处方天数明显超出病情需要');
  await page.getByRole('button', { name: '确定确认' }).click();
  await expect(page.getByTestId('alert-status')).toHaveText('已确认');
  await page.goto(`/alerts/${low.id}`);
  await page.getByRole('button', { name: '排除（误报）' }).click();
  await page.getByLabel('误报原因').selectOption({ label: '阈值过严' });
  await page.getByLabel('排除说明').fill('慢病长处方已备案，天数合理');
  await page.getByRole('button', { name: '确定排除' }).click();
  await expect(page.getByTestId('alert-status')).toHaveText('已排除');

  // 2. the 规则 page counts them
  await page.getByRole('link', { name: '规则', exact: true }).click();
  await expect(page).toHaveURL(/\/rules/);
  await page.goto(`/rules?region=${REGION}`);
  const { rows: q } = await db.$client.query<{ c: number; r: number }>(
    `select count(*) filter (where status in ('confirmed', 'case'))::int as c, count(*) filter (where status in ('confirmed', 'case', 'dismissed'))::int as r from alerts where rule_id = $1 and region_code = $2`,
    [RULE, REGION],
  );
  const expected = `${(((q[0]?.c ?? 0) / (q[0]?.r ?? 1)) * 100).toFixed(1)}%`;
  await expect(page.getByTestId(`precision-${RULE}`)).toHaveText(expected);
  await expect(page.getByTestId('rules-table')).toContainText('阈值过严 1');
  await expect(page.getByRole('img', { name: '各季度精确率' })).toBeVisible();
  await noEnglish(page);
  await shot(page, 'quality');

  // 3. the rule's page: thresholds and their source; a back-test with the dismissed alert's value as the new threshold
  await page.getByRole('link', { name: '慢性病处方超最长天数' }).click();
  await expect(page.getByTestId('thresholds-table')).toContainText('慢病处方最长天数');
  await expect(page.getByTestId(`th-${REGION}-${KEY}`)).toContainText('全国默认');
  const before = await db.$client.query<{ n: number; u: string }>(`select count(*)::int as n, max(updated_at)::text as u from alerts`);
  await page.getByLabel('地区', { exact: true }).selectOption(REGION);
  await page.getByLabel('慢病处方最长天数').fill(String(cand));
  await page.getByRole('button', { name: '运行回测' }).click();
  const result = page.getByTestId('backtest-result');
  await expect(result).toBeVisible();
  await expect(page.getByTestId('bt-dismissed-avoided')).toHaveText('1');
  await expect(page.getByTestId('bt-confirmed-lost')).toHaveText('0');
  await expect(page.getByTestId('bt-disappear')).toContainText(`#${low.id}`);
  const after = await db.$client.query<{ n: number; u: string }>(`select count(*)::int as n, max(updated_at)::text as u from alerts`);
  expect(after.rows[0]).toEqual(before.rows[0]);
  await noEnglish(page, 'backtest-result');
  await shot(page, 'backtest');
  // an alert that would disappear opens
  await page.getByTestId('bt-disappear').getByRole('link', { name: `#${low.id}` }).click();
  await expect(page.getByTestId('alert-status')).toHaveText('已排除');
  await page.goBack();
  // the inspector may back-test but not adopt
  await expect(page.getByTestId('adopt-form')).toHaveCount(0);

  // 4. the admin adopts it for 晋城 from the confirmed alert's month and recomputes
  const url = page.url();
  await as(page, DEMO.admin, url.replace(/^https?:\/\/[^/]+/, ''));
  await expect(page.getByTestId('backtest-result')).toBeVisible();
  await page.getByLabel('生效月份').fill(month);
  await page.getByLabel('采用理由').fill('慢病长处方多已备案，最长天数按本地实际放宽');
  await page.getByRole('button', { name: '采用新阈值' }).click();
  await expect(page.getByTestId('adopt-result')).toContainText('已采用监测阈值调整第', { timeout: 120_000 });
  await expect(page.getByTestId('adopt-result')).toContainText('已按新版本重算');
  await shot(page, 'adopted');
  const { rows: v } = await db.$client.query<{ id: number; reason: string; backtest: { dismissed_avoided: number } }>(`select id, reason, backtest from monitoring_versions where region_code = $1 order by id desc limit 1`, [REGION]);
  expect(v[0]?.backtest.dismissed_avoided).toBe(1);
  const { rows: audit } = await db.$client.query<{ n: number }>(`select count(*)::int as n from audit_log where action = 'monitoring.adopt' and entity_id = $1`, [String(v[0]?.id)]);
  expect(audit[0]?.n).toBe(1);

  // 5. the confirmed alert (still above the new maximum) is judged under the new version; earlier alerts keep theirs
  const version = `monitoring-${REGION}-${month}-01-v${v[0]?.id}`;
  const { rows: judged } = await db.$client.query<{ id: number; policy_id: string; period_key: string; status: string; evidence: { thresholds: Record<string, { value: number }> } }>(
    `select id, policy_id, period_key, status, evidence from alerts where rule_id = $1 and region_code = $2 and status <> 'withdrawn' order by id`,
    [RULE, REGION],
  );
  const confirmed = judged.find((a) => a.id === high.id);
  expect(confirmed?.policy_id).toBe(`monitoring-default+${version}`);
  expect(confirmed?.evidence.thresholds[KEY]?.value).toBe(cand);
  expect(judged.filter((a) => a.period_key < month).every((a) => !a.policy_id.includes(version))).toBe(true);
  await page.reload();
  await expect(page.getByTestId(`th-${REGION}-${KEY}`)).toContainText('调整版本');
  await expect(page.getByTestId('versions-table')).toContainText('慢病长处方多已备案');
  await page.goto(`/alerts/${high.id}`);
  await expect(page.getByTestId('alert-policy')).toContainText(`监测阈值调整第 ${v[0]?.id} 号`);
  await shot(page, 'alert-version');
  const earlier = judged.find((a) => a.period_key < month);
  if (earlier) {
    await page.goto(`/alerts/${earlier.id}`);
    await expect(page.getByTestId('alert-policy')).not.toContainText('监测阈值调整');
  }
});
