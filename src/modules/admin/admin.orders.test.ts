// The staff JSON API over orders: list with filters, one order with its buyer, moving it along.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOffer, createShop } from '../../../test/catalog-factory.js';
import { client } from '../../../test/client.js';
import { createHarness, createUser, type Harness, type TestUser } from '../../../test/harness.js';
import { addToCart, placeOrder } from '../../../test/order-factory.js';

let h: Harness;
let staff: TestUser;
beforeAll(async () => {
  h = await createHarness();
  staff = await createUser(h, { staff: true });
});
afterAll(() => h.close());

const DAY = 86_400_000;

/** A buyer with orders in two shops, placed a day apart (the clock moves between them). */
async function buyerWithOrders() {
  const [shopA, shopB, buyer] = await Promise.all([createShop(h), createShop(h), createUser(h)]);
  const [a, b] = await Promise.all([
    createOffer(h, shopA, { price: 100, quantity: 50 }),
    createOffer(h, shopB, { price: 7, quantity: 50 }),
  ]);
  const first = await placeOrder(h, buyer, [{ offer: a, quantity: 2 }]);
  h.clock.advance(DAY);
  const second = await placeOrder(h, buyer, [
    { offer: a, quantity: 1 },
    { offer: b, quantity: 3 },
  ]);
  await addToCart(h, buyer, [{ offer: b, quantity: 1 }]); // a basket, never listed
  return { shopA, shopB, buyer, first, second };
}

describe('GET /api/admin/orders/', () => {
  it("lists a buyer's placed orders newest first, with buyer, totals and shops", async () => {
    const { shopA, shopB, buyer, first, second } = await buyerWithOrders();
    const res = await client(h, staff).get(`/api/admin/orders/?q=${buyer.email.toUpperCase()}`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ count: 2, count_exact: true, next: null, previous: null });
    expect(body.results.map((o: { id: number }) => o.id)).toEqual([second.id, first.id]);
    expect(body.results[0]).toEqual({
      id: second.id,
      created: second.created,
      state: 'new',
      buyer: { id: buyer.id, email: buyer.email },
      total_sum: 121,
      total_quantity: 4,
      shops: expect.arrayContaining([
        { id: shopA.id, name: shopA.name },
        { id: shopB.id, name: shopB.name },
      ]),
    });
    expect(body.results[1].shops).toEqual([{ id: shopA.id, name: shopA.name }]);
  });

  it('filters by state, shop, order id and the time placed', async () => {
    const { shopB, buyer, first, second } = await buyerWithOrders();
    await client(h, staff).patch(`/api/admin/orders/${first.id}/`, { state: 'confirmed' });
    const ids = async (query: string) => {
      const res = await client(h, staff).get(`/api/admin/orders/?q=${buyer.email}&${query}`);
      expect(res.statusCode, res.body).toBe(200);
      return res.json().results.map((o: { id: number }) => o.id);
    };
    expect(await ids('state=confirmed')).toEqual([first.id]);
    expect(await ids(`shop_id=${shopB.id}`)).toEqual([second.id]);
    expect(await ids(`created_from=${second.created}`)).toEqual([second.id]);
    expect(await ids(`created_to=${second.created}`)).toEqual([first.id]);
    expect(await ids(`created_to=${first.created.slice(0, 10)}`)).toEqual([first.id]);
    const byId = await client(h, staff).get(`/api/admin/orders/?q=${second.id}`);
    expect(byId.json().results.map((o: { id: number }) => o.id)).toEqual([second.id]);
    const stranger = await client(h, staff).get('/api/admin/orders/?q=nobody@example.com');
    expect(stranger.json()).toMatchObject({ count: 0, results: [] });
  });

  it('pages with next and previous links', async () => {
    const { buyer, first, second } = await buyerWithOrders();
    const page1 = await client(h, staff).get(`/api/admin/orders/?q=${buyer.email}&page_size=1`);
    expect(page1.json().results[0].id).toBe(second.id);
    const next = new URL(page1.json().next);
    const page2 = await client(h, staff).get(next.pathname + next.search);
    expect(page2.json()).toMatchObject({ count: 2, next: null, results: [{ id: first.id }] });
    expect(page2.json().previous).toContain('page_size=1');
  });

  it('counts by state from counters that always match the orders (one snapshot)', async () => {
    await buyerWithOrders();
    const res = await client(h, staff).get('/api/admin/orders/?state=new&page_size=1');
    expect(res.json()).toMatchObject({ count_exact: true });
    expect(res.json().count).toBeGreaterThanOrEqual(2);
    // Counters and orders are written in the same transactions: one statement sees them agree.
    const rows = await h.database.db.execute(sql`
      select s.state, coalesce(c.n, 0)::int as counted, coalesce(o.n, 0)::int as real
      from unnest(enum_range(null::order_state)) s(state)
      left join (select state, sum(n) n from order_state_counts group by state) c using (state)
      left join (select state, count(*) n from orders where state <> 'basket' group by state) o using (state)`);
    const list = ((rows as { rows?: unknown }).rows ?? rows) as { counted: number; real: number }[];
    for (const r of list) expect(r.counted).toBe(r.real);
  });

  it('refuses bad filters with 400 naming them, and non-staff with 403', async () => {
    const res = await client(h, staff).get(
      '/api/admin/orders/?state=basket&created_from=yesterday&shop_id=x',
    );
    expect(res.statusCode).toBe(400);
    const fields = res.json().errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['state', 'created_from', 'shop_id']));
    const buyer = await createUser(h);
    expect((await client(h, buyer).get('/api/admin/orders/')).statusCode).toBe(403);
    expect((await client(h).get('/api/admin/orders/')).statusCode).toBe(401);
  });
});

describe('GET and PATCH /api/admin/orders/{id}/', () => {
  it("shows any buyer's order with its buyer and allowed next states; a basket is 404", async () => {
    const { buyer, first } = await buyerWithOrders();
    const res = await client(h, staff).get(`/api/admin/orders/${first.id}/`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      id: first.id,
      state: 'new',
      buyer: { id: buyer.id, email: buyer.email },
      allowed_states: ['confirmed', 'canceled'],
      items: [{ quantity: 2, price: 100, sum: 200 }],
      history: [{ state: 'new' }],
    });
    const cart = await client(h, buyer).get('/cart/');
    expect((await client(h, staff).get(`/api/admin/orders/${cart.json().id}/`)).statusCode).toBe(
      404,
    );
  });

  it('moves an order along, answering the staff view, and mails the buyer', async () => {
    const { buyer, first } = await buyerWithOrders();
    const res = await client(h, staff).patch(`/api/admin/orders/${first.id}/`, {
      state: 'confirmed',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      state: 'confirmed',
      allowed_states: ['assembled', 'canceled'],
      history: [{ state: 'new' }, { state: 'confirmed' }],
    });
    await h.smtp.waitFor(buyer.email, new RegExp(`№${first.id}: подтверждён`));
    const back = await client(h, staff).patch(`/api/admin/orders/${first.id}/`, { state: 'new' });
    expect(back.statusCode).toBe(409);
  });
});
