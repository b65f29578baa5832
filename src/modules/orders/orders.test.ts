import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCategory,
  createOffer,
  createShop,
  setOfferWithdrawn,
  setShopState,
} from '../../../test/catalog-factory.js';
import { createHarness, createUser, isPostgres, type Harness } from '../../../test/harness.js';
import { client } from '../../../test/client.js';
import { addToCart, createContact, placeOrder, stockOf } from '../../../test/order-factory.js';
import { offers } from '../../platform/db/schema.js';
import { STOCK_LAG_MS, type OfferDto } from '../catalog/index.js';

const ADMIN = 'orders-admin@example.com';
let h: Harness;
// The catalog cache on, as in production: the test of catalog reads after orders relies on it.
beforeAll(
  async () => void (h = await createHarness({ ADMIN_EMAIL: ADMIN, CACHE_ENABLED: 'true' })),
);
afterAll(() => h.close());

type Item = {
  product_info: { id: number; shop: { id: number } };
  price: number;
  quantity: number;
  sum: number;
};

describe('confirming an order', () => {
  it('takes stock, freezes prices, copies the address, records history and mails buyer and admin', async () => {
    const buyer = await createUser(h);
    const [shopA, shopB] = [await createShop(h), await createShop(h)];
    const a = await createOffer(h, shopA, { name: 'Смартфон Альфа', price: 20000, quantity: 5 });
    const b = await createOffer(h, shopB, { name: 'Чехол «Бета»', price: 500, quantity: 10 });
    const contact = await createContact(h, buyer, { city: 'Казань', street: 'Баумана' });
    const cart = await addToCart(h, buyer, [
      { offer: a, quantity: 2 },
      { offer: b, quantity: 3 },
    ]);

    const res = await client(h, buyer).post('/order/confirm/', {
      contact: contact.id,
      id: cart.id,
    });
    expect(res.statusCode).toBe(201);
    const order = res.json();
    expect(order).toMatchObject({
      id: cart.id,
      state: 'new',
      total_quantity: 5,
      total_sum: 41500,
      contact: { id: contact.id, city: 'Казань', street: 'Баумана', phone: '+79991234567' },
      history: [{ state: 'new' }],
    });
    expect(
      order.items.map((i: Item) => [i.product_info.shop.id, i.price, i.quantity, i.sum]),
    ).toEqual([
      [shopA.id, 20000, 2, 40000],
      [shopB.id, 500, 3, 1500],
    ]);
    expect([await stockOf(h, a), await stockOf(h, b)]).toEqual([3, 7]);
    // The answer shows each offer as the order left it, as a later read of the order does.
    expect((await client(h, buyer).get(`/order/${order.id}/`)).json()).toEqual(order);

    // Later price changes and a deleted contact leave the order as it was.
    await h.database.db.update(offers).set({ price: 99999 }).where(eq(offers.id, a.id));
    expect(
      (await client(h, buyer).delete('/contacts/delete/', { items: [contact.id] })).statusCode,
    ).toBe(200);
    const again = (await client(h, buyer).get(`/order/${order.id}/`)).json();
    expect(again.items[0].price).toBe(20000);
    expect(again.total_sum).toBe(41500);
    expect(again.contact).toMatchObject({
      id: null,
      city: 'Казань',
      street: 'Баумана',
      apartment: '12',
    });

    // The cart is a new, empty one.
    const fresh = (await client(h, buyer).get('/cart/')).json();
    expect(fresh.id).not.toBe(cart.id);
    expect(fresh.items).toEqual([]);

    const mail = await h.smtp.waitFor(buyer.email, new RegExp(`Заказ №${order.id} оформлен`));
    expect(mail.text).toContain('Смартфон Альфа');
    expect(mail.text).toContain(shopA.name);
    expect(mail.text).toMatch(/20 000 ₽ × 2 = 40 000 ₽/);
    expect(mail.text).toMatch(/Итого: 5 шт\. на сумму 41 500 ₽/);
    expect(mail.text).toContain('Казань, Баумана, д. 7, кв. 12');
    expect(mail.html).toContain('Чехол «Бета»');
    expect(mail.html).toContain('<table');
    const invoice = await h.smtp.waitFor(ADMIN, new RegExp(`Накладная: новый заказ №${order.id}`));
    expect(invoice.text).toContain(buyer.email);
    expect(invoice.text).toContain('Чехол «Бета»');
    expect(invoice.html).toContain('Казань');
  });

  it('answers 400 for an empty cart, 404 for a foreign contact or cart, 409 for shortfalls and closed shops', async () => {
    const [buyer, other] = [await createUser(h), await createUser(h)];
    const shop = await createShop(h);
    const offer = await createOffer(h, shop, { quantity: 2 });
    const mine = await createContact(h, buyer);
    const theirs = await createContact(h, other);
    const confirm = (body: object) => client(h, buyer).post('/order/confirm/', body);

    expect((await confirm({ contact: mine.id })).statusCode).toBe(400);
    await addToCart(h, buyer, [{ offer, quantity: 2 }]);
    expect((await confirm({ contact: theirs.id })).statusCode).toBe(404);
    const otherCart = (await client(h, other).get('/cart/')).json();
    expect((await confirm({ contact: mine.id, id: otherCart.id })).statusCode).toBe(404);
    expect((await confirm({ contact: mine.id, extra: 1 })).statusCode).toBe(400);
    expect((await confirm({})).statusCode).toBe(400);

    // Someone else bought one meanwhile.
    await h.database.db.update(offers).set({ quantity: 1 }).where(eq(offers.id, offer.id));
    const short = await confirm({ contact: mine.id });
    expect(short.statusCode).toBe(409);
    expect(short.json()).toMatchObject({
      type: '/problems/insufficient-stock',
      items: [{ product_info: offer.id, requested: 2, available: 1 }],
    });

    await setShopState(h, shop, false);
    expect((await confirm({ contact: mine.id })).json()).toMatchObject({
      status: 409,
      type: '/problems/shop-not-taking-orders',
    });
    await setShopState(h, shop, true);
    await setOfferWithdrawn(h, offer, true);
    expect((await confirm({ contact: mine.id })).json()).toMatchObject({
      status: 409,
      items: [{ available: 0 }],
    });
    expect(await stockOf(h, offer)).toBe(1);
    expect((await client(h, buyer).get('/orders/')).json().count).toBe(0);
  });
});

