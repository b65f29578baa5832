// The staff console in a real browser: Debian's Chromium against the app listening on a local
// port, with the real SMTP server of the harness. Every case of the browser list.
import { eq } from 'drizzle-orm';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { orders, shops, users } from '../../src/platform/db/schema.js';
import { createOffer, createShop } from '../catalog-factory.js';
import { client } from '../client.js';
import { createHarness, createUser, PASSWORD, type Harness, type TestUser } from '../harness.js';
import { placeOrder } from '../order-factory.js';
import { launchChromium } from './chromium.js';

const FIXTURE = readFileSync(new URL('../fixtures/shop1.yaml', import.meta.url), 'utf8');

let h: Harness;
let base: string;
let browser: Browser;
let staff: TestUser;
let context: BrowserContext;
/** Script errors and CSP refusals the page logged: none are expected. */
let pageErrors: string[];

beforeAll(async () => {
  h = await createHarness();
  await h.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
  [browser, staff] = await Promise.all([launchChromium(), createUser(h, { staff: true })]);
});
afterAll(async () => {
  await browser?.close();
  await h?.close();
});
afterEach(async () => {
  await context?.close();
  expect(pageErrors).toEqual([]);
});

async function newPage(): Promise<Page> {
  context = await browser.newContext();
  const page = await context.newPage();
  pageErrors = [];
  // Error answers (a 403 page, the missing favicon) are logged too, and are no script error.
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource'))
      pageErrors.push(m.text());
  });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  return page;
}

async function signIn(page: Page, email = staff.email, password = PASSWORD) {
  await page.goto(`${base}/admin/login/`);
  await page.fill('input[name="email"]', email);
  await page.fill('input[name="password"]', password);
  await page.getByRole('button', { name: 'Войти' }).click();
  await page.waitForLoadState();
}

async function anOrder() {
  const shop = await createShop(h);
  const offer = await createOffer(h, shop, { price: 300, quantity: 10 });
  const buyer = await createUser(h);
  return { shop, buyer, order: await placeOrder(h, buyer, [{ offer, quantity: 1 }]) };
}

const orderState = async (id: number) =>
  (await h.database.db.select({ s: orders.state }).from(orders).where(eq(orders.id, id)))[0]!.s;

