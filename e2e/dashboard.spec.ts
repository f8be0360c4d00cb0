import fs from 'node:fs';
import { expect, test } from '@playwright/test';
import type { Db } from '../lib/db/client';
import { count } from '../lib/format';
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

test('overview numbers match the database; profiles and the indicator explorer open', async ({ page }) => {
  test.setTimeout(240_000);
  await signIn(page, DEMO.jcInspector);
  const { rows } = await db.$client.query<{ q: string; visits: number; total: string }>(`
    with last as (select date_trunc('quarter', max(setl_time) at time zone 'Asia/Shanghai') as q from settlements where admdvs = '140500')
    select to_char(last.q, 'YYYY') || '-Q' || to_char(last.q, 'Q') as q, count(*)::int as visits, sum(medfee_sumamt)::text as total
    from settlements s, last
    where s.admdvs = '140500' and not s.reversed and not s.refd_setl_flag
      and s.setl_time >= last.q at time zone 'Asia/Shanghai' and s.setl_time < (last.q + interval '3 months') at time zone 'Asia/Shanghai'
    group by last.q`);
  const expected = rows[0];
  expect(expected).toBeDefined();
  await page.goto(`/?period=${expected?.q}`);
  await expect(page.getByRole('heading', { name: '总览' })).toBeVisible();
  await expect(page.getByTestId('kpi-visits')).toHaveText(count(expected?.visits ?? -1));
  const total = Number(expected?.total) / 100;
  const shown = (await page.getByTestId('kpi-total').innerText()).replace(/,/g, '');
  const value = shown.includes('万元') ? Number.parseFloat(shown) * 10000 : Number.parseFloat(shown);
  expect(Math.abs(value - total)).toBeLessThan(shown.includes('万元') ? 50 : 0.006);
  await expect(page.getByTestId('chart').first()).toBeVisible();
  await page.screenshot({ path: 'test-results/screens/overview.png', fullPage: true });

  // which institutions grew fastest in per-visit cost this quarter → open the first → its claims
  await page.goto(`/institutions?period=${expected?.q}&sort=perVisitGrowth.desc`);
  const institutions = await hydrated(page, 'institution-table');
  await page.screenshot({ path: 'test-results/screens/institutions.png', fullPage: true });
  const firstRow = institutions.locator('tbody tr').first();
  await firstRow.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: /机构画像/ })).toBeVisible();
  await expect(page.getByTestId('top-claims')).toBeVisible();
  await page.screenshot({ path: 'test-results/screens/institution-profile.png', fullPage: true });

  await page.goto(`/doctors?period=${expected?.q}`);
  await expect(page.getByTestId('doctor-table')).toBeVisible();
  await page.screenshot({ path: 'test-results/screens/doctors.png', fullPage: true });
  await page.getByTestId('doctor-table').locator('tbody tr a').first().click();
  await expect(page.getByRole('heading', { name: /医师画像/ })).toBeVisible();
  await page.screenshot({ path: 'test-results/screens/doctor-profile.png', fullPage: true });

  await page.goto(`/persons?period=${expected?.q}`);
  await expect(page.getByTestId('insured-table')).toBeVisible();
  // identifiers masked in the list
  await expect(page.getByTestId('insured-table').locator('tbody tr').first()).toContainText('*');
  await page.screenshot({ path: 'test-results/screens/persons.png', fullPage: true });
  await page.getByTestId('insured-table').locator('tbody tr a').first().click();
  await expect(page.getByRole('heading', { name: /参保人画像/ })).toBeVisible();
  await expect(page.getByTestId('reveal-value').or(page.getByRole('button', { name: '显示' })).first()).toBeVisible();
  await page.screenshot({ path: 'test-results/screens/person-profile.png', fullPage: true });

  await page.goto(`/indicators?kind=institution&metric=examShare&period=${expected?.q}`);
  await expect(page.getByTestId('percentiles')).toBeVisible();
  await page.screenshot({ path: 'test-results/screens/indicators.png', fullPage: true });
});