describe('the catalog after orders', () => {
  it('shows the stock an order took and a cancel gave back, even when the read was cached', async () => {
    const buyer = await createUser(h);
    const offer = await createOffer(h, await createShop(h), { quantity: 9 });
    const stock = async () =>
      (await client(h).get(`/products/${offer.id}/`)).json<OfferDto>().quantity;
    expect(await stock()).toBe(9);
    // Cached answers show stock at most STOCK_LAG_MS old.
    const later = () => h.clock.advance(STOCK_LAG_MS + 1);
    const order = await placeOrder(h, buyer, [{ offer, quantity: 4 }]);
    later();
    expect(await stock()).toBe(5);
    await client(h, buyer).post('/order/cancel/', { id: order.id });
    later();
    expect(await stock()).toBe(9);
  });
});

describe('counts of in-stock lists after orders', () => {
  it('drop an offer an order sold out, and take it back after the cancel (counts reused meanwhile stay exact)', async () => {
    const buyer = await createUser(h);
    const category = await createCategory(h);
    const offer = await createOffer(h, await createShop(h), { quantity: 2, category });
    const inStock = async () =>
      (await client(h).get(`/products/?category_id=${category.id}&in_stock=true`)).json();
    expect((await inStock()).count).toBe(1);
    expect((await inStock()).count).toBe(1); // a reused count
    const later = () => h.clock.advance(STOCK_LAG_MS + 1); // past the cached answer
    const order = await placeOrder(h, buyer, [{ offer, quantity: 2 }]);
    later();
    expect(await inStock()).toMatchObject({ count: 0, results: [] });
    await client(h, buyer).post('/order/cancel/', { id: order.id });
    later();
    expect((await inStock()).count).toBe(1);
  });

  it('drop a sold-out offer from an in-stock search whose ranked matches were kept', async () => {
    const buyer = await createUser(h);
    const word = `zork${Date.now()}`;
    const offer = await createOffer(h, await createShop(h), { quantity: 1, name: `Товар ${word}` });
    const search = async () => {
      h.clock.advance(STOCK_LAG_MS + 1); // past the cached answer
      return (await client(h).get(`/products/?search=${word}&in_stock=true`)).json();
    };
    expect((await search()).count).toBe(1);
    // From its kept ranked matches (unless another test moved the epoch meanwhile).
    expect((await search()).results.map((o: OfferDto) => o.id)).toEqual([offer.id]);
    await placeOrder(h, buyer, [{ offer, quantity: 1 }]);
    expect(await search()).toMatchObject({ count: 0, results: [] });
  });

  // Only here: on PostgreSQL every test file shares the epoch, and their writers bump it meanwhile.
  it.skipIf(isPostgres)(
    'leave the counts of other lists kept while an order sells out',
    async () => {
      const buyer = await createUser(h);
      const category = await createCategory(h);
      const offer = await createOffer(h, await createShop(h), { quantity: 1, category });
      const later = () => h.clock.advance(STOCK_LAG_MS + 1); // past the cached answer
      const read = async (inStock: boolean) => {
        later();
        await h.settle(); // an order's mail job queries the database too
        const before = h.database.queries.count;
        const url = `/products/?category_id=${category.id}&in_stock=${inStock}`;
        const { count } = (await client(h).get(url)).json();
        return { count, statements: h.database.queries.count - before };
      };
      await Promise.all([read(false), read(true)]); // both counts taken
      const kept = await read(false); // the page alone: its count is kept
      expect(await read(true)).toEqual(kept);
      await placeOrder(h, buyer, [{ offer, quantity: 1 }]);
      // The offer is still listed (quantity 0), and the list's count still holds.
      expect(await read(false)).toEqual(kept);
      // An in-stock list counts again.
      expect(await read(true)).toEqual({ count: 0, statements: kept.statements + 1 });
    },
  );
});

