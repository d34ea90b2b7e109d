import { expect, test, type APIRequestContext } from '@playwright/test';
import { addClient, openHydrated } from './support';

// A second stock relying party, in Node: `openid-client` (on oauth4webapi, the library under
// Auth.js), strict about discovery, `iss` in the authorization response, PKCE, `state`,
// `nonce`, the ID token and UserInfo. A third-party site: Denglu asks for consent, in Chinese;
// the account page lists the site and takes its access back; the site signs the person out.

// Where the site would be answered; the browser never reaches it, the test reads the URL.
const SITE = 'https://shop.example';
const CALLBACK = `${SITE}/callback`;
const AFTER_LOGOUT = `${SITE}/signed-out`;

type SimUser = { id: number; nickname: string };

async function simUser(request: APIRequestContext, nickname: string): Promise<SimUser> {
  const response = await request.post('/_sim/control/users', { data: { nickname } });
  expect(response.status()).toBe(201);
  return response.json();
}

test.use({ locale: 'zh-CN' });

test('openid-client signs a new person in through consent, and loses access when it is revoked', async ({
  page,
  request,
  baseURL,
}) => {
  // ESM-only: loaded the way a CommonJS test file can.
  const oidc = await import('openid-client');
  const registered = addClient(new URL(baseURL!).port, [
    '--name', '示例商城',
    '--redirect-uri', CALLBACK,
    '--post-logout-redirect-uri', AFTER_LOGOUT,
  ]);
  const config = await oidc.discovery(
    new URL(baseURL!),
    registered.client_id,
    registered.client_secret,
    undefined,
    { execute: [oidc.allowInsecureRequests] },
  );
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const authorize = oidc.buildAuthorizationUrl(config, {
    redirect_uri: CALLBACK,
    scope: 'openid profile identities',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  });

  // The site's callback and post-logout pages, answered here.
  let returned = '';
  await page.route(`${SITE}/**`, async (route) => {
    returned = route.request().url();
    await route.fulfill({ status: 200, contentType: 'text/plain', body: 'back at the site' });
  });

  const me = await simUser(request, `商城顾客${Date.now().toString(36)}`);
  await page.goto(authorize.href);
  await expect(page.locator('body[data-hydrated]')).toBeAttached({ timeout: 20_000 });
  await page.getByRole('link', { name: /使用QQ登录/ }).click();
  await page.locator(`input[name="user"][value="${me.id}"]`).check();
  await page.getByRole('button', { name: /Authorize/ }).click();
  await page.waitForURL(/\/signup$/);
  await expect(page.locator('body[data-hydrated]')).toBeAttached({ timeout: 20_000 });
  await page.locator('#username').fill(`shop${Date.now().toString(36)}`);
  await page.getByRole('button', { name: '创建账号' }).click();

  // Consent, in the person's language, naming the site and each scope.
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('示例商城 想用你的账号为你登录');
  await expect(page.locator('[data-scope="identities"]')).toHaveText(
    '查看你的账号使用了哪些登录方式（微信、QQ、微博）',
  );
  await page.getByRole('button', { name: '同意' }).click();
  await expect.poll(() => returned).toContain('code=');

  const tokens = await oidc.authorizationCodeGrant(config, new URL(returned), {
    pkceCodeVerifier: verifier,
    expectedState: state,
    expectedNonce: nonce,
    idTokenExpected: true,
  });
  const claims = tokens.claims()!;
  expect(claims.amr).toEqual(['qq']);
  const info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
  expect(info.name).toBe(me.nickname);
  expect(info.identities).toEqual([expect.objectContaining({ provider: 'qq' })]);

  // The account page lists the site; taking the access back ends its tokens.
  await openHydrated(page, '/account');
  const app = page.locator(`[data-app="${registered.client_id}"]`);
  await expect(app).toContainText('示例商城');
  await app.getByRole('button', { name: '撤销授权' }).click();
  await expect(app).toHaveCount(0);
  await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toThrow();

  // Signed out from the site: back there with its state, signed out here (the request is
  // made with this browser's cookies, the redirect read rather than followed).
  const logout = oidc.buildEndSessionUrl(config, {
    id_token_hint: tokens.id_token!,
    post_logout_redirect_uri: AFTER_LOGOUT,
    state: 'bye',
  });
  const answer = await page.request.get(logout.href, { maxRedirects: 0 });
  expect(answer.status()).toBe(303);
  expect(answer.headers()['location']).toBe(`${AFTER_LOGOUT}?state=bye`);
  const account = await page.request.get('/api/me');
  expect(account.status()).toBe(401);
});
