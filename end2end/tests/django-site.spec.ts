import { expect, test as base, type APIRequestContext, type Page } from '@playwright/test';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { addClient } from './support';
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// Denglu as an OpenID Connect provider for a real relying party: the Django example in
// examples/django-site (django-allauth's `openid_connect` provider, configured by settings alone).
// Each test registers a client with `denglu client add`, starts the Django dev server on a free
// port, signs a new person in at Denglu through the simulator, and expects Django to greet them.
//
// Needs the example's venv: `examples/django-site/setup.sh` (or DJANGO_SITE_PYTHON).

const WECHAT_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.50(0x1800323c) NetType/WIFI Language/zh_CN';

const siteDir = resolve(__dirname, '../../examples/django-site');
const python = resolve(__dirname, '../..', process.env.DJANGO_SITE_PYTHON ?? 'examples/django-site/.venv/bin/python');

type SimUser = { id: number; nickname: string };

function unique(prefix: string): string {
  return `${prefix}${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;
}

async function simUser(request: APIRequestContext, nickname: string): Promise<SimUser> {
  const response = await request.post('/_sim/control/users', { data: { nickname } });
  expect(response.status()).toBe(201);
  return response.json();
}

async function hydrated(page: Page): Promise<void> {
  await expect(page.locator('body[data-hydrated]')).toBeAttached({ timeout: 20_000 });
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.on('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => done(port));
    });
  });
}

async function waitUntilServing(url: string, server: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`the Django server exited:\n${log()}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the Django server did not answer at ${url} within 30 s:\n${log()}`);
}

/** Starts the Django example as a client of this Denglu; returns its URL. */
type StartDjango = (options: { name: string; firstParty: boolean }) => Promise<string>;

const test = base.extend<{ djangoSite: StartDjango }>({
  djangoSite: async ({ baseURL }, use, testInfo) => {
    if (!existsSync(python)) {
      throw new Error(`no Python at ${python}: run examples/django-site/setup.sh, or set DJANGO_SITE_PYTHON`);
    }
    const port = new URL(baseURL!).port;
    const started: { server: ChildProcess; log: string[] }[] = [];

    await use(async ({ name, firstParty }) => {
      const url = `http://127.0.0.1:${await freePort()}`;
      const client = addClient(port, [
        '--name', name,
        '--redirect-uri', `${url}/accounts/oidc/denglu/login/callback/`,
        '--post-logout-redirect-uri', `${url}/`,
        ...(firstParty ? ['--first-party'] : []),
      ]);
      const env = {
        ...process.env,
        DENGLU_ISSUER: baseURL!,
        DENGLU_CLIENT_ID: client.client_id,
        DENGLU_CLIENT_SECRET: client.client_secret,
        DJANGO_SQLITE_PATH: join(mkdtempSync(join(tmpdir(), 'denglu-django-')), 'db.sqlite3'),
        PYTHONUNBUFFERED: '1',
      };
      execFileSync(python, ['manage.py', 'migrate', '--noinput'], { cwd: siteDir, env, stdio: 'pipe' });
      const server = spawn(python, ['manage.py', 'runserver', url.slice('http://'.length), '--noreload'], {
        cwd: siteDir,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const log: string[] = [];
      server.stdout!.on('data', (chunk) => log.push(String(chunk)));
      server.stderr!.on('data', (chunk) => log.push(String(chunk)));
      started.push({ server, log });
      await waitUntilServing(`${url}/`, server, () => log.join(''));
      return url;
    });

    for (const { server, log } of started) {
      if (testInfo.status !== testInfo.expectedStatus) {
        await testInfo.attach('django-server.log', { body: log.join(''), contentType: 'text/plain' });
      }
      if (server.exitCode === null) {
        const exited = new Promise((done) => server.once('exit', done));
        server.kill('SIGTERM');
        await exited;
      }
    }
  },
});

test.use({ locale: 'en-US' });

test('QQ: a first sign-in at Denglu from a first-party Django site ends there, greeted by name', async ({
  page,
  request,
  djangoSite,
}) => {
  const site = await djangoSite({ name: 'Django example', firstParty: true });
  const me = await simUser(request, unique('Django QQ '));

  await page.goto(site);
  await page.locator('#sign-in').click();
  // Nobody is signed in at Denglu yet: its login page, then QQ's consent page in the simulator.
  await hydrated(page);
  await page.getByRole('link', { name: /Sign in with QQ/ }).click();
  await page.locator(`input[name="user"][value="${me.id}"]`).check();
  await page.getByRole('button', { name: /Authorize/ }).click();

  // A new person completes the profile, then the authorization goes on by itself.
  await page.waitForURL(/\/signup$/);
  await hydrated(page);
  await expect(page.locator('#display_name')).toHaveValue(me.nickname);
  await page.locator('#username').fill(unique('dj_'));
  await page.getByRole('button', { name: 'Create my account' }).click();

  // First party: no consent page, straight back to Django, which knows the person's name.
  await page.waitForURL(`${site}/`);
  await expect(page.locator('#greeting')).toHaveText(`Hello, ${me.nickname}`);
});

test('WeChat QR: the phone confirms, the third-party Django site is allowed, and greets by name', async ({
  page,
  browser,
  request,
  djangoSite,
}) => {
  const site = await djangoSite({ name: 'Django third party', firstParty: false });
  const me = await simUser(request, unique('Django WeChat '));

  await page.goto(site);
  await page.locator('#sign-in').click();
  // Denglu's login page shows WeChat's QR (the simulator's copy) in an iframe.
  await hydrated(page);
  const frame = page.frameLocator('#wechat-embedded-qr iframe');
  await expect(frame.locator('.qr svg').first()).toBeVisible();
  const phoneUrl = await frame.getByRole('link', { name: /Open the phone page here/ }).getAttribute('href');
  expect(phoneUrl).toMatch(/\/_sim\/phone\/[A-Za-z0-9]+$/);

  // "Scanning" it: the phone page in a phone's browser context, as this test user.
  const handset = await browser.newContext({ userAgent: WECHAT_UA, viewport: { width: 390, height: 844 } });
  const phone = await handset.newPage();
  await phone.goto(phoneUrl!);
  await phone.locator(`input[name="user"][value="${me.id}"]`).check();
  await phone.getByRole('button', { name: /Confirm/ }).click();

  // The desktop follows the phone to Denglu's callback, then to the profile form.
  await page.waitForURL(/\/signup$/);
  await hydrated(page);
  await page.locator('#username').fill(unique('djwx_'));
  await page.getByRole('button', { name: 'Create my account' }).click();

  // Third party: Denglu asks before telling the site who this is.
  const allow = page.locator('button[name=decision][value=allow]');
  await expect(allow).toBeVisible();
  await expect(page.locator('body')).toContainText('Django third party');
  await allow.click();

  await page.waitForURL(`${site}/`);
  await expect(page.locator('#greeting')).toHaveText(`Hello, ${me.nickname}`);
  await handset.close();
});
