import { expect, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';

/** Opens `path` and waits until the wasm has hydrated the page, so clicks reach Leptos. */
export async function openHydrated(page: Page, path: string): Promise<void> {
  await page.goto(path);
  await expect(page.locator('body[data-hydrated]')).toBeAttached({ timeout: 20_000 });
}

/** A client registered with `denglu client add`. */
export type RegisteredClient = { client_id: string; client_secret?: string };

/** `denglu client add ARGS` on the database of the server playwright.config.ts started (in
 * DENGLU_E2E_DATA); returns the one JSON object it prints. */
export function addClient(port: string, args: string[]): RegisteredClient {
  const client = JSON.parse(denglu(port, ['client', 'add', ...args])) as RegisteredClient;
  expect(client.client_id).toBeTruthy();
  return client;
}

/** Runs a `denglu` command on the server's database and configuration; returns its output. */
export function denglu(port: string, args: string[]): string {
  const data = process.env.DENGLU_E2E_DATA;
  if (!data) throw new Error('DENGLU_E2E_DATA is unset: run through playwright.config.ts');
  // As in playwright.config.ts, relative to end2end/.
  const serverBin = resolve(process.env.DENGLU_SERVER_BIN ?? '../target/debug/denglu');
  return execFileSync(serverBin, args, {
    encoding: 'utf8',
    env: {
      ...process.env,
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      DATABASE_URL: `sqlite://${join(data, 'denglu.db')}?mode=rwc`,
      DENGLU_SIMULATOR: '1',
    },
  });
}

/** Saves the page as `docs/screenshots/NAME.png` when `DENGLU_SCREENSHOTS` names the folder
 * (`make screenshots`); does nothing otherwise. */
export async function shoot(page: Page, name: string): Promise<void> {
  const dir = process.env.DENGLU_SCREENSHOTS;
  if (dir) await page.screenshot({ path: `${dir}/${name}.png`, fullPage: true });
}
