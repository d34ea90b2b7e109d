import { expect, test, type Page } from '@playwright/test';
import { openHydrated } from './support';

// The Content-Security-Policy is in force on the interactive pages, and nothing they need
// breaks it: the hydration scripts, WeChat's embedded QR (its script, the inline call that
// draws it, its frame) and our own QR panel.

type Violations = string[];

/** Collects every CSP violation the page reports, from the console and the DOM event. */
async function watchViolations(page: Page): Promise<Violations> {
  const seen: Violations = [];
  page.on('console', (message) => {
    if (/Content Security Policy|Content-Security-Policy/i.test(message.text())) {
      seen.push(`console: ${message.text()}`);
    }
  });
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      console.error(
        `Content Security Policy violation: ${event.violatedDirective} blocked ${event.blockedURI}`,
      );
    });
  });
  return seen;
}

/** Opens `path`, checks that its response set a policy with a nonce, waits for hydration. */
async function openUnderPolicy(page: Page, path: string): Promise<void> {
  const response = page.waitForResponse(
    (r) => new URL(r.url()).pathname === new URL(path, 'http://x').pathname && r.request().resourceType() === 'document',
  );
  await openHydrated(page, path);
  const csp = (await response).headers()['content-security-policy'] ?? '';
  expect(csp).toContain("'nonce-");
  expect(csp).toContain("frame-ancestors 'none'");
}

test.describe('under the Content-Security-Policy', () => {
  test.use({ locale: 'en-US' });

  test('/login with the embedded WeChat QR reports no violation', async ({ page }) => {
    const violations = await watchViolations(page);
    await openUnderPolicy(page, '/login');
    const frame = page.frameLocator('#wechat-embedded-qr iframe');
    await expect(frame.locator('.qr svg').first()).toBeVisible();
    // Named, so that a screen reader can say what the frame is.
    await expect(page.locator('#wechat-embedded-qr iframe')).toHaveAttribute(
      'title',
      'WeChat QR code for signing in',
    );
    expect(violations).toEqual([]);
  });

  test('/login/qr reports no violation', async ({ page }) => {
    const violations = await watchViolations(page);
    await openUnderPolicy(page, '/login/qr');
    await expect(page.locator('.qr-box svg')).toBeVisible();
    await expect(page.locator('.qr-panel')).toHaveAttribute('data-status', 'waiting');
    expect(violations).toEqual([]);
  });

  test('/account reports no violation', async ({ page, request }) => {
    const violations = await watchViolations(page);
    const created = await request.post('/_sim/control/users', { data: { nickname: `csp${Date.now()}` } });
    expect(created.status()).toBe(201);
    const me = await created.json();
    await openUnderPolicy(page, '/login');
    await page.getByRole('link', { name: /Sign in with QQ/ }).click();
    await page.locator(`input[name="user"][value="${me.id}"]`).check();
    await page.getByRole('button', { name: /Authorize/ }).click();
    await page.waitForURL(/\/signup$/);
    await expect(page.locator('body[data-hydrated]')).toBeAttached({ timeout: 20_000 });
    await page.locator('#username').fill(`csp_${Date.now().toString(36)}`);
    await page.getByRole('button', { name: 'Create my account' }).click();
    await page.waitForURL(/\/account$/);
    await openUnderPolicy(page, '/account');
    await expect(page.locator('li[data-identity="qq"]')).toContainText(me.nickname);
    expect(violations).toEqual([]);
  });
});
