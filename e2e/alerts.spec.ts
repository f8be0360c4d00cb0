import fs from 'node:fs';
import ExcelJS from 'exceljs';
import { expect, test } from '@playwright/test';
import type { Db } from '../lib/db/client';
import { e2eDb } from './dashboard-data';
import { DEMO, hydrated, signIn } from './sign-in';

let db: Db;
test.beforeAll(async () => {
  test.setTimeout(300_000);
  db = await e2eDb();
  fs.mkdirSync('test-results/screens', { recursive: true });
});
test.afterAll(async () => {
  await db?.$client.end();
});

const amountOf = (s: string) => {
  const n = Number.parseFloat(s.replace(/,/g, ''));
  return s.includes('万元') ? n * 10000 : n;
};

test('filter and sort alerts, open one, dismiss it as a false positive, export XLSX and CSV', async ({ page }) => {
  test.setTimeout(240_000);
  await signIn(page, DEMO.jcInspector);
  await page.goto('/alerts');
  const table = await hydrated(page, 'alerts-table');

  // filter: high severity only
  await page.getByRole('combobox', { name: '等级', exact: true }).selectOption('high');
  await expect(page).toHaveURL(/severity=high/);
  const sevCells = table.locator('tbody tr td:nth-child(3)');
  await expect(sevCells.first()).toHaveText('高');
  for (const t of await sevCells.allInnerTexts()) expect(t).toBe('高');
  const { rows } = await db.$client.query<{ n: number }>(`select count(*)::int as n from alerts where region_code = '140500' and severity = 'high'`);
  await expect(page.getByTestId('table-total')).toContainText(`共 ${rows[0]?.n} 条`);

  // sort by amount (server-side): the URL carries it and the page is ordered
  await table.getByRole('button', { name: /涉及金额/ }).click();
  await expect(page).toHaveURL(/sort=amount\.(asc|desc)/);
  const desc = /sort=amount\.desc/.test(page.url());
  await expect(table.locator('th[aria-sort]')).toContainText('涉及金额');
  const amounts = (await table.locator('tbody tr td:nth-child(10)').allInnerTexts()).map(amountOf);
  const sorted = [...amounts].sort((a, b) => (desc ? b - a : a - b));
  expect(amounts).toEqual(sorted);
  await page.screenshot({ path: 'test-results/screens/alerts.png', fullPage: true });

  // export the filtered rows: XLSX parsed with exceljs, CSV starts with a BOM
  const [xlsx] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-xlsx').click()]);
  const file = await xlsx.path();
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(file);
  const ws = wb.getWorksheet('预警');
  expect(ws?.getRow(1).getCell(1).value).toBe('预警编号');
  expect((ws?.rowCount ?? 0) - 1).toBe(rows[0]?.n);
  for (let r = 2; r <= (ws?.rowCount ?? 1); r += 1) expect(ws?.getRow(r).getCell(6).value).toBe('高');
  const [csv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
  const buf = fs.readFileSync(await csv.path());
  expect([...buf.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  expect(buf.toString('utf8')).toContain('规则名称');

  // open an open alert with the keyboard and read why it fired
  await page.goto('/alerts?status=new&sort=severity.desc');
  await hydrated(page, 'alerts-table');
  const first = table.locator('tbody tr').first();
  const id = await first.getAttribute('data-row-id');
  await first.focus();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(new RegExp(`/alerts/${id}$`));
  await expect(page.getByTestId('alert-explanation')).not.toBeEmpty();
  await expect(page.getByTestId('alert-clause').first()).toBeVisible();
  await page.screenshot({ path: 'test-results/screens/alert-detail.png', fullPage: true });

  // only users who can see a Jincheng alert are offered; assign it to a colleague and the assignee shows
  const offered = await page.getByLabel('分派给').locator('option').allInnerTexts();
  expect(offered).toEqual(expect.arrayContaining(['分派给我', '晋城稽核员', '法制审核员', '系统管理员']));
  expect(offered).not.toContain('南昌稽核员');
  expect(offered).not.toContain('只读用户');
  await page.getByLabel('分派给').selectOption({ label: '法制审核员' });
  await page.getByRole('button', { name: '分派', exact: true }).click();
  await expect(page.getByTestId('alert-assignee')).toHaveText('处理人：法制审核员');
  await page.getByLabel('分派给').selectOption('');
  await page.getByRole('button', { name: '分派', exact: true }).click();
  await expect(page.getByTestId('alert-assignee')).toHaveText('处理人：晋城稽核员');

  // dismiss as a false positive: a reason from the list (and a text) is required and kept in the history
  await page.getByRole('button', { name: '排除（误报）' }).click();
  await expect(page.getByRole('button', { name: '确定排除' })).toBeDisabled();
  await page.getByLabel('误报原因').selectOption({ label: '其他' });
  await expect(page.getByRole('button', { name: '确定排除' })).toBeDisabled();
  const reason = `e2e 核实为正常诊疗 ${Date.now()}`;
  await page.getByLabel('排除说明').fill(reason);
  await page.getByRole('button', { name: '确定排除' }).click();
  await expect(page.getByTestId('alert-status')).toHaveText('已排除');
  await expect(page.getByTestId('alert-history')).toContainText(`其他：${reason}`);
  const ev = await db.$client.query<{ reason: string; reason_code: string; to_status: string }>(`select reason, reason_code, to_status from alert_events where alert_id = $1 and action = 'dismiss'`, [Number(id)]);
  expect(ev.rows[0]).toEqual({ reason, reason_code: 'other', to_status: 'dismissed' });
  await page.screenshot({ path: 'test-results/screens/alert-dismissed.png', fullPage: true });

  // 撤销: the verdict is withdrawn with a reason, the alert is open again (with its handler)
  await page.getByRole('button', { name: '撤销结论' }).click();
  await page.getByLabel('撤销理由').fill('误点排除，重新核查');
  await page.getByRole('button', { name: '确定撤销' }).click();
  await expect(page.getByTestId('alert-status')).toHaveText('已分派');
  await expect(page.getByTestId('alert-history')).toContainText('误点排除，重新核查');

  // 我的预警: the list shows the assignee and filters to the signed-in user's alerts
  await page.goto('/alerts?mine=1');
  const mine = await hydrated(page, 'alerts-table');
  await expect(mine.locator(`tbody tr[data-row-id="${id}"]`)).toContainText('晋城稽核员');
  const { rows: own } = await db.$client.query<{ n: number }>(`select count(*)::int as n from alerts a join users u on u.id = a.assigned_to where u.email = 'jc.inspector@demo.local' and a.status <> 'withdrawn'`);
  await expect(page.getByTestId('table-total')).toContainText(`共 ${own[0]?.n} 条`);
  await page.screenshot({ path: 'test-results/screens/alerts-mine.png', fullPage: true });
});
