/**
 * Journey (issue 18): an inspector confirms an alert with an opinion and opens a case; in 调查 the inspector
 * proposes the penalty (拟处罚), the reviewer approves it from their 待办 list, the notice is served, the
 * reviewer decides, the inspector records the payments and closes the case. Every stage says who acts next.
 * Demo accounts (README 演示账户): jc.inspector@demo.local and reviewer@demo.local.
 */
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { expect, test, type Page } from '@playwright/test';
import { createDb, type Db } from '../lib/db/client';
import { ensureEmbedded } from '../lib/db/embedded';
import { insertAlerts, insertClaims } from '../tests/cases-fixture';
import { DEMO, signIn } from './sign-in';

let db: Db;
test.beforeAll(async () => {
  const handle = await ensureEmbedded(process.env.E2E_DATA_DIR ?? '.data-e2e');
  db = createDb(handle.url, 2);
  fs.mkdirSync('test-results/screens', { recursive: true });
});
test.afterAll(async () => {
  await db?.$client.end();
});

const shot = (page: Page, name: string) => page.screenshot({ path: `test-results/screens/journey-${name}.png`, fullPage: true });

async function as(page: Page, who: { email: string; password: string }, next: string) {
  await page.context().clearCookies();
  await signIn(page, who, next);
  await page.goto(next);
}

/** No English word or code in what the page says about the case. */
async function noEnglish(page: Page) {
  const text = await page.locator('main').innerText();
  const words = (text.match(/[A-Za-z][A-Za-z_]{2,}/g) ?? []).filter((w) => !/^(ZIP|Excel|CSV|XLSX|PDF)$/.test(w));
  expect(words, '英文或代码出现在页面上').toEqual([]);
}

