// The catalog through the cache: a warm page is served without the database, every write that
// changes what it shows (import, state switch) is visible at once, and stock that orders and
// cancels move shows within STOCK_LAG_MS, without emptying the cache.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, createUser, type Harness, type TestUser } from '../../../test/harness.js';
import { client } from '../../../test/client.js';
import { placeOrder } from '../../../test/order-factory.js';
import { uniqueTag } from '../../../test/catalog-factory.js';
import { STOCK_LAG_MS } from './catalog.cache.js';

const priceList = (shop: string, price: number, quantity: number) => `shop: ${shop}
categories:
  - id: 1
    name: Кэш ${shop}
goods:
  - id: 101
    category: 1
    model: cache/one
    name: Товар ${shop}
    price: ${price}
    price_rrc: ${price + 100}
    quantity: ${quantity}
    parameters:
      Цвет: синий
`;

describe('cached catalog reads', () => {
  let h: Harness;
  let shopUser: TestUser;
  let staff: TestUser;
  const shopName = `Кэш-магазин ${uniqueTag()}`;
  beforeAll(async () => {
    h = await createHarness({ CACHE_ENABLED: 'true' });
    [shopUser, staff] = await Promise.all([
      createUser(h, { type: 'shop' }),
      createUser(h, { staff: true }),
    ]);
  });
  afterAll(() => h.close());

  const upload = async (price: number, quantity: number) => {
    const res = await client(h, shopUser).post('/partner/update/', undefined, {
      payload: priceList(shopName, price, quantity),
      contentType: 'application/yaml',
    });
    expect(res.statusCode).toBe(200);
    return res.json<{ shop: { id: number } }>().shop.id;
  };
  const get = (url: string) => client(h).get(url);
  const stats = async () => (await client(h, staff).get('/api/cache/stats/')).json();

  it('serves a warm page from the cache and shows every change at once', async () => {
    const shopId = await upload(1000, 5);
    const url = `/products/?shop_id=${shopId}`;
    const first = (await get(url)).json();
    expect(first.results).toHaveLength(1);
    const offer = first.results[0];
    expect(offer).toMatchObject({ price: 1000, quantity: 5 });

    // Warm: the same page and the offer answer without a database query.
    await get(`/products/${offer.id}/`);
    const hits = (await stats()).hits;
    const queries = h.database.queries.count;
    const warm = await get(url);
    expect(warm.headers['x-cache']).toBe('hit');
    expect(warm.json()).toEqual(first);
    expect((await get(`/products/${offer.id}/`)).json()).toMatchObject({ price: 1000 });
    expect(h.database.queries.count).toBe(queries);
    expect((await stats()).hits).toBe(hits + 2);

    // A new price list.
    await upload(1200, 5);
    expect((await get(url)).json().results[0]).toMatchObject({ price: 1200 });
    expect((await get(`/products/${offer.id}/`)).json()).toMatchObject({ price: 1200 });

    // An order takes stock and leaves the cache warm: the cached answers, then within
    // STOCK_LAG_MS the new stock. Its cancel returns it likewise.
    const later = () => h.clock.advance(STOCK_LAG_MS + 1);
    await get(url); // cached again after the import
    const buyer = await createUser(h);
    const order = await placeOrder(h, buyer, [{ offer, quantity: 2 }]);
    const stale = await get(url);
    expect(stale.headers['x-cache']).toBe('hit');
    expect(stale.json().results[0].quantity).toBe(5);
    later();
    expect((await get(`/products/${offer.id}/`)).json().quantity).toBe(3);
    expect((await get(url)).json().results[0].quantity).toBe(3);
    expect((await client(h, buyer).post('/order/cancel/', { id: order.id })).statusCode).toBe(200);
    later();
    expect((await get(`/products/${offer.id}/`)).json().quantity).toBe(5);

    // Staff cancel of a placed order returns stock too.
    const second = await placeOrder(h, buyer, [{ offer, quantity: 1 }]);
    later();
    expect((await get(url)).json().results[0].quantity).toBe(4);
    const patched = await client(h, staff).patch(`/api/admin/orders/${second.id}/`, {
      state: 'canceled',
    });
    expect(patched.statusCode).toBe(200);
    later();
    expect((await get(url)).json().results[0].quantity).toBe(5);

    // Switching order taking off hides the shop and its offers; on brings them back.
    // Every page: on a shared PostgreSQL other tests' shops come first.
    const shops = async () => {
      const ids: number[] = [];
      for (let page = 1; ; page++) {
        const body = (await get(`/shops/?page_size=100&page=${page}`)).json();
        ids.push(...body.results.map((s: { id: number }) => s.id));
        if (!body.next) return ids;
      }
    };
    expect(await shops()).toContain(shopId);
    await client(h, shopUser).post('/partner/state/', { state: false });
    expect((await get(url)).json().results).toHaveLength(0);
    expect((await get(`/products/${offer.id}/`)).statusCode).toBe(404);
    expect(await shops()).not.toContain(shopId);
    await client(h, shopUser).post('/partner/state/', { state: true });
    expect((await get(`/products/${offer.id}/`)).statusCode).toBe(200);
    expect(await shops()).toContain(shopId);
  });
});
