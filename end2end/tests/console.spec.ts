import { expect, test, type APIRequestContext, type Browser, type Page } from '@playwright/test';
import { denglu, shoot } from './support';

// The operator console in a real browser, without the wasm (it ships none): the dashboard's
// charts, finding a person, a person's page, and a merge with its confirmation, in both
// languages and at a phone's width. `DENGLU_SCREENSHOTS=DIR` also saves the pages there
// (`make screenshots`).

type SimUser = { id: number; nickname: string };

function unique(prefix: string): string {
  return `${prefix}${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;
}

async function simUser(request: APIRequestContext, nickname: string): Promise<SimUser> {
  const response = await request.post('/_sim/control/users', { data: { nickname } });
  expect(response.status()).toBe(201);
  return response.json();
}

/** A whole first visit with QQ or Weibo as a new simulator user; returns the username. */
async function signUp(page: Page, request: APIRequestContext, provider: RegExp, prefix: string) {
  const user = await simUser(request, unique(prefix));
  await page.goto('/login');
  await page.getByRole('link', { name: provider }).click();
  await page.locator(`input[name="user"][value="${user.id}"]`).check();
  await page.getByRole('button', { name: /Authorize/ }).click();
  await page.waitForURL(/\/signup$/);
  const username = unique(prefix);
  await page.locator('#username').fill(username);
  await page.locator('form.profile-form button[type="submit"]').click();
  await page.waitForURL(/\/account$/);
  return username;
}

/** Someone signed in on a page of their own, in `locale`. */
async function person(browser: Browser, request: APIRequestContext, locale: string, provider: RegExp, prefix: string) {
  const context = await browser.newContext({ locale });
  const page = await context.newPage();
  const username = await signUp(page, request, provider, prefix);
  return { context, page, username };
}

/** The account id the people list shows for `username`. */
async function idOf(page: Page, username: string): Promise<string> {
  await page.goto(`/admin/people?q=${encodeURIComponent(username)}`);
  const row = page.locator('[data-people] tbody tr', { hasText: `@${username}` });
  await expect(row).toHaveCount(1);
  return (await row.getAttribute('data-person'))!;
}


/** The page fits the screen's width: tables scroll inside their box, not the page. */
async function fitsWidth(page: Page): Promise<void> {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
}

const port = () => new URL(test.info().project.use.baseURL!).port;

test('in Chinese: an administrator finds two accounts of one person and merges them', async ({
  browser,
  request,
}) => {
  const admin = await person(browser, request, 'zh-CN', /使用QQ登录/, 'boss_');
  denglu(port(), ['admin', 'grant', admin.username]);
  const old = await person(browser, request, 'zh-CN', /使用微博登录/, 'old_');
  const kept = await person(browser, request, 'zh-CN', /使用QQ登录/, 'kept_');
  const page = admin.page;

  await page.goto('/admin');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('概览');
  await expect(page.locator('[data-chart] svg')).toHaveCount(4);
  await expect(page.getByRole('img', { name: '每天各登录方式的登录次数' })).toBeVisible();
  await expect(page.locator('[data-total="console-total-new-accounts"]')).not.toHaveText('0');
  await shoot(page, 'console-dashboard-zh');

  const keptId = await idOf(page, kept.username);
  const oldId = await idOf(page, old.username);
  await page.locator('[data-people] tbody tr', { hasText: old.username }).locator('a').click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText(`@${old.username}`);
  await expect(page.locator('[data-identity="weibo"]')).toContainText('微博');
  await expect(page.locator('[data-sessions] tbody tr')).toHaveCount(1);

  // Merge: the confirmation names both and wants the emptied account's username typed.
  await page.locator('input[name="into"]').fill(keptId);
  await page.getByRole('button', { name: '合并…' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('合并两个账号');
  await expect(page.locator('[data-merge-explain]')).toContainText(`@${old.username} (#${oldId})`);
  await expect(page.locator('[data-merge-explain]')).toContainText(`@${kept.username} (#${keptId})`);
  await page.locator('input[name="confirm_username"]').fill('someone else');
  await page.getByRole('button', { name: `把 @${old.username} 合并到 @${kept.username}` }).click();
  await expect(page).toHaveURL(/error=confirm-mismatch/);
  await page.locator('input[name="confirm_username"]').fill(old.username);
  await page.getByRole('button', { name: `把 @${old.username} 合并到 @${kept.username}` }).click();
  await expect(page).toHaveURL(new RegExp(`/admin/people/${keptId}\\?notice=merged`));
  await expect(page.locator('[data-notice]')).toHaveText('账号已合并：所有登录方式都在这个账号上了。');
  await expect(page.locator('[data-identities] tbody tr')).toHaveCount(2);

  // The emptied account's browser is signed out; the audit log has the merge, by whom.
  await old.page.goto('/account');
  await expect(old.page).toHaveURL(/\/login/);
  await page.goto('/admin/audit?kind=accounts_merged');
  const merged = page.locator('[data-events] tbody tr[data-kind="accounts_merged"]');
  await expect(merged).toHaveCount(1);
  await expect(merged).toContainText(old.username);
  await expect(merged).toContainText('操作人');

  for (const context of [admin.context, old.context, kept.context]) await context.close();
});

test.describe('in English at a phone width', () => {
  test.use({ locale: 'en-US', viewport: { width: 390, height: 844 } });

  test('the people list, a person page and a disable, each fitting the screen', async ({
    browser,
    request,
  }) => {
    const admin = await person(browser, request, 'en-US', /QQ/, 'chief_');
    denglu(port(), ['admin', 'grant', admin.username]);
    const someone = await person(browser, request, 'en-US', /Weibo/, 'pat_');
    const page = admin.page;
    await page.setViewportSize({ width: 390, height: 844 });

    await page.goto('/admin');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Dashboard');
    await expect(page.getByRole('img', { name: 'Sign-ins per provider per day' })).toBeVisible();
    await fitsWidth(page);
    await shoot(page, 'console-dashboard-phone-en');

    await page.getByRole('link', { name: 'People' }).click();
    await page.getByRole('searchbox').fill(someone.username);
    await page.getByRole('button', { name: 'Search' }).click();
    await expect(page.locator('[data-people] tbody tr')).toHaveCount(1);
    await fitsWidth(page);
    await page.locator('[data-people] tbody tr', { hasText: someone.username }).locator('a').click();
    await expect(page.locator('[data-status]')).toHaveText('Active');
    await fitsWidth(page);
    await page.getByRole('button', { name: 'Disable account' }).click();
    await expect(page.locator('[data-notice]')).toHaveText(
      'The account is disabled and every one of its sessions has ended.',
    );
    await expect(page.locator('[data-status]')).toHaveText('Disabled');
    await someone.page.goto('/account');
    await expect(someone.page).toHaveURL(/\/login/);
    await page.getByRole('button', { name: 'Enable account' }).click();
    await expect(page.locator('[data-status]')).toHaveText('Active');

    // Someone who is not an administrator finds nothing there.
    const response = await someone.page.goto('/admin');
    expect(response!.status()).toBe(404);

    for (const context of [admin.context, someone.context]) await context.close();
  });
});
