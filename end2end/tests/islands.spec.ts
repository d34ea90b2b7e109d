import { expect, test, type Page } from '@playwright/test';

// Islands: a page loads wasm only when it has an interactive part, and then the lightest
// bundle that has every island on it.

/** The wasm files `page` fetches while `visit` runs and the page becomes interactive. */
async function wasmFetched(page: Page, visit: () => Promise<unknown>): Promise<string[]> {
  const fetched: string[] = [];
  page.on('request', (request) => {
    const path = new URL(request.url()).pathname;
    if (path.endsWith('.wasm')) fetched.push(path);
  });
  await visit();
  await expect(page.locator('body[data-hydrated]')).toBeAttached({ timeout: 20_000 });
  return fetched;
}

test.use({ locale: 'en-US' });

test('a computer login page has nothing to hydrate and loads no wasm', async ({ page }) => {
  const fetched = await wasmFetched(page, () => page.goto('/login'));
  expect(fetched).toEqual([]);
  await expect(page.locator('leptos-island')).toHaveCount(0);
  // Still a working page: WeChat's own QR, drawn by its script.
  await expect(page.locator('#wechat-embedded-qr iframe')).toHaveAttribute('title', /WeChat/);
});

test('our QR page loads the sign-in bundle, and its island follows the ticket', async ({ page }) => {
  const fetched = await wasmFetched(page, () => page.goto('/login/qr'));
  expect(fetched).toHaveLength(1);
  expect(fetched[0]).toMatch(/^\/pkg\/denglu-signin_bg(-[0-9a-f]{16})?\.wasm$/);
  await expect(page.locator('.qr-panel')).toHaveAttribute('data-status', 'waiting');
});

test('the profile form loads the full bundle and checks the username live', async ({ page, request }) => {
  const created = await request.post('/_sim/control/users', { data: { nickname: `Island ${Date.now()}` } });
  expect(created.status()).toBe(201);
  const user = await created.json();
  await page.goto('/login');
  await page.getByRole('link', { name: /Sign in with QQ/ }).click();
  await page.locator(`input[name="user"][value="${user.id}"]`).check();
  const fetched = await wasmFetched(page, async () => {
    await page.getByRole('button', { name: /Authorize/ }).click();
    await page.waitForURL(/\/signup$/);
  });
  expect(fetched).toHaveLength(1);
  expect(fetched[0]).toMatch(/^\/pkg\/denglu_bg(-[0-9a-f]{16})?\.wasm$/);
  await page.locator('#username').fill('a');
  await expect(page.locator('[data-username-check="invalid"]')).toBeVisible();
});
