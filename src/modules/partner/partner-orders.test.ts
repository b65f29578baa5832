import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOffer, createShop } from '../../../test/catalog-factory.js';
import { createHarness, createUser, type Harness } from '../../../test/harness.js';
import { client } from '../../../test/client.js';
import { addToCart, createContact, placeOrder } from '../../../test/order-factory.js';

let h: Harness;
beforeAll(async () => void (h = await createHarness()));
afterAll(() => h.close());

type Line = {
  product_info: { id: number; shop: { id: number } };
  quantity: number;
  price: number;
  sum: number;
};

describe('GET /partner/orders/', () => {
  it("shows placed orders holding the shop's goods, with only its lines, their sum, the contact and the state", async () => {
    const owner = await createUser(h, { type: 'shop' });
    const shop = await createShop(h, { userId: owner.id });
    const otherShop = await createShop(h);
    const a1 = await createOffer(h, shop, { price: 100, quantity: 50 });
    const a2 = await createOffer(h, shop, { price: 30, quantity: 50 });
    const b1 = await createOffer(h, otherShop, { price: 7000, quantity: 50 });
    const staff = await createUser(h, { staff: true });

    const [alice, bob, carol, dave] = [
      await createUser(h),
      await createUser(h),
      await createUser(h),
      await createUser(h),
    ];
    const aliceContact = await createContact(h, alice, { city: 'Самара', first_name: 'Алиса' });
    const first = await placeOrder(
      h,
      alice,
      [
        { offer: a1, quantity: 2 },
        { offer: b1, quantity: 1 },
        { offer: a2, quantity: 3 },
      ],
      aliceContact,
    );
    const second = await placeOrder(h, bob, [{ offer: a2, quantity: 1 }]);
    await placeOrder(h, carol, [{ offer: b1, quantity: 1 }]);
    await addToCart(h, dave, [{ offer: a1, quantity: 1 }]);
    await client(h, staff).patch(`/api/admin/orders/${second.id}/`, { state: 'confirmed' });

    const res = await client(h, owner).get('/partner/orders/');
    expect(res.statusCode).toBe(200);
    const page = res.json();
    expect(page.count).toBe(2);
    expect(page.results.map((o: { id: number }) => o.id)).toEqual([second.id, first.id]);
    const mine = page.results[1];
    expect(mine).toMatchObject({
      state: 'new',
      total_quantity: 5,
      total_sum: 290,
      contact: { city: 'Самара', first_name: 'Алиса', phone: '+79991234567' },
    });
    expect(mine.items.map((i: Line) => [i.product_info.id, i.quantity, i.price, i.sum])).toEqual([
      [a1.id, 2, 100, 200],
      [a2.id, 3, 30, 90],
    ]);
    expect(page.results[0]).toMatchObject({ state: 'confirmed', total_sum: 30 });

    const confirmed = (await client(h, owner).get('/partner/orders/?state=confirmed')).json();
    expect(confirmed.results.map((o: { id: number }) => o.id)).toEqual([second.id]);
    const paged = (await client(h, owner).get('/partner/orders/?page_size=1&page=2')).json();
    expect(paged).toMatchObject({ count: 2, next: null, results: [{ id: first.id }] });
    expect((await client(h, owner).get('/partner/orders/?state=basket')).statusCode).toBe(400);
  });

  it('costs the same number of queries for one order as for many (no N+1)', async () => {
    const owner = await createUser(h, { type: 'shop' });
    const shop = await createShop(h, { userId: owner.id });
    const offers = [
      await createOffer(h, shop, { quantity: 100 }),
      await createOffer(h, shop, { quantity: 100 }),
    ];
    const buyer = await createUser(h);
    const contact = await createContact(h, buyer);
    const cost = async () => {
      await h.settle(); // the orders' mail jobs query the database too
      const before = h.database.queries.count;
      expect((await client(h, owner).get('/partner/orders/?page_size=50')).statusCode).toBe(200);
      return h.database.queries.count - before;
    };
    await placeOrder(h, buyer, [{ offer: offers[0]!, quantity: 1 }], contact);
    const one = await cost();
    for (let i = 0; i < 4; i++) {
      await placeOrder(
        h,
        buyer,
        offers.map((offer) => ({ offer, quantity: 1 })),
        contact,
      );
    }
    expect(await cost()).toBe(one);
  });

  it('is for shop accounts only; a shop account without a shop sees no orders', async () => {
    const buyer = await createUser(h);
    expect((await client(h, buyer).get('/partner/orders/')).statusCode).toBe(403);
    const fresh = await createUser(h, { type: 'shop' });
    const res = await client(h, fresh).get('/partner/orders/');
    expect(res.json()).toEqual({ count: 0, next: null, previous: null, results: [] });
  });
});
