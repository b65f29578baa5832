import type { Db, Executor } from '../../platform/db/client.js';
import { AppError } from '../../platform/errors.js';
import { findOffersByIds } from '../catalog/catalog.repo.js';
import type { OfferDto } from '../catalog/catalog.schemas.js';
import * as repo from './cart.repo.js';
import type { AddToCart, CartDto, UpdateCart } from './cart.schemas.js';
import { assertSellable } from './cart.stock.js';

export type CartService = ReturnType<typeof createCartService>;

/** Lines with their offers (3 queries whatever the number of lines); `price` null → current price. */
export async function withOffers(db: Executor, lines: repo.LineRow[]) {
  const offers = await findOffersByIds(
    db,
    lines.map((l) => l.offerId),
  );
  const byId = new Map(offers.map((o) => [o.id, o]));
  return lines.map((l) => {
    const offer: OfferDto = byId.get(l.offerId)!;
    const price = l.price ?? offer.price;
    return { id: l.id, product_info: offer, quantity: l.quantity, price, sum: price * l.quantity };
  });
}

export const totals = (items: { quantity: number; sum: number }[]) => ({
  total_quantity: items.reduce((n, i) => n + i.quantity, 0),
  total_sum: items.reduce((n, i) => n + i.sum, 0),
});

async function view(db: Executor, orderId: number): Promise<CartDto> {
  const items = (await withOffers(db, await repo.linesOf(db, orderId))).map(
    ({ price: _p, ...item }) => item,
  );
  return { id: orderId, items, ...totals(items) };
}

const lineNotFound = (ids: number[]) =>
  new AppError(404, 'not-found', `Cart item ${ids.join(', ')} not found in your cart.`);

/** Sums duplicates: the same offer named twice in one request is one line. */
function wantedOf(items: { key: number; quantity: number }[]) {
  const wanted = new Map<number, number>();
  for (const { key, quantity } of items) wanted.set(key, (wanted.get(key) ?? 0) + quantity);
  return wanted;
}

export function createCartService({ db }: { db: Db }) {
  return {
    async get(userId: number) {
      return view(db, await repo.basketOf(db, userId));
    },

    async add(userId: number, body: AddToCart) {
      const wanted = wantedOf(
        body.items.map((i) => ({ key: i.product_info, quantity: i.quantity })),
      );
      const orderId = await db.transaction(async (tx) => {
        const orderId = await repo.basketOf(tx, userId, true);
        const stock = await repo.offerStock(tx, [...wanted.keys()]);
        assertSellable(stock, wanted);
        const merged = await repo.addLines(
          tx,
          orderId,
          stock.map((s) => ({ offerId: s.id, shopId: s.shopId, quantity: wanted.get(s.id)! })),
        );
        // The cart may hold more than asked now (merge): the whole line must fit the stock.
        assertSellable(stock, new Map(merged.map((l) => [l.offerId, l.quantity])));
        return orderId;
      });
      return view(db, orderId);
    },

    async update(userId: number, body: UpdateCart) {
      const wanted = wantedOf(body.items.map((i) => ({ key: i.id, quantity: i.quantity })));
      const orderId = await db.transaction(async (tx) => {
        const orderId = await repo.findBasket(tx, userId, true);
        if (orderId === undefined) throw lineNotFound([...wanted.keys()]);
        const lines = await repo.setQuantities(
          tx,
          orderId,
          [...wanted].map(([id, quantity]) => ({ id, quantity })),
        );
        const missing = [...wanted.keys()].filter((id) => !lines.some((l) => l.id === id));
        if (missing.length > 0) throw lineNotFound(missing);
        const stock = await repo.offerStock(
          tx,
          lines.map((l) => l.offerId),
        );
        assertSellable(stock, new Map(lines.map((l) => [l.offerId, l.quantity])));
        return orderId;
      });
      return view(db, orderId);
    },

    /** Removes all the named lines or, if one is not in the user's cart, none. */
    async remove(userId: number, ids: number[]) {
      const wanted = [...new Set(ids)];
      const orderId = await db.transaction(async (tx) => {
        const orderId = await repo.findBasket(tx, userId, true);
        if (orderId === undefined) throw lineNotFound(wanted);
        const deleted = await repo.deleteLines(tx, orderId, wanted);
        const missing = wanted.filter((id) => !deleted.includes(id));
        if (missing.length > 0) throw lineNotFound(missing);
        return orderId;
      });
      return view(db, orderId);
    },

    async clear(userId: number) {
      const orderId = await db.transaction(async (tx) => {
        const orderId = await repo.basketOf(tx, userId, true);
        await repo.deleteLines(tx, orderId);
        return orderId;
      });
      return { id: orderId, items: [], total_quantity: 0, total_sum: 0 };
    },
  };
}
