// The price list is the shop's whole truth, stock included: an import sets every offer's stock to
// what the file says, even where orders and cancels moved it since the last import.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { client } from '../../../test/client.js';
import { createUser, createHarness, type Harness } from '../../../test/harness.js';
import { placeOrder, stockOf } from '../../../test/order-factory.js';
import { importYaml, shopYaml } from './partner.test-helpers.js';

let h: Harness;
beforeAll(async () => void (h = await createHarness()));
afterAll(() => h.close());

it('restores the stock the file says after an order and after a cancel, re-importing it unchanged', async () => {
  const [shop, buyer] = await Promise.all([createUser(h, { type: 'shop' }), createUser(h)]);
  const yaml = shopYaml('Restock');
  const first = await importYaml(h, shop, yaml);
  expect(first.statusCode).toBe(200);
  const page = await client(h).get(`/products/?shop_id=${first.json().shop.id}&page_size=100`);
  const offer = page
    .json<{ results: { id: number; external_id: number; quantity: number }[] }>()
    .results.find((o) => o.external_id === 4216292)!;
  expect(offer.quantity).toBe(14);

  const order = await placeOrder(h, buyer, [{ offer, quantity: 1 }]);
  expect(await stockOf(h, offer)).toBe(13);
  const again = await importYaml(h, shop, yaml);
  expect(again.json()).toMatchObject({ created: 0, updated: 1, withdrawn: 0 });
  expect(await stockOf(h, offer)).toBe(14);

  // The order placed before the import keeps its line; its cancel gives the unit back...
  expect((await client(h, buyer).post('/order/cancel/', { id: order.id })).statusCode).toBe(200);
  expect(await stockOf(h, offer)).toBe(15);
  // ...until the next import, which says 14 again.
  expect((await importYaml(h, shop, yaml)).json()).toMatchObject({ updated: 1 });
  expect(await stockOf(h, offer)).toBe(14);
  expect((await importYaml(h, shop, yaml)).json()).toMatchObject({ updated: 0 });
});