describe('the staff console in Chromium', () => {
  it('redirects to the sign-in page, and back after signing in', async () => {
    const page = await newPage();
    await page.goto(`${base}/admin/orders/`);
    expect(new URL(page.url()).pathname).toBe('/admin/login/');
    await page.fill('input[name="email"]', staff.email);
    await page.fill('input[name="password"]', PASSWORD);
    await page.getByRole('button', { name: 'Войти' }).click();
    await page.waitForURL(`${base}/admin/orders/`);
    await expect(page.locator('h1').textContent()).resolves.toBe('Заказы');
  });

  it('keeps a buyer on the sign-in page with a message', async () => {
    const buyer = await createUser(h);
    const page = await newPage();
    await signIn(page, buyer.email);
    expect(new URL(page.url()).pathname).toBe('/admin/login/');
    await expect(page.locator('.error').textContent()).resolves.toContain('только для сотрудников');
    expect((await context.cookies()).map((c) => c.name)).not.toContain('console_session');
  });

  it('signs staff in with an HttpOnly, SameSite=Strict, Secure session cookie', async () => {
    const page = await newPage();
    await signIn(page);
    expect(new URL(page.url()).pathname).toBe('/admin/');
    const session = (await context.cookies()).find((c) => c.name === 'console_session');
    expect(session).toMatchObject({
      httpOnly: true,
      sameSite: 'Strict',
      secure: true,
      path: '/admin',
    });
    expect(await page.evaluate(() => document.cookie)).not.toContain('console_session');
    await expect(page.locator('svg.chart rect.bar').count()).resolves.toBe(30);
  });

  it('filters orders by state and finds a buyer by email', async () => {
    const { buyer, order } = await anOrder();
    const other = await anOrder();
    const page = await newPage();
    await signIn(page);
    await page.goto(`${base}/admin/orders/`);
    await page.selectOption('select[name="state"]', 'new');
    await page.fill('input[name="q"]', buyer.email);
    await page.getByRole('button', { name: 'Найти' }).click();
    await page.waitForURL(/state=new/);
    const rows = page.locator('tr[data-order]');
    await expect(rows.count()).resolves.toBe(1);
    await expect(rows.first().getAttribute('data-order')).resolves.toBe(String(order.id));
    await expect(page.locator(`tr[data-order="${other.order.id}"]`).count()).resolves.toBe(0);
    await page.selectOption('select[name="state"]', 'delivered');
    await page.getByRole('button', { name: 'Найти' }).click();
    await page.waitForURL(/state=delivered/);
    await expect(page.locator('tr[data-order]').count()).resolves.toBe(0);
  });

  it("moves an order to confirmed with its button: history and the buyer's mail follow", async () => {
    const { buyer, order } = await anOrder();
    const page = await newPage();
    await signIn(page);
    await page.goto(`${base}/admin/orders/${order.id}/`);
    await expect(page.locator('button[name="state"][value="sent"]').count()).resolves.toBe(0);
    await page.click('button[name="state"][value="confirmed"]');
    await page.waitForSelector('li[data-history="confirmed"]');
    await expect(page.locator('[data-state]').getAttribute('data-state')).resolves.toBe(
      'confirmed',
    );
    await expect(page.locator('button[name="state"][value="assembled"]').count()).resolves.toBe(1);
    const mail = await h.smtp.waitFor(buyer.email, new RegExp(`№${order.id}: подтверждён`));
    expect(mail.text).toContain('Подтверждён');
  });

  it('answers a form posted without its CSRF token with 403 and changes nothing', async () => {
    const { order } = await anOrder();
    const page = await newPage();
    await signIn(page);
    await page.goto(`${base}/admin/orders/${order.id}/`);
    await page.evaluate(() =>
      document.querySelectorAll('input[name="_csrf"]').forEach((e) => e.remove()),
    );
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.click('button[name="state"][value="confirmed"]'),
    ]);
    expect(response.status()).toBe(403);
    await expect(page.locator('.error').textContent()).resolves.toContain('CSRF');
    expect(await orderState(order.id)).toBe('new');
  });

  it("changes a user's flags", async () => {
    const target = await createUser(h);
    const page = await newPage();
    await signIn(page);
    await page.goto(`${base}/admin/users/`);
    await page.fill('input[name="q"]', target.email);
    await page.getByRole('button', { name: 'Найти' }).click();
    await page.waitForURL(/q=/);
    const row = page.locator(`tr[data-user="${target.email}"]`);
    await row.locator('select[name="type"]').selectOption('shop');
    await row.locator('input[name="is_staff"]').check();
    await row.locator('input[name="is_active"]').uncheck();
    await row.getByRole('button', { name: 'Сохранить' }).click();
    await page.waitForLoadState();
    await expect(row.locator('input[name="is_staff"]').isChecked()).resolves.toBe(true);
    const [saved] = await h.database.db.select().from(users).where(eq(users.id, target.id));
    expect(saved).toMatchObject({ type: 'shop', isStaff: true, isActive: false });
  });

  it('switches a shop off', async () => {
    const shop = await createShop(h);
    const page = await newPage();
    await signIn(page);
    await page.goto(`${base}/admin/shops/`);
    const row = page.locator(`tr[data-shop="${shop.id}"]`);
    await row.getByRole('button', { name: 'Выключить' }).click();
    await page.waitForLoadState();
    await expect(row.locator('[data-shop-state]').textContent()).resolves.toBe('выключен');
    const [saved] = await h.database.db.select().from(shops).where(eq(shops.id, shop.id));
    expect(saved!.state).toBe(false);
  });

  it('uploads a price list for a shop and watches its progress reach 100 %', async () => {
    const owner = await createUser(h, { type: 'shop' });
    const yaml = FIXTURE.replace(/^shop: .*$/m, `shop: Browser ${owner.id}`);
    const first = await client(h, owner).post('/partner/update/', undefined, {
      payload: yaml,
      contentType: 'application/yaml',
    });
    const shopId = first.json<{ shop: { id: number } }>().shop.id;
    const page = await newPage();
    await signIn(page);
    await page.goto(`${base}/admin/shops/`);
    const row = page.locator(`tr[data-shop="${shopId}"]`);
    await row.locator('input[type="file"]').setInputFiles({
      name: 'price-list.yaml',
      mimeType: 'application/yaml',
      buffer: Buffer.from(yaml.replace(/price: (\d+)/, (_, p) => `price: ${Number(p) + 1}`)),
    });
    await row.getByRole('button', { name: 'Загрузить' }).click();
    await page.waitForURL(new RegExp(`/admin/shops/${shopId}/imports/`));
    await page.waitForFunction(
      () =>
        (document.getElementById('import-progress') as HTMLProgressElement | null)?.value === 100,
    );
    await expect(page.locator('#import-percent').textContent()).resolves.toBe('100 %');
    await expect(page.locator('#import-result').textContent()).resolves.toContain('изменено 1');
  });

  it('ends the session at sign-out', async () => {
    const page = await newPage();
    await signIn(page);
    const session = (await context.cookies()).find((c) => c.name === 'console_session')!;
    await page.getByRole('button', { name: 'Выйти' }).click();
    await page.waitForURL(`${base}/admin/login/`);
    await page.goto(`${base}/admin/`);
    expect(new URL(page.url()).pathname).toBe('/admin/login/');
    // The old cookie, put back by hand, opens nothing: the session is gone on the server.
    await context.addCookies([session]);
    await page.goto(`${base}/admin/`);
    expect(new URL(page.url()).pathname).toBe('/admin/login/');
  });
});
