import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createOffer,
  createShop,
  setOfferWithdrawn,
  setShopState,
} from '../../../test/catalog-factory.js';
import { createHarness, createUser, type Harness } from '../../../test/harness.js';
import { client } from '../../../test/client.js';
import { addToCart } from '../../../test/order-factory.js';

let h: Harness;
beforeAll(async () => void (h = await createHarness()));
afterAll(() => h.close());

describe('cart', () => {
  it('holds goods of two shops with line sums and totals, and merges a re-added offer', async () => {
    const buyer = await createUser(h);
    const [shopA, shopB] = [await createShop(h), await createShop(h)];
    const a = await createOffer(h, shopA, { price: 150, quantity: 10 });
    const b = await createOffer(h, shopB, { price: 1000, quantity: 3 });

    const first = await client(h, buyer).post('/cart/add/', {
      items: [
        { product_info: a.id, quantity: 2 },
        { product_info: b.id, quantity: 1 },
      ],
    });
    expect(first.statusCode).toBe(201);
    const again = await addToCart(h, buyer, [{ offer: a, quantity: 3 }]);
    expect(again.id).toBe(first.json().id);
    expect(again.items).toHaveLength(2);
    const lineA = again.items.find(
      (i: { product_info: { id: number } }) => i.product_info.id === a.id,
    );
    expect(lineA).toMatchObject({
      quantity: 5,
      sum: 750,
      product_info: { shop: { id: shopA.id }, price: 150 },
    });
    expect(again).toMatchObject({ total_quantity: 6, total_sum: 1750 });

    const view = await client(h, buyer).get('/cart/');
    expect(view.statusCode).toBe(200);
    expect(view.json()).toEqual(again);
  });

  it('makes one cart on first use even when first uses race', async () => {
    const buyer = await createUser(h);
    const offer = await createOffer(h, await createShop(h), { quantity: 100 });
    const answers = await Promise.all([
      ...Array.from({ length: 5 }, () => client(h, buyer).get('/cart/')),
      ...Array.from({ length: 5 }, () =>
        client(h, buyer).post('/cart/add/', { items: [{ product_info: offer.id, quantity: 1 }] }),
      ),
    ]);
    expect(new Set(answers.map((r) => r.json().id)).size).toBe(1);
    expect((await client(h, buyer).get('/cart/')).json()).toMatchObject({ total_quantity: 5 });
  });

  it('updates, removes and clears lines', async () => {
    const buyer = await createUser(h);
    const shop = await createShop(h);
    const a = await createOffer(h, shop, { price: 10, quantity: 10 });
    const b = await createOffer(h, shop, { price: 20, quantity: 10 });
    const cart = await addToCart(h, buyer, [
      { offer: a, quantity: 1 },
      { offer: b, quantity: 1 },
    ]);
    const [lineA, lineB] = cart.items.map((i: { id: number }) => i.id);

    const updated = await client(h, buyer).put('/cart/update/', {
      items: [{ id: lineA, quantity: 4 }],
    });
    expect(updated.statusCode).toBe(200);
    expect(updated.json()).toMatchObject({ total_quantity: 5, total_sum: 60 });

    const removed = await client(h, buyer).delete('/cart/remove/', { items: [lineB] });
    expect(removed.statusCode).toBe(200);
    expect(removed.json().items.map((i: { id: number }) => i.id)).toEqual([lineA]);

    const cleared = await client(h, buyer).delete('/cart/clear/');
    expect(cleared.statusCode).toBe(200);
    expect(cleared.json()).toEqual({ id: cart.id, items: [], total_quantity: 0, total_sum: 0 });
  });

  it('refuses unknown and withdrawn offers with 404, a closed shop and too many with 409 saying what is left', async () => {
    const buyer = await createUser(h);
    const shop = await createShop(h);
    const offer = await createOffer(h, shop, { quantity: 3 });
    const add = (product_info: number, quantity: number) =>
      client(h, buyer).post('/cart/add/', { items: [{ product_info, quantity }] });

    expect((await add(2_000_000_000, 1)).statusCode).toBe(404);
    const withdrawn = await createOffer(h, shop, { withdrawn: true });
    expect((await add(withdrawn.id, 1)).statusCode).toBe(404);

    const tooMany = await add(offer.id, 4);
    expect(tooMany.statusCode).toBe(409);
    expect(tooMany.headers['content-type']).toContain('application/problem+json');
    expect(tooMany.json().items).toEqual([
      expect.objectContaining({ product_info: offer.id, requested: 4, available: 3 }),
    ]);
    expect(tooMany.json().detail).toMatch(/3 available/);

    expect((await add(offer.id, 2)).statusCode).toBe(201);
    const merged = await add(offer.id, 2);
    expect(merged.statusCode).toBe(409);
    expect(merged.json().items[0]).toMatchObject({ requested: 4, available: 3 });
    expect((await client(h, buyer).get('/cart/')).json().total_quantity).toBe(2);

    await setShopState(h, shop, false);
    const closed = await add(offer.id, 1);
    expect(closed.statusCode).toBe(409);
    expect(closed.json()).toMatchObject({
      type: '/problems/shop-not-taking-orders',
      items: [{ available: 0 }],
    });
    await setOfferWithdrawn(h, offer, true);
    expect((await add(offer.id, 1)).statusCode).toBe(404);
  });

  it('validates quantities and bodies with 400', async () => {
    const buyer = await createUser(h);
    const offer = await createOffer(h, await createShop(h));
    for (const quantity of [0, -1, 1.5, '2']) {
      const res = await client(h, buyer).post('/cart/add/', {
        items: [{ product_info: offer.id, quantity }],
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().errors[0].field).toBe('items[0].quantity');
    }
    expect((await client(h, buyer).post('/cart/add/', { items: [] })).statusCode).toBe(400);
    const sneaky = await client(h, buyer).post('/cart/add/', {
      items: [{ product_info: offer.id, quantity: 1, price: 1 }],
    });
    expect(sneaky.statusCode).toBe(400);
    expect(
      (await client(h, buyer).put('/cart/update/', { items: [{ id: 1, quantity: 0 }] })).statusCode,
    ).toBe(400);
    expect((await client(h).get('/cart/')).statusCode).toBe(401);
  });

  it("never touches another user's lines", async () => {
    const [alice, bob] = [await createUser(h), await createUser(h)];
    const offer = await createOffer(h, await createShop(h), { quantity: 10 });
    const cart = await addToCart(h, alice, [{ offer, quantity: 2 }]);
    const line = cart.items[0].id;
    await addToCart(h, bob, [{ offer, quantity: 1 }]);

    expect(
      (await client(h, bob).put('/cart/update/', { items: [{ id: line, quantity: 5 }] }))
        .statusCode,
    ).toBe(404);
    expect((await client(h, bob).delete('/cart/remove/', { items: [line] })).statusCode).toBe(404);
    expect((await client(h, bob).delete('/cart/clear/')).statusCode).toBe(200);
    const mine = (await client(h, alice).get('/cart/')).json();
    expect(mine).toMatchObject({ id: cart.id, total_quantity: 2 });
  });
});
