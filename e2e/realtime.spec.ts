/**
 * Issue 23 over HTTP: an admin makes an institution's key on 事前事中审核, the institution's system calls 3101 and 3103
 * with it (no session: proxy.ts lets the NHSA paths through, the route checks the key), the page counts the call and
 * the doctor's answer, and a revoked key is refused with 401.
 */
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

test('key, 3101 warning, 3103 answer, the bureau page, revocation', async ({ page, playwright }) => {
  test.setTimeout(240_000);
  const inst = (
    await db.$client.query<{ code: string }>("select fixmedins_code as code from institutions where region_code = '140500' and fixmedins_type = 'hospital' order by fixmedins_code limit 1")
  ).rows[0];
  expect(inst).toBeDefined();
  const code = inst?.code ?? '';
  await signIn(page, DEMO.admin);
  await page.goto('/realtime');
  await expect(page.getByRole('heading', { name: '事前事中审核' })).toBeVisible();
  await page.getByLabel('密钥机构编码').fill(code);
  await page.getByRole('button', { name: '生成密钥' }).click();
  const key = (await page.getByTestId('new-key').textContent())?.trim() ?? '';
  expect(key).toMatch(/^ofm_140500_/);

  // the institution's system: no cookies, only the key
  const his = await playwright.request.newContext({ baseURL: page.url().replace(/\/realtime.*$/, '') });
  const body = {
    input: {
      data: {
        trig_scen: '1',
        task_id: 'E2E-1',
        patient_dtos: [
          {
            patn_id: 'E2E-P1',
            fsi_encounter_dtos: [
              {
                mdtrt_id: 'E2E-M1',
                medins_id: code,
                adm_date: '2024-06-03 09:30:00',
                med_type: '11',
                medfee_sumamt: '120.00',
                fsi_order_dtos: [{ rx_id: 'E2E-RX1', hilist_code: 'E2E-DRUG', hilist_type: '101', sumamt: '120.00', drord_begn_date: '2024-06-03', drord_stop_date: '2024-06-22', drord_dr_codg: 'E2E-DR' }],
              },
            ],
          },
        ],
      },
    },
  };
  const noKey = await his.post('/api/nhsa/3101', { data: body });
  expect(noKey.status()).toBe(401);
  expect((await noKey.json()).infcode).toBe(-1);
  const malformed = await his.post('/api/nhsa/3101', { headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, data: Buffer.from('{"input":') });
  expect(malformed.status()).toBe(400);
  expect((await malformed.json()).err_msg).toMatch(/JSON/);
  const res = await his.post('/api/nhsa/3101', { headers: { authorization: `Bearer ${key}` }, data: body });
  expect(res.status()).toBe(200);
  const out = (await res.json()) as { infcode: number; output: { result: Array<{ jr_id: string; rule_id: string; judge_result_detail_dtos: Array<{ rx_id: string }> }> } };
  expect(out.infcode).toBe(0);
  const warn = out.output.result.find((r) => r.rule_id === 'RX-DAYS-ORD');
  expect(warn?.judge_result_detail_dtos.map((d) => d.rx_id)).toEqual(['E2E-RX1']);
  const fb = await his.post('/api/nhsa/3103', {
    headers: { authorization: `Bearer ${key}` },
    data: { input: { data: { warn_rslt_dtos: [{ jr_id: warn?.jr_id, dspo_way: '1', dspo_wayrea: '患者出差需带药' }] } } },
  });
  expect(fb.status()).toBe(200);

  await page.goto('/realtime');
  await expect(page.getByTestId('rt-calls')).toHaveText(/^[1-9]/);
  const rules = page.getByTestId('rt-rules');
  await expect(rules).toContainText('普通疾病处方超最长天数');
  await expect(rules).toContainText('患者出差需带药（1）');
  await expect(page.getByTestId('rt-inst-day')).toContainText(code);
  await page.screenshot({ path: 'test-results/screens/realtime.png', fullPage: true });

  const row = page.getByTestId('rt-keys').locator('tr', { hasText: key.slice(0, 15) });
  await row.getByRole('button', { name: '作废' }).click();
  await expect(row).toContainText('已作废');
  const revoked = await his.post('/api/nhsa/3101', { headers: { authorization: `Bearer ${key}` }, data: body });
  expect(revoked.status()).toBe(401);
  await his.dispose();
});
