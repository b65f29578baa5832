// The console over HTTP, as a browser without JavaScript uses it (test/console-client.ts): who may
// enter, the session cookie, CSRF, the headers, and each page's forms doing what they say.
import { eq } from 'drizzle-orm';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../../lib/tokens.js';
import { orders, sessions, shops, users } from '../../platform/db/schema.js';
import { createOffer, createShop } from '../../../test/catalog-factory.js';
import { client } from '../../../test/client.js';
import { consoleBrowser } from '../../../test/console-client.js';
import {
  createHarness,
  createUser,
  PASSWORD,
  type Harness,
  type TestUser,
} from '../../../test/harness.js';
import { placeOrder } from '../../../test/order-factory.js';

const FIXTURE = readFileSync(new URL('../../../test/fixtures/shop1.yaml', import.meta.url), 'utf8');

let h: Harness;
let staff: TestUser;
beforeAll(async () => {
  h = await createHarness();
  staff = await createUser(h, { staff: true });
});
afterAll(() => h.close());

const signedIn = async () => {
  const b = consoleBrowser(h);
  expect((await b.signIn(staff.email)).statusCode).toBe(303);
  return b;
};

async function anOrder() {
  const shop = await createShop(h);
  const offer = await createOffer(h, shop, { price: 250, quantity: 10 });
  const buyer = await createUser(h);
  return { shop, buyer, order: await placeOrder(h, buyer, [{ offer, quantity: 2 }]) };
}

const stateOf = async (id: number) =>
  (await h.database.db.select({ s: orders.state }).from(orders).where(eq(orders.id, id)))[0]!.s;

describe('entering the console', () => {
  it('sends every page without a session to the sign-in page, and forms too', async () => {
    const routes = h.app.registeredRoutes.filter((r) => r.url.startsWith('/admin/'));
    expect(routes.length).toBeGreaterThan(12);
    const open = ['/admin/login/', '/admin/static/:name'];
    for (const r of routes.filter((r) => !open.includes(r.url))) {
      const url = r.url.replace(/:[a-z]+/g, '1');
      const res = await h.app.inject({ method: r.method as 'GET', url });
      expect(res.statusCode, `${r.method} ${url}`).toBe(303);
      expect(res.headers.location).toMatch(/^\/admin\/login\//);
    }
    const page = await h.app.inject({ method: 'GET', url: '/admin/orders/?state=new' });
    expect(page.headers.location).toBe('/admin/login/?next=%2Fadmin%2Forders%2F%3Fstate%3Dnew');
  });

  it('signs staff in with a hashed, HttpOnly, SameSite=Strict, Secure session cookie', async () => {
    const b = consoleBrowser(h);
    const login = await b.get('/admin/login/?next=/admin/users/');
    expect(login.body).toMatch(/<input type="email" name="email"/);
    expect(login.body).toMatch(/<input type="password" name="password"/);
    const res = await b.submit('/admin/login/', {
      email: staff.email.toUpperCase(),
      password: PASSWORD,
      next: '/admin/users/',
    });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/admin/users/');
    const cookie = res.cookies.find((c) => c.name === 'console_session')!;
    expect(cookie).toMatchObject({
      httpOnly: true,
      sameSite: 'Strict',
      secure: true,
      path: '/admin',
    });
    const [row] = await h.database.db
      .select()
      .from(sessions)
      .where(eq(sessions.keyHash, hashSecret(cookie.value)));
    expect(row?.userId).toBe(staff.id);
    const page = await b.get('/admin/');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.body).not.toMatch(/<script>|\sstyle=|\son[a-z]+=/); // nothing CSP would block
    expect(page.body).toMatch(/<form method="post" action="\/admin\/logout\/"/);
  });

  it('keeps a buyer, a wrong password and an open redirect out', async () => {
    const buyer = await createUser(h);
    const b = consoleBrowser(h);
    const refused = await b.signIn(buyer.email);
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toContain('только для сотрудников');
    expect(b.jar.has('console_session')).toBe(false);
    const wrong = await b.signIn(staff.email, 'not-the-password');
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).toContain('Неверный email или пароль');
    await b.get('/admin/login/');
    const elsewhere = await b.submit('/admin/login/', {
      email: staff.email,
      password: PASSWORD,
      next: '//evil.example/',
    });
    expect(elsewhere.headers.location).toBe('/admin/');
  });

  it('counts failed sign-ins with the /login/ limiter', async () => {
    const target = await createUser(h, { staff: true });
    for (let i = 0; i < 10; i++)
      await client(h).post('/login/', { email: target.email, password: 'wrong-password' });
    const b = consoleBrowser(h);
    const res = await b.signIn(target.email);
    expect(res.statusCode).toBe(429);
    expect(res.headers['retry-after']).toBeDefined();
    expect(b.jar.has('console_session')).toBe(false);
  });

  it('ends the session at sign-out, after 12 idle hours and at a password reset', async () => {
    const b = await signedIn();
    await b.get('/admin/');
    expect((await b.submit('/admin/logout/')).headers.location).toBe('/admin/login/');
    expect((await b.get('/admin/')).statusCode).toBe(303);

    const idle = await signedIn();
    h.clock.advance(11 * 3_600_000);
    expect((await idle.get('/admin/')).statusCode).toBe(200); // in use: the idle clock restarts
    h.clock.advance(11 * 3_600_000);
    expect((await idle.get('/admin/')).statusCode).toBe(200);
    h.clock.advance(12 * 3_600_000 + 1000);
    expect((await idle.get('/admin/')).statusCode).toBe(303);

    const reset = await signedIn();
    await client(h).post('/password/reset/', { email: staff.email });
    const mail = await h.smtp.waitFor(staff.email);
    const token = /^([A-Za-z0-9_-]{43})$/m.exec(mail.text)![1];
    const confirmed = await client(h).post('/password/reset/confirm/', {
      email: staff.email,
      token,
      password: PASSWORD,
    });
    expect(confirmed.statusCode).toBe(200);
    expect((await reset.get('/admin/')).statusCode).toBe(303);
  });
});

