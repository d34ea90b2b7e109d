import { defineConfig } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The server under test: the binary `make e2e` just built, on a fresh SQLite database,
// with the provider simulator mounted at /_sim/.
// A free port, chosen once: the workers that load this file again inherit it through the
// environment, and a server left running elsewhere never collides with this run.
process.env.DENGLU_E2E_PORT ??= freePort();
const port = Number(process.env.DENGLU_E2E_PORT);
const baseURL = `http://127.0.0.1:${port}`;
// The data directory too, so that a spec can run `denglu client add` on the server's database.
process.env.DENGLU_E2E_DATA ??= mkdtempSync(join(tmpdir(), 'denglu-e2e-'));
const dataDir = process.env.DENGLU_E2E_DATA;
const serverBin = process.env.DENGLU_SERVER_BIN ?? '../target/debug/denglu';
// A second server offering WeChat's website app but not the Official Account, for the pages
// that differ when only the website app is configured.
process.env.DENGLU_E2E_WEBSITE_ONLY_PORT ??= freePort();
const websiteOnlyPort = Number(process.env.DENGLU_E2E_WEBSITE_ONLY_PORT);
const siteRoot = process.env.DENGLU_SITE_ROOT ?? '../target/site';

export default defineConfig({
  testDir: './tests',
  reporter: 'list',
  // Some tests load four pages and two browsers against a debug build on a busy machine.
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  use: {
    baseURL,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      // Debian's Chromium; Playwright never downloads a browser here.
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  webServer: [
    {
      command: serverBin,
      url: `${baseURL}/healthz`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'pipe',
      stderr: 'pipe',
      env: {
        LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
        LEPTOS_SITE_ROOT: siteRoot,
        DATABASE_URL: `sqlite://${join(dataDir, 'denglu.db')}?mode=rwc`,
        DENGLU_SIMULATOR: '1',
        RUST_LOG: 'warn',
      },
    },
    {
      command: serverBin,
      url: `http://127.0.0.1:${websiteOnlyPort}/healthz`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'pipe',
      stderr: 'pipe',
      env: {
        LEPTOS_SITE_ADDR: `127.0.0.1:${websiteOnlyPort}`,
        LEPTOS_SITE_ROOT: siteRoot,
        DATABASE_URL: `sqlite://${join(dataDir, 'website-only.db')}?mode=rwc`,
        DENGLU_SIMULATOR: '1',
        DENGLU_PROVIDERS: 'wechat,qq,weibo',
        RUST_LOG: 'warn',
      },
    },
  ],
});

function freePort(): string {
  const probe =
    "const s = require('net').createServer();" +
    "s.listen(0, '127.0.0.1', () => { process.stdout.write(String(s.address().port)); s.close(); });";
  return execFileSync(process.execPath, ['-e', probe]).toString();
}