describe('following orders', () => {
  it('lists the user’s placed orders newest first, never the cart, and hides other users’ orders', async () => {
    const [buyer, other] = [await createUser(h), await createUser(h)];
    const offer = await createOffer(h, await createShop(h), { price: 100, quantity: 50 });
    const contact = await createContact(h, buyer);
    const first = await placeOrder(h, buyer, [{ offer, quantity: 1 }], contact);
    const second = await placeOrder(h, buyer, [{ offer, quantity: 2 }], contact);
    await addToCart(h, buyer, [{ offer, quantity: 1 }]);

    const list = await client(h, buyer).get('/orders/?page_size=1');
    expect(list.statusCode).toBe(200);
    expect(list.json()).toMatchObject({
      count: 2,
      previous: null,
      results: [{ id: second.id, state: 'new', total_sum: 200, total_quantity: 2 }],
    });
    expect(list.json().next).toMatch(/page=2/);
    expect((await client(h, buyer).get('/orders/?page=2&page_size=1')).json().results[0].id).toBe(
      first.id,
    );

    expect((await client(h, other).get(`/order/${first.id}/`)).statusCode).toBe(404);
    expect((await client(h, other).post('/order/cancel/', { id: first.id })).statusCode).toBe(404);
    expect((await client(h, other).get('/orders/')).json().count).toBe(0);
    const cartId = (await client(h, buyer).get('/cart/')).json().id;
    expect((await client(h, buyer).get(`/order/${cartId}/`)).statusCode).toBe(404);
    expect((await client(h, buyer).get('/order/abc/')).statusCode).toBe(400);
  });

  it('cancels from new or confirmed only, returning the stock', async () => {
    const buyer = await createUser(h);
    const staff = await createUser(h, { staff: true });
    const offer = await createOffer(h, await createShop(h), { quantity: 10 });
    const order = await placeOrder(h, buyer, [{ offer, quantity: 4 }]);
    expect(await stockOf(h, offer)).toBe(6);

    const res = await client(h, buyer).post('/order/cancel/', { id: order.id });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      state: 'canceled',
      history: [{ state: 'new' }, { state: 'canceled' }],
    });
    expect(await stockOf(h, offer)).toBe(10);
    expect((await client(h, buyer).post('/order/cancel/', { id: order.id })).statusCode).toBe(409);
    expect(await stockOf(h, offer)).toBe(10);
    await h.smtp.waitFor(buyer.email, new RegExp(`Заказ №${order.id}: отменён`));

    const sent = await placeOrder(h, buyer, [{ offer, quantity: 1 }]);
    for (const state of ['confirmed', 'assembled']) {
      expect(
        (await client(h, staff).patch(`/api/admin/orders/${sent.id}/`, { state })).statusCode,
      ).toBe(200);
    }
    const late = await client(h, buyer).post('/order/cancel/', { id: sent.id });
    expect(late.statusCode).toBe(409);
    expect(late.json().detail).toMatch(/assembled/);
  });
});

