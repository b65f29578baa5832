// Whether offers can be sold in the wanted quantities; shared by the cart and by confirmation.
import { AppError, conflict } from '../../platform/errors.js';
import type { OfferStock } from './cart.repo.js';

/** One line a client cannot have as asked, with what there is. */
export interface Shortfall {
  product_info: number;
  name: string;
  shop: string;
  requested: number;
  available: number;
}

const plural = (n: number, one: string, many: string) => (n === 1 ? one : many);

/**
 * Throws the first kind of problem found: unknown or withdrawn offers → 404; a shop that does not
 * take orders → 409; more than in stock → 409 listing every such line and what is left.
 */
export function assertSellable(stock: OfferStock[], wanted: Map<number, number>) {
  const byId = new Map(stock.map((s) => [s.id, s]));
  const missing = [...wanted.keys()].filter((id) => !byId.get(id) || byId.get(id)!.withdrawn);
  if (missing.length > 0) {
    const word = plural(missing.length, 'Offer', 'Offers');
    throw new AppError(
      404,
      'not-found',
      `${word} ${missing.join(', ')} not found or no longer sold.`,
    );
  }
  const line = (s: OfferStock, available: number): Shortfall => ({
    product_info: s.id,
    name: s.name,
    shop: s.shopName,
    requested: wanted.get(s.id)!,
    available,
  });
  const closed = stock.filter((s) => wanted.has(s.id) && !s.shopOpen);
  if (closed.length > 0) {
    const shops = [...new Set(closed.map((s) => s.shopName))].join(', ');
    throw conflict('shop-not-taking-orders', `Not taking orders now: ${shops}; 0 available.`, {
      items: closed.map((s) => line(s, 0)),
    });
  }
  const short = stock.filter((s) => wanted.has(s.id) && wanted.get(s.id)! > s.quantity);
  if (short.length > 0) throw shortageError(short.map((s) => line(s, s.quantity)));
}

export function shortageError(items: Shortfall[]) {
  const words = items.map(
    (i) => `${i.name} (offer ${i.product_info}): ${i.available} available, ${i.requested} asked`,
  );
  return conflict('insufficient-stock', `Not enough in stock: ${words.join('; ')}.`, { items });
}
