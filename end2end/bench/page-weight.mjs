// The page-weight benchmark: what a first visit and a repeat visit cost a phone on a slow
// mobile network. Starts the server given in DENGLU_SERVER_BIN (build it with
// `make site server PROFILE=release`) on a fresh SQLite database with the simulator, then, in
// Debian's Chromium with the network throttled (150 ms latency, 1.6 Mbit/s down, 750 kbit/s
// up), loads /login, /login/qr, /signup and /account with an empty cache and again with a warm
// one, and prints for each the bytes transferred, the requests made and the time until the
// page is interactive (hydrated). Prints figures; asserts nothing about speed.

import { chromium } from '@playwright/test';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const serverBin = resolve(process.env.DENGLU_SERVER_BIN ?? '../target/release/denglu');
const siteRoot = resolve(process.env.DENGLU_SITE_ROOT ?? '../target/site');
const port = freePort();
const base = `http://127.0.0.1:${port}`;
const data = mkdtempSync(join(tmpdir(), 'denglu-weight-'));
const PHONE_UA =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36';
const NETWORK = { offline: false, latency: 150, downloadThroughput: 1.6e6 / 8, uploadThroughput: 750e3 / 8 };

function freePort() {
  const probe =
    "const s = require('net').createServer();" +
    "s.listen(0, '127.0.0.1', () => { process.stdout.write(String(s.address().port)); s.close(); });";
  return execFileSync(process.execPath, ['-e', probe]).toString();
}

async function startServer() {
  const child = spawn(serverBin, [], {
    env: {
      ...process.env,
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      LEPTOS_SITE_ROOT: siteRoot,
      DATABASE_URL: `sqlite://${join(data, 'weight.db')}?mode=rwc`,
      DENGLU_SIMULATOR: '1',
      RUST_LOG: 'error',
    },
    stdio: 'ignore',
  });
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) return child;
    } catch {}
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill();
  throw new Error('the server did not answer /healthz');
}

/** One visit of `path` in `context`'s cache state: bytes on the wire, requests, ms to hydrated. */
async function visit(context, path) {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', NETWORK);
  let bytes = 0;
  let requests = 0;
  cdp.on('Network.requestWillBeSent', () => requests++);
  cdp.on('Network.loadingFinished', (e) => (bytes += e.encodedDataLength));
  const started = Date.now();
  await page.goto(base + path, { waitUntil: 'commit' });
  await page.locator('body[data-hydrated]').waitFor({ state: 'attached', timeout: 120_000 });
  const interactive = Date.now() - started;
  await page.waitForLoadState('networkidle');
  await page.close();
  return { bytes, requests, interactive };
}

/** A context on a phone, signed in or half-way (profile to complete) as `how` says. */
async function phone(browser, how, person) {
  const context = await browser.newContext({ userAgent: PHONE_UA, viewport: { width: 390, height: 844 } });
  if (how === 'signup' || how === 'account') {
    const request = context.request;
    await request.post(`${base}/_sim/control/auto-approve`, { data: { provider: 'qq', user: person } });
    const landed = await request.get(`${base}/auth/qq/start`);
    if (how === 'account' && new URL(landed.url()).pathname === '/signup') {
      const done = await request.post(`${base}/api/signup/complete`, {
        headers: { accept: 'application/json' },
        form: { username: `weight${person}`, display_name: `Weight ${person}`, email: '' },
      });
      if (!done.ok()) throw new Error(`sign-up failed: ${done.status()}`);
    }
  }
  return context;
}

const server = await startServer();
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking'],
});
try {
  const users = [];
  for (const nickname of ['Weight A', 'Weight B']) {
    const response = await fetch(`${base}/_sim/control/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ nickname }),
    });
    users.push((await response.json()).id);
  }
  const pages = [
    ['/login', 'visitor'],
    ['/login/qr', 'visitor'],
    ['/signup', 'signup'],
    ['/account', 'account'],
  ];
  console.log('Page weight: release build, a phone on 150 ms latency and 1.6 Mbit/s down');
  console.log('  page        cache  transferred   requests  interactive');
  for (const [path, how] of pages) {
    // /signup is reached by a first visit (user A), /account by an account (user B).
    const context = await phone(browser, how, how === 'signup' ? users[0] : users[1]);
    for (const cache of ['empty', 'warm']) {
      const { bytes, requests, interactive } = await visit(context, path);
      console.log(
        `  ${path.padEnd(11)} ${cache.padEnd(5)}  ${(bytes / 1024).toFixed(1).padStart(8)} KB  ${String(requests).padStart(8)}  ${String(interactive).padStart(8)} ms`,
      );
    }
    await context.close();
  }
} finally {
  await browser.close();
  server.kill();
}
