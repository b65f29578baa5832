// A cart is bounded: in lines, and in how much of one offer a line holds, however it is filled.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createOffer, createShop } from '../../../test/catalog-factory.js';
import { client } from '../../../test/client.js';
import { createHarness, createUser, type Harness } from '../../../test/harness.js';
import { MAX_CART_LINES } from './cart.service.js';

let h: Harness;
beforeAll(async () => void (h = await createHarness()));
afterAll(() => h.close());

const items = (offers: { id: number }[], quantity = 1) =>
  offers.map((o) => ({ product_info: o.id, quantity }));

it(`holds at most ${MAX_CART_LINES} lines; one more is 409 and changes nothing`, async () => {
  const shop = await createShop(h);
  const offers = [];
  for (let i = 0; i <= MAX_CART_LINES; i++) offers.push(await createOffer(h, shop));
  const buyer = client(h, await createUser(h));
  expect((await buyer.post('/cart/add/', { items: items(offers.slice(0, 100)) })).statusCode).toBe(
    201,
  );
  expect(
    (await buyer.post('/cart/add/', { items: items(offers.slice(100, 200)) })).statusCode,
  ).toBe(201);
  const over = await buyer.post('/cart/add/', { items: items(offers.slice(200)) });
  expect(over.statusCode).toBe(409);
  expect(over.json()).toMatchObject({ type: '/problems/cart-limit', max_lines: MAX_CART_LINES });
  expect((await buyer.get('/cart/')).json().items).toHaveLength(MAX_CART_LINES);
});

it('holds at most 1,000,000 of one offer, however many adds merge into the line', async () => {
  const offer = await createOffer(h, await createShop(h), { quantity: 2_147_483_647 });
  const buyer = client(h, await createUser(h));
  const add = (quantity: number) => buyer.post('/cart/add/', { items: items([offer], quantity) });
  expect((await add(1_000_000)).statusCode).toBe(201);
  const over = await add(1);
  expect(over.statusCode).toBe(409);
  expect(over.json().type).toBe('/problems/cart-limit');
  // Named twice in one request, the quantities add up to one line as well.
  const twice = await buyer.put('/cart/update/', {
    items: [
      { id: (await buyer.get('/cart/')).json().items[0].id, quantity: 600_000 },
      { id: (await buyer.get('/cart/')).json().items[0].id, quantity: 600_000 },
    ],
  });
  expect(twice.statusCode).toBe(409);
  expect((await buyer.get('/cart/')).json()).toMatchObject({ total_quantity: 1_000_000 });
});
