// The cart: the user's order in state `basket`. Lines are checked against the catalog's stock
// as they are added or changed; stock is only taken when the cart is confirmed (orders.service.ts).
import type { Db, Executor } from '../../platform/db/client.js';
import { problem } from '../../platform/problems.js';
import { assertSellable, stockOf } from '../catalog/index.js';
import * as repo from './cart.repo.js';
import {
  MAX_LINE_QUANTITY,
  type AddToCart,
  type CartDto,
  type UpdateCart,
} from './cart.schemas.js';
import { itemsOf, itemsWith, totals } from './orders.views.js';

export type CartService = ReturnType<typeof createCartService>;

/** Lines one cart may hold: far above a real purchase, and a bound on what one order costs. */
export const MAX_CART_LINES = 200;

function assertWithinLimits(lines: { quantity: number }[], lineCount: number) {
  if (lineCount > MAX_CART_LINES || lines.some((l) => l.quantity > MAX_LINE_QUANTITY)) {
    throw problem.cartLimit(
      `A cart holds at most ${MAX_CART_LINES} lines and ${MAX_LINE_QUANTITY} of one offer; ` +
        'confirm or remove some first.',
      { extra: { max_lines: MAX_CART_LINES, max_quantity: MAX_LINE_QUANTITY } },
    );
  }
}

/** The cart as answered, from its items (all of them, in line order). */
function cartDto(orderId: number, withPrices: ReturnType<typeof itemsWith>): CartDto {
  const items = withPrices.map(({ price: _p, ...item }) => item);
  return { id: orderId, items, ...totals(items) };
}

const view = async (db: Executor, orderId: number) =>
  cartDto(orderId, await itemsOf(db, await repo.linesOf(db, orderId)));

const lineNotFound = (ids: number[]) =>
  problem.notFound(`Cart item ${ids.join(', ')} not found in your cart.`);

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
      const { orderId, lines } = await db.transaction(async (tx) => {
        const { orderId, stock } = await repo.lockedBasketWithStock(tx, userId, [...wanted.keys()]);
        assertSellable(stock, wanted);
        // The whole cart after the merge, under the basket's lock: its size for the limit, the
        // merged lines for the checks, and the lines of the answer.
        const all = await repo.addLines(
          tx,
          orderId,
          stock.map((s) => ({ offerId: s.id, shopId: s.shopId, quantity: wanted.get(s.id)! })),
          MAX_LINE_QUANTITY,
        );
        const merged = all.filter((l) => l.added);
        assertWithinLimits(merged, all.length);
        // The cart may hold more than asked now (merge): the whole line must fit the stock.
        assertSellable(stock, new Map(merged.map((l) => [l.offerId, l.quantity])));
        return { orderId, lines: all.map(({ added: _, ...line }) => line) };
      });
      const offers = new Map(lines.map((l) => [l.offerId, l.offer]));
      return cartDto(orderId, itemsWith(lines, offers));
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
        assertWithinLimits(lines, 0);
        const stock = await stockOf(
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
