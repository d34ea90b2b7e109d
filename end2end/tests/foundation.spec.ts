import { expect, test } from '@playwright/test';
import { openHydrated } from './support';

test.describe('in Chinese', () => {
  test.use({ locale: 'zh-CN' });

  test('the login page lists the simulated providers', async ({ page }) => {
    await openHydrated(page, '/login');
    await expect(page).toHaveTitle('登录 · Denglu');
    await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('登录');
    await expect(page.getByRole('link', { name: /使用QQ登录/ })).toBeVisible();
    await expect(page.getByRole('link', { name: /使用微博登录/ })).toBeVisible();
    await expect(page.getByRole('note')).toContainText('模拟登录环境');
  });
});

test.describe('in English', () => {
  test.use({ locale: 'en-US' });

  test('the login page speaks English', async ({ page }) => {
    await openHydrated(page, '/login');
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Sign in');
    await expect(page.getByRole('link', { name: /Sign in with QQ/ })).toBeVisible();
    await expect(page.getByRole('link', { name: /Sign in with Weibo/ })).toBeVisible();
  });

  test('the language switch changes the page and remembers it', async ({ page }) => {
    await openHydrated(page, '/login');
    await page.getByRole('link', { name: '简体中文' }).click();
    await expect(page).toHaveURL(/\/login$/);
    await expect(page.locator('body[data-hydrated]')).toBeAttached();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('登录');
    await page.reload();
    await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
    await page.getByRole('link', { name: 'English' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Sign in');
  });

  test('an unknown address shows the 404 page', async ({ page }) => {
    const response = await page.goto('/no/such/page');
    expect(response?.status()).toBe(404);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Page not found');
    await page.getByRole('link', { name: 'Go to the sign-in page' }).click();
    await expect(page).toHaveURL(/\/login$/);
  });
});

test('the health endpoint reports the database', async ({ request }) => {
  const response = await request.get('/healthz');
  expect(response.status()).toBe(200);
  expect(await response.json()).toMatchObject({ status: 'ok', database: 'up' });
});