describe('staff transitions', () => {
  it('moves an order along, keeps the history with who and when, and mails the buyer each change', async () => {
    const buyer = await createUser(h);
    const staff = await createUser(h, { staff: true });
    const offer = await createOffer(h, await createShop(h), { quantity: 5 });
    const order = await placeOrder(h, buyer, [{ offer, quantity: 1 }]);
    const patch = (state: string, id = order.id) =>
      client(h, staff).patch(`/api/admin/orders/${id}/`, { state });

    expect(
      (await client(h, buyer).patch(`/api/admin/orders/${order.id}/`, { state: 'confirmed' }))
        .statusCode,
    ).toBe(403);
    expect((await patch('sent')).statusCode).toBe(409);
    expect((await patch('basket')).statusCode).toBe(400);
    expect((await patch('confirmed', 2_000_000_000)).statusCode).toBe(404);

    for (const state of ['confirmed', 'assembled', 'sent', 'delivered']) {
      const res = await patch(state);
      expect(res.statusCode).toBe(200);
      expect(res.json().state).toBe(state);
    }
    const final = await patch('canceled');
    expect(final.statusCode).toBe(409);
    expect(final.json().detail).toMatch(/delivered/);
    const view = (await client(h, buyer).get(`/order/${order.id}/`)).json();
    expect(view.history.map((e: { state: string }) => e.state)).toEqual([
      'new',
      'confirmed',
      'assembled',
      'sent',
      'delivered',
    ]);
    const rows = await h.database.db.query.orderHistory.findMany({
      where: (t, { eq: is }) => is(t.orderId, order.id),
    });
    expect(rows.filter((r) => r.byUserId === staff.id)).toHaveLength(4);
    expect(await stockOf(h, offer)).toBe(4);

    const mail = await h.smtp.waitFor(buyer.email, new RegExp(`Заказ №${order.id}: доставлен`));
    expect(mail.text).toContain('Статус вашего заказа');
    expect(mail.text).toContain('Доставлен');
    for (const word of ['подтверждён', 'собран', 'отправлен']) {
      await h.smtp.waitFor(buyer.email, new RegExp(`Заказ №${order.id}: ${word}`));
    }
  });

  it('restocks when staff cancel an assembled order', async () => {
    const buyer = await createUser(h);
    const staff = await createUser(h, { staff: true });
    const offer = await createOffer(h, await createShop(h), { quantity: 5 });
    const order = await placeOrder(h, buyer, [{ offer, quantity: 3 }]);
    await client(h, staff).patch(`/api/admin/orders/${order.id}/`, { state: 'confirmed' });
    await client(h, staff).patch(`/api/admin/orders/${order.id}/`, { state: 'assembled' });
    const res = await client(h, staff).patch(`/api/admin/orders/${order.id}/`, {
      state: 'canceled',
    });
    expect(res.statusCode).toBe(200);
    expect(await stockOf(h, offer)).toBe(5);
  });
});

describe('invoices without ADMIN_EMAIL', () => {
  it('go to every staff user', async () => {
    const h2 = await createHarness();
    try {
      const staff = await createUser(h2, { staff: true });
      const buyer = await createUser(h2);
      const offer = await createOffer(h2, await createShop(h2), { quantity: 5 });
      const order = await placeOrder(h2, buyer, [{ offer, quantity: 1 }]);
      const invoice = await h2.smtp.waitFor(
        staff.email,
        new RegExp(`Накладная: новый заказ №${order.id}`),
      );
      expect(invoice.text).toContain(buyer.email);
    } finally {
      await h2.close();
    }
  });
});
