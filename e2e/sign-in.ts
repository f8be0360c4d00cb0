import { expect, type Locator, type Page } from '@playwright/test';

/** Demo accounts (README 演示账户, lib/auth/demo-users.ts). */
export const DEMO = {
  jcInspector: { email: 'jc.inspector@demo.local', password: 'Jincheng-2026' },
  ncInspector: { email: 'nc.inspector@demo.local', password: 'Nanchang-2026' },
  reviewer: { email: 'reviewer@demo.local', password: 'Reviewer-2026' },
  admin: { email: 'admin@demo.local', password: 'Admin-2026-ofm' },
  viewer: { email: 'viewer@demo.local', password: 'Viewer-2026' },
} as const;

/** Signs in through the login form and waits for the app shell. For other journeys: `await signIn(page, DEMO.admin)`. */
export async function signIn(page: Page, who: { email: string; password: string }, next = '/'): Promise<void> {
  await page.goto(next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel('邮箱').fill(who.email);
  await page.getByLabel('密码').fill(who.password);
  await page.getByRole('button', { name: '登录' }).click();
  await expect(page.getByTestId('current-user')).toBeVisible();
}

export async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: '退出' }).click();
  await expect(page).toHaveURL(/\/login/);
}

/**
 * An interactive widget (a DataTable, the import drop zone) once React has hydrated it (`data-ready`,
 * components/use-hydrated.ts): keys pressed or files chosen before that reach server-rendered HTML with no handlers
 * and are lost, which made keyboard steps flaky on a slow machine.
 */
export async function hydrated(page: Page, testId: string): Promise<Locator> {
  const widget = page.getByTestId(testId);
  await expect(widget).toHaveAttribute('data-ready', 'true');
  return widget;
}
