// The API documentation in a real browser: Swagger UI offers a file picker where a route takes a
// file, and ReDoc asks nothing of any other host (it works offline).
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../harness.js';
import { launchChromium } from './chromium.js';

let h: Harness;
let base: string;
let browser: Browser;

beforeAll(async () => {
  h = await createHarness();
  await h.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await h?.close();
});

/** A page that records every request it makes and every script error. */
async function watchedPage(): Promise<{ page: Page; requests: URL[]; errors: string[] }> {
  const page = await (await browser.newContext()).newPage();
  const requests: URL[] = [];
  const errors: string[] = [];
  page.on('request', (r) => requests.push(new URL(r.url())));
  // Script errors only: Swagger UI's own inline styles meet the page's strict CSP (logged, and
  // harmless), and a missing favicon is logged as a failed resource.
  page.on('pageerror', (e) => errors.push(e.message));
  return { page, requests, errors };
}

const elsewhere = (requests: URL[]) =>
  requests.filter((u) => u.protocol !== 'data:' && u.protocol !== 'blob:' && u.origin !== base);

describe('the API documentation in Chromium', () => {
  it('Swagger UI offers a file input for a price list upload', async () => {
    const { page, requests, errors } = await watchedPage();
    await page.goto(`${base}/api/docs/`);
    const operation = page.locator('#operations-partner-importPriceList');
    await operation.locator('.opblock-summary').click();
    await operation.getByRole('button', { name: 'Try it out' }).click();
    await operation
      .locator('select[aria-label="Request content type"]')
      .selectOption('multipart/form-data');
    await expect(operation.locator('input[type="file"]').count()).resolves.toBe(1);
    expect(elsewhere(requests).map(String)).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('ReDoc shows the document and makes no request to another host', async () => {
    const { page, requests, errors } = await watchedPage();
    await page.goto(`${base}/api/redoc/`);
    await page
      .getByRole('heading', { name: /Purchases API/ })
      .first()
      .waitFor();
    await page
      .locator('text=importPriceList')
      .first()
      .waitFor({ state: 'attached' })
      .catch(() => {});
    await page.waitForLoadState('networkidle');
    expect(requests.some((u) => u.pathname === '/api/schema/')).toBe(true);
    expect(elsewhere(requests).map(String)).toEqual([]);
    // Nor would it, were the page's CSP laxer: nothing on the page points to another host.
    const sources = await page.evaluate(() =>
      [...document.querySelectorAll('[src]')].map((e) => (e as HTMLImageElement).src),
    );
    expect(elsewhere(sources.map((u) => new URL(u))).map(String)).toEqual([]);
    expect(errors).toEqual([]);
  });
});
