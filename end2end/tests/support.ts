import { expect, type Page } from '@playwright/test';

/** Opens `path` and waits until the wasm has hydrated the page, so clicks reach Leptos. */
export async function openHydrated(page: Page, path: string): Promise<void> {
  await page.goto(path);
  await expect(page.locator('body[data-hydrated]')).toBeAttached({ timeout: 20_000 });
}
