import { expect, test, type APIRequestContext, type Browser, type Page } from '@playwright/test';
import { shoot } from './support';

// WeChat from a phone's own browser (not inside WeChat), which cannot scan its own screen. With
// the Official Account configured the page offers our login ticket two ways: its link, copied
// into a WeChat chat and opened there, or the code saved to the photos and scanned from the
// album; the browser waits and signs in when the person comes back. With only the website app,
// WeChat's code with the steps to scan it from a screenshot. In both languages, at a phone's width.

const SAFARI_IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';
const WECHAT_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.50(0x1800323c) NetType/WIFI Language/zh_CN';
const PHONE = { width: 390, height: 844 };

type SimUser = { id: number; nickname: string };

function unique(prefix: string): string {
  return `${prefix}${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;
}

async function simUser(request: APIRequestContext, nickname: string): Promise<SimUser> {
  const response = await request.post('/_sim/control/users', { data: { nickname } });
  expect(response.status()).toBe(201);
  return response.json();
}

async function phoneBrowser(browser: Browser, locale: string) {
  return browser.newContext({
    userAgent: SAFARI_IPHONE,
    locale,
    viewport: PHONE,
    isMobile: true,
    hasTouch: true,
    permissions: ['clipboard-read', 'clipboard-write'],
  });
}

async function hydrated(page: Page): Promise<void> {
  await expect(page.locator('body[data-hydrated]')).toBeAttached({ timeout: 20_000 });
}

/** The page fits the phone's width. */
async function fitsWidth(page: Page): Promise<void> {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
}

/** The saved code is a real image a photo library takes. */
async function codeImageLoads(page: Page): Promise<void> {
  const image = page.locator('img.qr-image');
  await expect(image).toBeVisible();
  expect(await image.getAttribute('src')).toMatch(/^data:image\/png;base64,/);
  expect(await image.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(200);
  await expect(page.locator('[data-save-code]')).toHaveAttribute('download', /\.png$/);
}

test('in Chinese: the link opened in WeChat signs this phone browser in when the person comes back', async ({
  browser,
  request,
}) => {
  const me = await simUser(request, unique('手机用户'));
  const context = await phoneBrowser(browser, 'zh-CN');
  const page = await context.newPage();
  await page.goto('/login');
  await hydrated(page);
  const section = page.locator('[data-wechat="phone"]');
  await expect(section.getByRole('heading', { name: '微信登录' })).toBeVisible();
  await expect(section).toContainText('手机无法扫描自己屏幕上的二维码');
  await expect(page.locator('[data-way="open-in-wechat"] h3')).toHaveText('在微信中打开');
  await expect(page.locator('[data-way="save-to-photos"] h3')).toHaveText('或者把二维码保存到相册');
  await expect(page.locator('.wechat-section svg')).toHaveCount(0);
  await codeImageLoads(page);
  await fitsWidth(page);
  await shoot(page, 'login-phone-zh');

  // Copy the link, as the person would before switching to WeChat.
  const url = (await page.locator('[data-qr-url]').getAttribute('data-qr-url'))!;
  expect(url).toMatch(/\/qr\/[A-Za-z0-9]{32}$/);
  await page.getByRole('button', { name: '复制链接' }).click();
  await expect(page.getByRole('button', { name: '已复制' })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(url);
  const code = (await page.locator('.qr-match-code').textContent())!.trim();
  await expect(page.locator('.qr-match')).toContainText(`请选择 ${code}`);

  // In WeChat: the link opened from a chat, the Official Account's consent, the number.
  const wechat = await browser.newContext({ userAgent: WECHAT_UA, locale: 'zh-CN', viewport: PHONE });
  const inWechat = await wechat.newPage();
  await inWechat.goto(url);
  await expect(page.locator('.qr-status')).toHaveText('扫描成功，请在手机上确认。');
  await inWechat.locator(`input[name="user"][value="${me.id}"]`).check();
  await inWechat.getByRole('button', { name: /允许/ }).click();
  await expect(inWechat).toHaveURL(/\/confirm(#wechat_redirect)?$/);
  await expect(inWechat.locator('.phone-facts')).toContainText('Safari');
  await shoot(inWechat, 'phone-confirm-zh');
  await inWechat.getByRole('button', { name: code, exact: true }).click();
  await expect(inWechat.locator('[data-outcome="phone-done"]')).toBeVisible();

  // Back in the phone's browser: it heard, and goes on to complete the profile.
  await page.waitForURL(/\/signup$/);
  await hydrated(page);
  await expect(page.locator('#display_name')).toHaveValue(me.nickname);
  await shoot(page, 'signup-phone-zh');
  await wechat.close();
  await context.close();
});

test('in English: both ways are explained, and the page fits the phone', async ({ browser }) => {
  const context = await phoneBrowser(browser, 'en-US');
  const page = await context.newPage();
  await page.goto('/login');
  await hydrated(page);
  await expect(page.locator('[data-wechat="phone"] h2')).toHaveText('Sign in with WeChat');
  await expect(page.locator('[data-way="open-in-wechat"]')).toContainText('File Transfer');
  await expect(page.locator('[data-way="save-to-photos"]')).toContainText('the album icon');
  await expect(page.getByRole('button', { name: 'Copy link' })).toBeVisible();
  await codeImageLoads(page);
  await expect(page.getByRole('img', { name: 'The WeChat sign-in code, to save and scan from the album' })).toBeVisible();
  await fitsWidth(page);
  await shoot(page, 'login-phone-en');
  // A computer still gets the code to scan.
  const desktop = await browser.newContext({ locale: 'en-US' });
  const computer = await desktop.newPage();
  await computer.goto('/login');
  await expect(computer.locator('[data-wechat="phone"]')).toHaveCount(0);
  await expect(computer.locator('[data-wechat="embedded"] iframe')).toBeVisible();
  await shoot(computer, 'login-desktop-en');
  await desktop.close();
  await context.close();
});

test.describe('with only the website app', () => {
  const base = () => `http://127.0.0.1:${process.env.DENGLU_E2E_WEBSITE_ONLY_PORT}`;

  for (const [locale, title, first] of [
    ['zh-CN', '微信登录', '截图保存下面的二维码。'],
    ['en-US', 'Sign in with WeChat', 'Take a screenshot of the code below.'],
  ]) {
    test(`${locale}: WeChat's code with the steps to scan it from a screenshot`, async ({ browser }) => {
      const context = await phoneBrowser(browser, locale);
      const page = await context.newPage();
      await page.goto(`${base()}/login`);
      await hydrated(page);
      const section = page.locator('[data-wechat="phone-embedded"]');
      await expect(section.locator('h2')).toHaveText(title);
      const steps = section.locator('[data-steps="screenshot"] li');
      await expect(steps).toHaveCount(3);
      await expect(steps.first()).toHaveText(first);
      await expect(section.locator('iframe')).toHaveAttribute('title', /.+/);
      await expect(page.locator('[data-way="open-in-wechat"]')).toHaveCount(0);
      await fitsWidth(page);
      await context.close();
    });
  }
});
