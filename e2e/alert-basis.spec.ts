import fs from 'node:fs';
import { expect, test } from '@playwright/test';
import type { Db } from '../lib/db/client';
import { e2eDb } from './dashboard-data';
import { DEMO, signIn } from './sign-in';

let db: Db;
test.beforeAll(async () => {
  test.setTimeout(300_000);
  db = await e2eDb();
  fs.mkdirSync('test-results/screens', { recursive: true });
});
test.afterAll(async () => {
  await db?.$client.end();
});

const firstAlert = async (region: string, rules: string[]) => {
  const r = await db.$client.query<{ id: number; rule_id: string }>(
    'select id, rule_id from alerts where region_code = $1 and rule_id = any($2) order by rule_id, id limit 1',
    [region, rules],
  );
  return r.rows[0];
};

test("an alert cites its region's documents, and the peer panel shows the group a peer rule ranked in", async ({ page }) => {
  await signIn(page, DEMO.jcInspector);

  const fund = await firstAlert('140500', ['TOP-FUND']);
  test.skip(!fund, 'no TOP-FUND alert in the demo data');
  await page.goto(`/alerts/${fund?.id}`);
  const panel = page.getByTestId('peer-panel');
  await expect(panel.getByTestId('peer-numbers')).toContainText('同组数量');
  await expect(panel.getByTestId('peer-numbers')).toContainText('预警百分位阈值');
  await expect(panel).not.toContainText('本规则不做同组比较');
  await expect(panel.locator('svg, canvas').first()).toBeVisible();
  for (const c of await page.getByTestId('alert-clause').allInnerTexts()) expect(c).not.toMatch(/南昌|湘政办发|二连浩特/);
  await page.screenshot({ path: 'test-results/screens/alert-top-fund.png', fullPage: true });

  const excl = await firstAlert('140500', ['EXCL-SUSPENDED', 'EXCL-INPATIENT', 'RX-DAYS-ORD', 'PAY-DIFF', 'SPLIT-VISIT']);
  if (excl) {
    await page.goto(`/alerts/${excl.id}`);
    await expect(page.getByTestId('peer-panel')).toContainText('本规则不做同组比较');
    await expect(page.getByText('同组中位数')).toHaveCount(0);
    for (const c of await page.getByTestId('alert-clause').allInnerTexts()) expect(c).not.toMatch(/南昌|湘政办发|二连浩特/);
    await page.screenshot({ path: 'test-results/screens/alert-no-peers.png', fullPage: true });
  }
});
