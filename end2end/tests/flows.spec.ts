import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { openHydrated, shoot } from './support';

// Sign-in flows in a real browser, through the simulator's own pages: QQ and Weibo consent,
// the WeChat QR scanned with the phone page, profile completion, linking and unlinking.
// Every test makes its own simulator users, so tests do not meet in the shared database.

const WECHAT_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.50(0x1800323c) NetType/WIFI Language/zh_CN';

type SimUser = { id: number; nickname: string };

function unique(prefix: string): string {
  return `${prefix}${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;
}

async function simUser(request: APIRequestContext, nickname: string): Promise<SimUser> {
  const response = await request.post('/_sim/control/users', { data: { nickname } });
  expect(response.status()).toBe(201);
  return response.json();
}

/** On a QQ or Weibo consent page: choose the user and authorize. */
async function consent(page: Page, user: SimUser): Promise<void> {
  await page.locator(`input[name="user"][value="${user.id}"]`).check();
  await page.getByRole('button', { name: /Authorize/ }).click();
}

/** Waits for the page reached by a full navigation to be interactive. */
async function hydrated(page: Page): Promise<void> {
  await expect(page.locator('body[data-hydrated]')).toBeAttached({ timeout: 20_000 });
}

/** From /login: sign in with `provider` as `user` through its consent page, land on /signup. */
async function firstLogin(page: Page, provider: RegExp, user: SimUser): Promise<void> {
  await openHydrated(page, '/login');
  await page.getByRole('link', { name: provider }).click();
  await consent(page, user);
  await page.waitForURL(/\/signup$/);
  await hydrated(page);
}

test.describe('in Chinese', () => {
  test.use({ locale: 'zh-CN' });

  test('QQ first login: a taken username is refused beside the field, a free one signs in', async ({
    page,
    browser,
    request,
  }) => {
    const taken = unique('taken_');
    // Someone else already has the name.
    const other = await browser.newContext({ locale: 'zh-CN' });
    const otherPage = await other.newPage();
    await firstLogin(otherPage, /使用微博登录/, await simUser(request, unique('别人')));
    await otherPage.locator('#username').fill(taken);
    await otherPage.getByRole('button', { name: '创建账号' }).click();
    await otherPage.waitForURL(/\/account$/);
    await other.close();

    const me = await simUser(request, unique('王芳'));
    await firstLogin(page, /使用QQ登录/, me);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('完善个人资料');
    await expect(page.locator('#display_name')).toHaveValue(me.nickname);
    await expect(page.locator('#username')).not.toHaveValue('');

    // The live check speaks up while typing...
    await page.locator('#username').fill(taken);
    await expect(page.locator('[data-username-check="taken"]')).toHaveText('该用户名已被占用。');
    // ...and the server refuses it on submit, beside the field.
    await page.getByRole('button', { name: '创建账号' }).click();
    await expect(page.locator('[data-field-error="username"]')).toHaveText('该用户名已被占用。');
    await expect(page).toHaveURL(/\/signup$/);

    const mine = unique('wf_');
    await page.locator('#username').fill(mine);
    await expect(page.locator('[data-username-check="available"]')).toBeVisible();
    await page.getByRole('button', { name: '创建账号' }).click();
    await page.waitForURL(/\/account$/);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('我的账号');
    await shoot(page, 'account-desktop-zh');
    await expect(page.locator(`[data-username="${mine}"]`)).toBeVisible();
    await expect(page.locator(`header [data-signed-in="${mine}"]`)).toBeVisible();
    await expect(page.locator('li[data-identity="qq"]')).toContainText(me.nickname);

    // Signing out ends on the login page, signed out.
    await page.getByRole('button', { name: '退出登录' }).click();
    await page.waitForURL(/\/login$/);
    await expect(page.locator('header .user-menu')).toHaveText('登录');
    // The login page it lands on shows WeChat's QR, with the iframe's title.
    await expect(page.locator('#wechat-embedded-qr iframe')).toHaveAttribute('title', '微信登录二维码');
    const api = await page.request.get('/api/me');
    expect(api.status()).toBe(401);
  });

  test('WeChat QR embedded in the login page: the whole window follows the phone to the callback', async ({
    page,
    browser,
    request,
  }) => {
    const me = await simUser(request, unique('微信用户'));
    await openHydrated(page, '/login');
    // WeChat's QR is an iframe that wxLogin.js builds inside our page.
    const frame = page.frameLocator('#wechat-embedded-qr iframe');
    await expect(frame.locator('.qr svg').first()).toBeVisible();
    const phoneUrl = await frame.getByRole('link', { name: /Open the phone page here/ }).getAttribute('href');
    expect(phoneUrl).toMatch(/\/_sim\/phone\/[A-Za-z0-9]+$/);

    const handset = await browser.newContext({ userAgent: WECHAT_UA, viewport: { width: 390, height: 844 } });
    const phone = await handset.newPage();
    await phone.goto(phoneUrl!);
    await expect(frame.locator('#wx_status')).toContainText('Scanned');
    await phone.locator(`input[name="user"][value="${me.id}"]`).check();
    await phone.getByRole('button', { name: /Confirm/ }).click();

    // The desktop page goes to our callback by itself, then on to the profile form.
    await page.waitForURL(/\/signup$/);
    await hydrated(page);
    await expect(page.locator('#display_name')).toHaveValue(me.nickname);
    await page.locator('#username').fill(unique('wx_'));
    await page.getByRole('button', { name: '创建账号' }).click();
    await page.waitForURL(/\/account$/);
    await expect(page.locator('li[data-identity="wechat"]')).toContainText(me.nickname);
    await handset.close();
  });
});

test.describe('in English', () => {
  test.use({ locale: 'en-US' });

  test('Weibo first login, then linking QQ and unlinking on the account page', async ({ page, request }) => {
    const weiboUser = await simUser(request, unique('Li Lei '));
    const qqUser = await simUser(request, unique('Lei QQ '));
    await firstLogin(page, /Sign in with Weibo/, weiboUser);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Complete your profile');
    await page.locator('#username').fill(unique('lilei_'));
    await page.locator('#email').fill('lilei@example.com');
    await page.getByRole('button', { name: 'Create my account' }).click();
    await page.waitForURL(/\/account$/);
    await expect(page.locator('li[data-identity="weibo"]')).toContainText(weiboUser.nickname);

    // Link QQ: the same start/callback, bound to this signed-in session.
    await page.locator('a[data-link="qq"]').click();
    await consent(page, qqUser);
    await page.waitForURL(/\/account\?notice=linked$/);
    await hydrated(page);
    await expect(page.locator('[data-account-notice="linked"]')).toHaveText(
      'The sign-in method was linked to your account.',
    );
    await expect(page.locator('li.identity')).toHaveCount(2);
    await expect(page.locator('li[data-identity="qq"]')).toContainText(qqUser.nickname);
    await expect(page.locator('a[data-link="qq"]')).toHaveCount(0);

    // Unlink Weibo; then the last one (QQ) is refused.
    await page.locator('button[data-unlink="weibo"]').click();
    await expect(page.locator('li.identity')).toHaveCount(1);
    await expect(page.locator('li[data-identity="qq"]')).toBeVisible();
    await page.locator('button[data-unlink="qq"]').click();
    await expect(page.locator('[data-form-error="account-unlink-last"]')).toHaveText(
      'This is your only sign-in method: link another one before unlinking it.',
    );
    await expect(page.locator('li.identity')).toHaveCount(1);

    // Editing the profile updates the header too.
    await page.locator('#display_name').fill('Lei <b>Li</b>');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect(page.locator('[data-saved="profile"]')).toBeVisible();
    await expect(page.locator('header .user-name')).toHaveText('Lei <b>Li</b>');
  });

  test('cancelling at QQ explains it on the login page', async ({ page, request }) => {
    await simUser(request, unique('Canceller '));
    await openHydrated(page, '/login');
    await page.getByRole('link', { name: /Sign in with QQ/ }).click();
    await page.getByRole('button', { name: /Cancel/ }).click();
    await page.waitForURL(/\/login\?error=cancelled$/);
    await expect(page.locator('[data-error="cancelled"]')).toContainText(
      'You cancelled the sign-in at the provider.',
    );
  });
});

test.describe('without JavaScript', () => {
  test.use({ locale: 'en-US', javaScriptEnabled: false });

  test('the profile form still works, errors and all', async ({ page, request }) => {
    const me = await simUser(request, unique('NoJS '));
    await page.goto('/login');
    await page.getByRole('link', { name: /Sign in with QQ/ }).click();
    await consent(page, me);
    await page.waitForURL(/\/signup$/);
    await page.locator('#username').fill('no');
    await page.getByRole('button', { name: 'Create my account' }).click();
    await expect(page.locator('[data-field-error="username"]')).toHaveText(
      'The username must have at least 3 characters.',
    );
    // Without the wasm the form comes back from the server's suggestion, not from what was
    // typed (values never travel in the URL), so the field's value is not asserted here.
    await page.locator('#username').fill(unique('nojs_'));
    await page.getByRole('button', { name: 'Create my account' }).click();
    await page.waitForURL(/\/account$/);
    await expect(page.locator('li[data-identity="qq"]')).toContainText(me.nickname);
  });
});

