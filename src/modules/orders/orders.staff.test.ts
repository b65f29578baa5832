// The staff's order counts: a filtered count stops at its cap and says so.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOffer, createShop } from '../../../test/catalog-factory.js';
import { createHarness, createUser, type Harness } from '../../../test/harness.js';
import { placeOrder } from '../../../test/order-factory.js';
import { createStaffOrders } from './orders.staff.js';

let h: Harness;
beforeAll(async () => void (h = await createHarness()));
afterAll(() => h.close());

async function buyerWithOrders() {
  const shop = await createShop(h);
  const offer = await createOffer(h, shop, { quantity: 10 });
  const buyer = await createUser(h);
  await placeOrder(h, buyer, [{ offer, quantity: 1 }]);
  await placeOrder(h, buyer, [{ offer, quantity: 1 }]);
  return { buyer, shop };
}

describe('staff order counts', () => {
  it('stops counting a wide filter at the cap and says the count is not exact', async () => {
    const { buyer } = await buyerWithOrders();
    const staffOrders = createStaffOrders(h.database.db, 1);
    const query = { page: 1, page_size: 20, q: buyer.email };
    expect(await staffOrders.list(query, 20, 0)).toMatchObject({ count: 1, exact: false });
    expect(await createStaffOrders(h.database.db, 2).list(query, 20, 0)).toMatchObject({
      count: 2,
      exact: true,
    });
  });

  it("counts a shop's orders from its lines, up to the cap", async () => {
    const { shop } = await buyerWithOrders();
    const query = { page: 1, page_size: 20, shop_id: shop.id };
    expect(await createStaffOrders(h.database.db, 1).list(query, 20, 0)).toMatchObject({
      count: 1,
      exact: false,
    });
    const all = await createStaffOrders(h.database.db, 5).list(query, 20, 0);
    expect(all).toMatchObject({ count: 2, exact: true });
    expect(all.results).toHaveLength(2);
    const canceled = await createStaffOrders(h.database.db, 5).list(
      { ...query, state: 'canceled' },
      20,
      0,
    );
    expect(canceled).toMatchObject({ count: 0, exact: true, results: [] });
  });
});
