import { expect, test, type APIRequestContext, type Browser, type Page } from '@playwright/test';
import { openHydrated, shoot } from './support';

// Our own QR code (the Official Account): a desktop context shows it, a phone context with
// WeChat's User-Agent opens what it encodes, authorises in the simulator and confirms; the
// desktop follows along live and is signed in, or sent to complete the profile.

const WECHAT_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.50(0x1800323c) NetType/WIFI Language/zh_CN';

type SimUser = { id: number; nickname: string };

async function simUser(request: APIRequestContext, nickname: string): Promise<SimUser> {
  const response = await request.post('/_sim/control/users', { data: { nickname } });
  expect(response.status()).toBe(201);
  return response.json();
}

function unique(prefix: string): string {
  return `${prefix}${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;
}

async function phoneContext(browser: Browser) {
  return browser.newContext({ userAgent: WECHAT_UA, locale: 'zh-CN', viewport: { width: 390, height: 844 } });
}

type Qr = { url: string; code: string };

/** The desktop's QR page: waits for the live status; returns the URL the QR encodes and the
 * number shown beside it, which the phone must pick. */
async function showQr(page: Page): Promise<Qr> {
  await openHydrated(page, '/login/qr');
  await expect(page.locator('.qr-box svg')).toBeVisible();
  await expect(page.locator('.qr-panel')).toHaveAttribute('data-status', 'waiting');
  const url = await page.locator('[data-qr-url]').getAttribute('data-qr-url');
  expect(url).toMatch(/\/qr\/[A-Za-z0-9]{32}$/);
  const code = (await page.locator('.qr-match-code').textContent())!.trim();
  expect(code).toMatch(/^[1-9][0-9]$/);
  await expect(page.locator('.qr-match')).toContainText(`请在手机上选择 ${code}`);
  return { url: url!, code };
}

/** On the phone's confirmation page: checks what it says, then confirms by picking the
 * number shown on the desktop. */
async function confirmOnPhone(phone: Page, nickname: string, code: string, will: string): Promise<void> {
  // The Official Account URL's #wechat_redirect survives the redirects, as in WeChat.
  await expect(phone).toHaveURL(/\/qr\/[A-Za-z0-9]{32}\/confirm(#wechat_redirect)?$/);
  await expect(phone.locator('.phone-facts')).toContainText('Chrome');
  await expect(phone.locator('[data-desktop-network]')).toHaveText(/^[0-9a-f.:]+\/(24|48)$/);
  await expect(phone.locator('.phone-who')).toContainText(nickname);
  await expect(phone.locator('.phone-will')).toHaveAttribute('data-will', will);
  await expect(phone.locator('.phone-card .alert')).toContainText('他人发给你');
  await expect(phone.locator('.phone-choice')).toHaveCount(3);
  await phone.getByRole('button', { name: code, exact: true }).click();
  await expect(phone.locator('[data-outcome="phone-done"]')).toBeVisible();
}

test.describe('in Chinese', () => {
  test.use({ locale: 'zh-CN' });

  test('a new person: scan, authorise, confirm on the phone, complete the profile on the desktop', async ({
    page,
    browser,
    request,
  }) => {
    const me = await simUser(request, unique('扫码用户'));
    const qr = await showQr(page);
    await shoot(page, 'qr-desktop-zh');

    const handset = await phoneContext(browser);
    const phone = await handset.newPage();
    await phone.goto(qr.url);
    // The desktop hears about the scan without reloading.
    await expect(page.locator('.qr-status')).toHaveText('扫描成功，请在手机上确认。');
    // First time: the Official Account asks for the profile (snsapi_userinfo).
    await phone.locator(`input[name="user"][value="${me.id}"]`).check();
    await phone.getByRole('button', { name: /允许/ }).click();
    await confirmOnPhone(phone, me.nickname, qr.code, 'create-account');

    await page.waitForURL(/\/signup$/);
    await expect(page.locator('body[data-hydrated]')).toBeAttached({ timeout: 20_000 });
    await expect(page.locator('#display_name')).toHaveValue(me.nickname);
    await page.locator('#username').fill(unique('qr_'));
    await page.getByRole('button', { name: '创建账号' }).click();
    await page.waitForURL(/\/account$/);
    await expect(page.locator('li[data-identity="wechat_mp"]')).toContainText(me.nickname);

    // The same person on another computer: no consent page this time, straight in.
    const laptop = await browser.newContext({ locale: 'zh-CN' });
    const second = await laptop.newPage();
    const secondQr = await showQr(second);
    await phone.goto(secondQr.url);
    await confirmOnPhone(phone, me.nickname, secondQr.code, 'sign-in');
    await second.waitForURL(/\/account$/);
    await expect(second.locator('li[data-identity="wechat_mp"]')).toContainText(me.nickname);
    await laptop.close();
    await handset.close();
  });

  test('cancelling on the phone shows on the desktop, with a new code on request', async ({ page, browser, request }) => {
    const me = await simUser(request, unique('取消用户'));
    const qr = await showQr(page);
    const firstTicket = await page.locator('[data-ticket]').getAttribute('data-ticket');
    const handset = await phoneContext(browser);
    const phone = await handset.newPage();
    await phone.goto(qr.url);
    await phone.locator(`input[name="user"][value="${me.id}"]`).check();
    await phone.getByRole('button', { name: /允许/ }).click();
    await phone.waitForURL(/\/confirm$/);
    await phone.getByRole('button', { name: '取消' }).click();
    await expect(phone.locator('[data-outcome="phone-cancelled"]')).toBeVisible();

    await expect(page.locator('.qr-status')).toHaveText('你已在手机上取消登录。');
    await page.getByRole('button', { name: '刷新二维码' }).click();
    await expect(page.locator('.qr-panel')).toHaveAttribute('data-status', 'waiting');
    await expect(page.locator('[data-ticket]')).not.toHaveAttribute('data-ticket', firstTicket!);
    await handset.close();
  });

  test('picking a number the desktop does not show cancels the sign-in on both sides', async ({
    page,
    browser,
    request,
  }) => {
    const me = await simUser(request, unique('选错用户'));
    const qr = await showQr(page);
    const handset = await phoneContext(browser);
    const phone = await handset.newPage();
    await phone.goto(qr.url);
    await phone.locator(`input[name="user"][value="${me.id}"]`).check();
    await phone.getByRole('button', { name: /允许/ }).click();
    await phone.waitForURL(/\/confirm$/);
    const choices = await phone.locator('.phone-choice').allTextContents();
    expect(choices.map((c) => c.trim())).toContain(qr.code);
    const wrong = choices.map((c) => c.trim()).find((c) => c !== qr.code)!;
    await phone.getByRole('button', { name: wrong, exact: true }).click();
    await expect(phone.locator('[data-outcome="phone-wrong-number"]')).toBeVisible();
    await expect(page.locator('.qr-panel')).toHaveAttribute('data-status', 'cancelled');
    await expect(page.locator('.qr-status')).toHaveText('你已在手机上取消登录。');
    await handset.close();
  });
});

test.describe('in English', () => {
  test.use({ locale: 'en-US' });

  test('inside WeChat the login page offers the Official Account, not a QR code', async ({ browser, request }) => {
    const me = await simUser(request, unique('inapp'));
    const handset = await browser.newContext({ userAgent: WECHAT_UA, locale: 'en-US' });
    const phone = await handset.newPage();
    await openHydrated(phone, '/login');
    await expect(phone.locator('#wechat-embedded-qr')).toHaveCount(0);
    await phone.locator('a[data-provider="wechat_mp"]').click();
    await phone.locator(`input[name="user"][value="${me.id}"]`).check();
    await phone.getByRole('button', { name: /Allow/ }).click();
    await phone.waitForURL(/\/signup$/);
    await handset.close();
  });
});