test('alert → confirmed with an opinion → case → 拟处罚 → approval → notice → decision → 结案', async ({ page }) => {
  test.setTimeout(240_000);
  // digits only: a code on the page is not mistaken for English text
  const tag = String(randomBytes(4).readUInt32BE(0)).padStart(10, '0');
  const inst = `H${tag}`;
  const setl = `9${tag}`;
  await insertClaims(db, [{ id: setl, time: '2024-06-03 10:00:00+08', psn: `P${tag}`, inst, fund: 2_000_000, medfee: 2_400_000 }]);
  const [alertId] = await insertAlerts(db, [{ subjectType: 'institution', subjectId: inst, subjectName: '旅程测试诊所', period: '2024-06', amount: 2_000_000, setlIds: [setl], status: 'new' }]);

  // 1. the inspector confirms the alert: one click is not enough, an opinion is required
  await as(page, DEMO.jcInspector, `/alerts/${alertId}`);
  await page.getByRole('button', { name: '确认违规' }).click();
  await expect(page.getByRole('button', { name: '确定确认' })).toBeDisabled();
  await page.getByLabel('确认意见').fill('调阅病历，超量开药属实');
  await page.getByRole('button', { name: '确定确认' }).click();
  await expect(page.getByTestId('alert-status')).toHaveText('已确认');
  await expect(page.getByTestId('alert-history')).toContainText('调阅病历，超量开药属实');
  await shot(page, '1-alert-confirmed');

  // 2. open the case
  await page.getByRole('button', { name: '立案', exact: true }).click();
  await page.getByLabel('立案意见').fill('超量开药，立案调查');
  await page.getByRole('button', { name: '确定立案' }).click();
  await expect(page).toHaveURL(/\/cases\/\d+/);
  const caseUrl = new URL(page.url()).pathname;
  await expect(page.getByTestId('case-stage')).toHaveText('立案');
  await expect(page.getByTestId('next-step')).toHaveText('下一步：由 稽核员 开始调查');
  await shot(page, '2-filed');

  // 3. 调查: the inspector proposes the penalty (20000 元 → 一般 3×; own pay 500)
  await page.getByLabel('意见', { exact: true }).fill('开始调查，调取结算明细');
  await page.getByRole('button', { name: '开始调查' }).click();
  await expect(page.getByTestId('case-stage')).toHaveText('调查');
  await expect(page.getByTestId('next-step')).toContainText('下一步：由 稽核员 调查取证并拟定处罚');
  await expect(page.getByTestId('penalty-none')).toContainText('提交后由 复核/法制 审批');
  await page.locator('input[name="ownPay"]').fill('500');
  await page.getByRole('button', { name: '提交拟处罚' }).click();
  await expect(page.getByRole('status')).toContainText('拟处罚已提交，待复核/法制审批');
  await expect(page.getByTestId('penalty-result')).toContainText('60,000.00 元');
  await expect(page.getByTestId('penalty-approval')).toHaveText('待 复核/法制 审批');
  await expect(page.getByTestId('next-step')).toHaveText('下一步：由 复核/法制 审批拟处罚（晋城稽核员 拟定，合计 80,500.00 元）');
  // the notice cannot be served before the approval
  await expect(page.getByRole('button', { name: '送达告知书' })).toHaveCount(0);
  await noEnglish(page);
  await shot(page, '3-proposed');

  // 4. the reviewer finds it in 待我办理 and approves
  await as(page, DEMO.reviewer, '/cases?todo=1');
  const row = page.getByTestId('cases-table').locator(`tr:has(a[href="${caseUrl}"])`);
  await expect(row.getByTestId('case-next')).toContainText('由 复核/法制 审批拟处罚');
  await shot(page, '4-reviewer-todo');
  await row.getByRole('link').first().click();
  await page.getByLabel('审批意见').fill('同意按一般档次');
  await page.getByRole('button', { name: '审批通过拟处罚' }).click();
  await expect(page.getByTestId('penalty-approval')).toContainText('法制审核员 已审批');
  await expect(page.getByTestId('next-step')).toHaveText('下一步：由 稽核员 送达行政处罚事先告知书');
  await shot(page, '5-approved');

  // 5. the inspector serves the notice (告知书); 80500 元 is below the legal-review amount
  await as(page, DEMO.jcInspector, caseUrl);
  await page.getByLabel('意见', { exact: true }).fill('送达行政处罚事先告知书');
  await page.getByRole('button', { name: '送达告知书' }).click();
  await expect(page.getByTestId('case-stage')).toHaveText('告知');
  await expect(page.getByTestId('next-step')).toContainText('下一步：由 复核/法制 作出处罚决定');
  await noEnglish(page);
  await shot(page, '6-notified');

  // 6. the reviewer decides once the party has waived its statement
  await as(page, DEMO.reviewer, caseUrl);
  await page.getByLabel('意见', { exact: true }).fill('当事人书面放弃陈述申辩，作出决定');
  await page.getByRole('button', { name: '作出决定' }).click();
  await expect(page.locator('.error-box')).toContainText('陈述申辩、听证申请期限至');
  await page.getByLabel('意见', { exact: true }).fill('当事人书面放弃陈述申辩，作出决定');
  await page.getByLabel('当事人已陈述申辩或放弃').check();
  await page.getByRole('button', { name: '作出决定' }).click();
  await expect(page.getByTestId('case-stage')).toHaveText('决定');
  await expect(page.getByTestId('next-step')).toHaveText('下一步：由 稽核员 送达处罚决定书并进入执行');
  await shot(page, '7-decided');

  // 7. the inspector enforces, records both payments and closes the case
  await as(page, DEMO.jcInspector, caseUrl);
  await page.getByLabel('意见', { exact: true }).fill('送达处罚决定书');
  await page.getByRole('button', { name: '进入执行' }).click();
  await expect(page.getByTestId('case-stage')).toHaveText('执行');
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
  for (const [kind, amount] of [['追回本金', '20500'], ['违约金', '60000']] as const) {
    await page.getByLabel('类别').selectOption({ label: kind });
    await page.getByLabel('金额', { exact: true }).fill(amount);
    await page.getByLabel('缴款日期').fill(today);
    await page.getByRole('button', { name: '登记缴款' }).click();
    await expect(page.getByRole('status')).toContainText('缴款已登记');
  }
  await expect(page.getByTestId('next-step')).toHaveText('下一步：由 稽核员 结案（已全部执行）');
  await page.getByLabel('意见', { exact: true }).fill('执行完毕，结案');
  await page.getByRole('button', { name: '执行完毕结案' }).click();
  await expect(page.getByTestId('case-stage')).toHaveText('结案');
  await expect(page.getByTestId('next-step')).toHaveText('已结案，无须再办理');
  await noEnglish(page);
  await shot(page, '8-closed');

  const { rows } = await db.$client.query<{ stage: string; penalty_total: string; recovered_amount: string }>(
    'select c.stage, c.penalty_total::text, c.recovered_amount::text from cases c join case_alerts ca on ca.case_id = c.id where ca.alert_id = $1',
    [alertId],
  );
  expect(rows).toEqual([{ stage: 'closed', penalty_total: '8050000', recovered_amount: '8050000' }]);
});
