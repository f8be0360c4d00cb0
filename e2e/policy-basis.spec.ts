import { expect, test } from '@playwright/test';
import { DEMO, signIn } from './sign-in';

/** Issue 18.1: a policy's 依据 is a document binding its region; another region's clause only as a 参照 note. */
test('Hunan policy page: no_card rests on the national regulation, Jincheng shown as 参照', async ({ page }) => {
  await signIn(page, DEMO.admin, '/policies/hunan-2023');
  await page.goto('/policies/hunan-2023');
  const row = page.getByRole('row').filter({ hasText: '未持医保电子凭证/社保卡' });
  await expect(row).toContainText('《医疗保障基金使用监督管理条例》 第十五条：“定点医药机构及其工作人员应当执行实名就医和购药管理规定，核验参保人员医疗保障凭证”');
  await expect(row).toContainText('参照（他地区文件，不作依据）：晋市医保发〔2022〕22号 四 不予支付情形9');
  await expect(row).not.toContainText('参照此条');
  await page.screenshot({ path: 'test-results/screens/policy-hunan.png', fullPage: true });
});