describe('forms', () => {
  it('refuses a POST without the CSRF token with 403 and changes nothing', async () => {
    const { order } = await anOrder();
    const b = await signedIn();
    await b.get(`/admin/orders/${order.id}/`);
    const res = await b.submit(
      `/admin/orders/${order.id}/`,
      { state: 'confirmed' },
      { csrf: false },
    );
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain('CSRF');
    const forged = await b.submit(`/admin/orders/${order.id}/`, {
      state: 'confirmed',
      _csrf: 'forged-token',
    });
    expect(forged.statusCode).toBe(403);
    // Another browser's valid token does not fit this browser's secret.
    const other = await signedIn();
    await other.get('/admin/');
    const stolen = await b.submit(`/admin/orders/${order.id}/`, {
      state: 'confirmed',
      _csrf: other.csrf(),
    });
    expect(stolen.statusCode).toBe(403);
    expect(await stateOf(order.id)).toBe('new');
  });

  it('lists orders by state and buyer email, and moves one along with its button', async () => {
    const { buyer, order } = await anOrder();
    const b = await signedIn();
    const list = await b.get(
      `/admin/orders/?state=new&q=${encodeURIComponent(buyer.email)}&shop_id=`,
    );
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain(`href="/admin/orders/${order.id}/"`);
    expect(list.body).toContain('500 ₽');
    const page = await b.get(`/admin/orders/${order.id}/`);
    expect(page.body).toContain('<button type="submit" name="state" value="confirmed">');
    expect(page.body).toContain('value="canceled"');
    expect(page.body).not.toContain('value="sent"');
    const moved = await b.submit(`/admin/orders/${order.id}/`, { state: 'confirmed' });
    expect(moved.statusCode).toBe(303);
    expect(await stateOf(order.id)).toBe('confirmed');
    await h.smtp.waitFor(buyer.email, new RegExp(`№${order.id}: подтверждён`));
    const after = await b.get(`/admin/orders/${order.id}/`);
    expect(after.body).toContain('data-history="confirmed"');
    const again = await b.submit(`/admin/orders/${order.id}/`, { state: 'confirmed' });
    expect(again.statusCode).toBe(409);
    const bad = await b.get('/admin/orders/?state=lost');
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toContain('text/html');
  });

  it("changes a user's flags, but never the staff flag of the one signing in", async () => {
    const other = await createUser(h);
    const b = await signedIn();
    await b.get(`/admin/users/?q=${encodeURIComponent(other.email)}`);
    const res = await b.submit(`/admin/users/${other.id}/`, { type: 'shop', is_staff: 'on' });
    expect(res.statusCode).toBe(303);
    const [row] = await h.database.db.select().from(users).where(eq(users.id, other.id));
    expect(row).toMatchObject({ type: 'shop', isActive: false, isStaff: true });
    const self = await b.submit(`/admin/users/${staff.id}/`, { type: 'buyer', is_active: 'on' });
    expect(self.statusCode).toBe(409);
    expect(self.body).toContain('Нельзя снять с себя флаг сотрудника');
    const [me] = await h.database.db.select().from(users).where(eq(users.id, staff.id));
    expect(me!.isStaff).toBe(true);
  });

  it('ends the console sessions of a user who loses the staff flag', async () => {
    const colleague = await createUser(h, { staff: true });
    const theirs = consoleBrowser(h);
    await theirs.signIn(colleague.email);
    expect((await theirs.get('/admin/')).statusCode).toBe(200);
    const b = await signedIn();
    await b.get('/admin/users/');
    await b.submit(`/admin/users/${colleague.id}/`, { type: 'buyer', is_active: 'on' });
    expect((await theirs.get('/admin/')).statusCode).toBe(303);
  });

  it('switches a shop off and on', async () => {
    const { shop } = await anOrder();
    const b = await signedIn();
    await b.get('/admin/shops/');
    const off = await b.submit(`/admin/shops/${shop.id}/state/`, { state: 'off' });
    expect(off.statusCode).toBe(303);
    const state = async () =>
      (await h.database.db.select({ s: shops.state }).from(shops).where(eq(shops.id, shop.id)))[0]!
        .s;
    expect(await state()).toBe(false);
    await b.submit(`/admin/shops/${shop.id}/state/`, { state: 'on' });
    expect(await state()).toBe(true);
  });

  it('imports an uploaded price list as a job whose progress reaches 100 %', async () => {
    const owner = await createUser(h, { type: 'shop' });
    const yaml = FIXTURE.replace(/^shop: .*$/m, `shop: Console ${owner.id}`);
    await client(h, owner).post('/partner/update/', undefined, {
      payload: yaml,
      contentType: 'application/yaml',
    });
    const [shop] = await h.database.db.select().from(shops).where(eq(shops.userId, owner.id));
    const b = await signedIn();
    await b.get('/admin/shops/');
    const res = await b.upload(`/admin/shops/${shop!.id}/price-list/`, 'file', yaml);
    expect(res.statusCode).toBe(303);
    const page = res.headers.location as string;
    expect(page).toMatch(new RegExp(`^/admin/shops/${shop!.id}/imports/[^/]+/$`));
    await h.settle();
    const status = await b.get(`${page}status/`);
    expect(status.json()).toMatchObject({ state: 'completed', percent: 100, finished: true });
    const done = await b.get(page);
    expect(done.body).toMatch(/<progress[^>]*value="100"/);
    expect(done.body).toContain('Прайс-лист загружен');
    const shopsPage = await b.get('/admin/shops/');
    expect(shopsPage.body.match(new RegExp(`data-shop="${shop!.id}"[\\s\\S]*?</tr>`))![0]).toMatch(
      /новых 0, изменено 0, снято 0/,
    );
    const noToken = await b.upload(`/admin/shops/${shop!.id}/price-list/`, 'file', yaml, {
      csrf: false,
    });
    expect(noToken.statusCode).toBe(403);
    const broken = await b.upload(`/admin/shops/${shop!.id}/price-list/`, 'file', 'shop: x');
    await h.settle();
    const failed = await b.get(broken.headers.location as string);
    expect(failed.body).toContain('Загрузка не удалась, ничего не изменено.');
    expect(failed.body).toContain('<code>goods</code>');
  });

  it('shows failed jobs and the dashboard with its counts and chart', async () => {
    await anOrder();
    const b = await signedIn();
    const dash = await b.get('/admin/');
    expect(dash.body).toMatch(/data-count="new">\d+/);
    expect(dash.body).toMatch(/<svg class="chart"[\s\S]*<rect class="bar"[\s\S]*<polyline/);
    for (const link of ['/admin/orders/', '/admin/shops/', '/admin/users/', '/admin/jobs/'])
      expect(dash.body).toContain(`href="${link}"`);
    const jobs = await b.get('/admin/jobs/');
    expect(jobs.statusCode).toBe(200);
    expect((await b.get('/admin/outbox/')).statusCode).toBe(404); // only in DEBUG
  });
});
