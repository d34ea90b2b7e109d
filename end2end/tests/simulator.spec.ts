import { expect, test, type Browser, type Page } from '@playwright/test';

// The WeChat website QR login, by hand, against the simulator mounted at /_sim/: a desktop
// page shows the QR, a phone (a second browser context with WeChat's User-Agent) opens what
// the QR encodes, picks a test user and confirms; the desktop page follows the long-poll to
// the redirect_uri with a code that the token endpoint accepts once.

const APPID = 'wxsimopen0000001';
const SECRET = 'simopensecret';
const WECHAT_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.50(0x1800323c) NetType/WIFI Language/zh_CN';

async function openQrPage(page: Page, baseURL: string, state: string): Promise<string> {
  const redirect = encodeURIComponent(`${baseURL}/e2e/wechat-callback`);
  await page.goto(
    `/_sim/open.weixin.qq.com/connect/qrconnect?appid=${APPID}&redirect_uri=${redirect}` +
      `&response_type=code&scope=snsapi_login&state=${state}#wechat_redirect`,
  );
  await expect(page.locator('svg').first()).toBeVisible();
  const phoneUrl = await page.getByRole('link', { name: /Open the phone page here/ }).getAttribute('href');
  expect(phoneUrl).toMatch(/\/_sim\/phone\/[A-Za-z0-9]+$/);
  return phoneUrl!;
}

async function phone(browser: Browser) {
  const context = await browser.newContext({ userAgent: WECHAT_UA, viewport: { width: 390, height: 844 } });
  return { context, page: await context.newPage() };
}

test('scanning the QR with the phone page and confirming signs the desktop in', async ({ page, browser, baseURL, request }) => {
  const users = await (await request.get('/_sim/control/users')).json();
  const chosen = users[1];
  const phoneUrl = await openQrPage(page, baseURL!, 'e2eQrState1');

  const handset = await phone(browser);
  await handset.page.goto(phoneUrl);
  // Scanning moves the desktop page's long-poll to "scanned".
  await expect(page.locator('#wx_status')).toContainText('Scanned');
  await handset.page.locator(`input[name="user"][value="${chosen.id}"]`).check();
  await handset.page.getByRole('button', { name: /Confirm/ }).click();

  await page.waitForURL(/\/e2e\/wechat-callback\?code=[^&]+&state=e2eQrState1$/);
  const code = new URL(page.url()).searchParams.get('code')!;

  const exchange = () =>
    request.get(
      `/_sim/api.weixin.qq.com/sns/oauth2/access_token?appid=${APPID}&secret=${SECRET}&code=${code}&grant_type=authorization_code`,
    );
  const tokens = JSON.parse(await (await exchange()).text());
  expect(tokens.openid).toBe(chosen.wechat_open_openid);
  expect(tokens.unionid).toBe(chosen.unionid);
  expect(tokens.scope).toBe('snsapi_login');
  // A code is single-use: the second exchange is WeChat's 40163, with HTTP 200.
  const again = await exchange();
  expect(again.status()).toBe(200);
  expect(JSON.parse(await again.text()).errcode).toBe(40163);
  await handset.context.close();
});

test('cancelling on the phone sends the desktop back without a code', async ({ page, browser, baseURL }) => {
  const phoneUrl = await openQrPage(page, baseURL!, 'e2eQrState2');
  const handset = await phone(browser);
  await handset.page.goto(phoneUrl);
  await handset.page.getByRole('button', { name: /Cancel/ }).click();
  await page.waitForURL(/\/e2e\/wechat-callback\?state=e2eQrState2$/);
  await handset.context.close();
});

test('a QR page with the wrong scope shows WeChat\'s error page, never a callback', async ({ page, baseURL }) => {
  const redirect = encodeURIComponent(`${baseURL}/e2e/wechat-callback`);
  await page.goto(
    `/_sim/open.weixin.qq.com/connect/qrconnect?appid=${APPID}&redirect_uri=${redirect}&response_type=code&scope=snsapi_userinfo&state=x`,
  );
  await expect(page.locator('body')).toContainText('10005');
  expect(new URL(page.url()).pathname).toBe('/_sim/open.weixin.qq.com/connect/qrconnect');
});
