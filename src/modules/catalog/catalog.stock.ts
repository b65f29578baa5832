// Stock of offers: whether goods can be sold as asked, taking them when an order is placed and
// giving them back when it is canceled. Callers pass their own transaction (`tx`), so a stock
// change commits or rolls back with the order that caused it. Offers are always locked in id
// order, so two transactions that share offers never deadlock each other.
import { sql, type Placeholder, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import { intArray, preparedStatement, runPrepared } from '../../platform/db/statements.js';
import { problem } from '../../platform/problems.js';
import { bumpStockEpoch, stockEpochBumpWhere } from './catalog.epoch.js';
import { offerJsonJoins, offerJsonWith } from './catalog.reads.js';
import type { OfferDto } from './catalog.schemas.js';
import { offers, products, shops } from './catalog.tables.js';

export interface OfferStock {
  id: number;
  shopId: number;
  name: string;
  price: number;
  quantity: number;
  withdrawn: boolean;
  shopOpen: boolean;
  shopName: string;
}

/** Quantities by offer id. */
export type Wanted = Map<number, number>;

/** The offers an order takes, locked: their prices, and each as it will show once taken. */
export interface StockToTake {
  prices: Map<number, number>;
  offers: Map<number, OfferDto>;
}

/** One line a client cannot have as asked, with what there is. */
export interface Shortfall {
  product_info: number;
  name: string;
  shop: string;
  requested: number;
  available: number;
}

/** What the checks of `assertSellable` read of an offer, named as `OfferStock`'s fields. */
const stockFields = sql`${offers.id} as "id", ${offers.shopId} as "shopId",
  ${products.name} as "name", ${offers.price} as "price", ${offers.quantity} as "quantity",
  ${offers.withdrawn} as "withdrawn", ${shops.state} as "shopOpen", ${shops.name} as "shopName"`;

/**
 * The rows `stockOf` reads, as a subquery of the offers whose ids are the int array `ids`, in id
 * order: for a caller that reads them in a statement of its own (the cart's add, with its basket).
 * The ids are joined: give each once (a repeated id is a repeated row); a null matches nothing,
 * so a caller may pad them to keep one plan (paddedIntArray).
 */
export const stockRowsOf = (ids: Placeholder) => sql`select ${stockFields}
      from unnest(${ids}::int[]) as ids(id)
      join ${offers} on ${offers.id} = ids.id
      join ${products} on ${products.id} = ${offers.productId}
      join ${shops} on ${shops.id} = ${offers.shopId}
      order by ${offers.id}`;

/** Stock, price and the shop's order taking of the offers; with `lock`, rows locked in id order. */
export async function stockOf(db: Executor, ids: number[], lock = false): Promise<OfferStock[]> {
  if (ids.length === 0) return [];
  const statement = preparedStatement(
    db,
    lock ? 'catalog_stock_locked' : 'catalog_stock',
    () => sql`${stockRowsOf(sql.placeholder('ids'))}
      ${lock ? sql`for no key update of ${offers}` : sql``}`,
  );
  // NO KEY UPDATE (what an UPDATE of the quantity takes anyway) leaves the KEY SHARE locks of
  // foreign-key checks free, so a cart adding these offers never waits for, or deadlocks with, a
  // confirmation.
  return runPrepared<OfferStock>(statement, { ids: intArray(ids) });
}

const plural = (n: number, one: string, many: string) => (n === 1 ? one : many);

/**
 * Throws the first kind of problem found: unknown or withdrawn offers → 404; a shop that does not
 * take orders → 409; more than in stock → 409 listing every such line and what is left.
 */
export function assertSellable(stock: OfferStock[], wanted: Wanted) {
  const byId = new Map(stock.map((s) => [s.id, s]));
  const missing = [...wanted.keys()].filter((id) => !byId.get(id) || byId.get(id)!.withdrawn);
  if (missing.length > 0) {
    const word = plural(missing.length, 'Offer', 'Offers');
    throw problem.notFound(`${word} ${missing.join(', ')} not found or no longer sold.`);
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
    const names = [...new Set(closed.map((s) => s.shopName))].join(', ');
    throw problem.shopNotTakingOrders(`Not taking orders now: ${names}; 0 available.`, {
      extra: { items: closed.map((s) => line(s, 0)) },
    });
  }
  const short = stock.filter((s) => wanted.has(s.id) && wanted.get(s.id)! > s.quantity);
  if (short.length > 0) throw shortage(short.map((s) => line(s, s.quantity)));
}

function shortage(items: Shortfall[]) {
  const words = items.map(
    (i) => `${i.name} (offer ${i.product_info}): ${i.available} available, ${i.requested} asked`,
  );
  return problem.insufficientStock(`Not enough in stock: ${words.join('; ')}.`, {
    extra: { items },
  });
}

/**
 * Adds the wanted quantities back to the offers (already locked), in one statement for any number
 * of lines; returns each offer's quantity after, and how much moved.
 */
async function returnToStock(tx: Executor, wanted: Wanted) {
  const statement = preparedStatement(
    tx,
    'catalog_stock_return',
    () => sql`update ${offers} set quantity = ${offers.quantity} + v.n
      from unnest(${sql.placeholder('ids')}::int[], ${sql.placeholder('amounts')}::int[]) as v(id, n)
      where ${offers.id} = v.id
      returning ${offers.quantity} as "after", v.n as "moved"`,
  );
  return runPrepared<{ after: number; moved: number }>(statement, {
    ids: intArray(wanted.keys()),
    amounts: intArray(wanted.values()),
  });
}

/** A row of `stockToTakeRows`: the offer's stock, and its answer as the order will leave it. */
export type StockToTakeRow = OfferStock & { json: string };

/**
 * The offers an order takes, locked in id order (a withdrawn offer is simply not available any
 * more): the statement reads `wanted`, a relation named w with the columns id (offer) and n
 * (amount), and `more` columns the caller adds (the order's lines, to save a round trip). Each
 * row carries the offer as the order will leave it (its quantity less n), for the order's answer.
 * Check the rows with `stockToTake`; the caller then takes the stock with `stockTaking` in its own
 * next statement, in the same transaction. The CHECK (quantity >= 0) would refuse an oversell
 * even without the check.
 *
 * The lock and the taking are two statements, not one: an UPDATE in the locking statement reads
 * with that statement's snapshot, so it meets the old version of a row another order changed
 * meanwhile and queues for that version's tuple lock behind a waiter that waits for us — a
 * deadlock PostgreSQL breaks after a second (seen in the orders benchmark). The UPDATE after the
 * lock sees the new version.
 */
export const stockToTakeRows = (wanted: SQL, more: SQL) => sql`select ${stockFields},
        ${offerJsonWith(sql`${offers.quantity} - w.n`)}::text as "json"${more}
      from ${wanted} join ${offers} on ${offers.id} = w.id ${offerJsonJoins}
      order by ${offers.id}
      for no key update of ${offers}`;

/**
 * Checks the locked rows against `wanted` (see `assertSellable`) and returns each offer's price,
 * which the lock keeps as it was checked, and its answer.
 */
export function stockToTake(stock: StockToTakeRow[], wanted: Wanted): StockToTake {
  assertSellable(
    stock.map((s) => (s.withdrawn ? { ...s, withdrawn: false, quantity: 0 } : s)),
    wanted,
  );
  return {
    prices: new Map(stock.map((s) => [s.id, s.price])),
    offers: new Map(stock.map((s) => [s.id, JSON.parse(s.json) as OfferDto])),
  };
}

/**
 * The catalog's part of a statement that takes stock of offers `stockToTakeRows` has locked: CTEs
 * that subtract `amounts` from the offers `ids` (int array placeholders; null pairs match nothing)
 * and bump the catalog epoch's stock counter when one sells out, since `in_stock=true` lists then
 * change their counts. Run inside the caller's statement (an order's confirmation) to save a round
 * trip: the caller writes `with ${stockTaking(…)}, its own CTEs …`, and leaves the names
 * stock_taken and sold_out to these.
 */
export const stockTaking = (ids: Placeholder, amounts: Placeholder) => sql`
  stock_taken as (
    update ${offers} set quantity = ${offers.quantity} - v.n
    from unnest(${ids}::int[], ${amounts}::int[]) as v(id, n)
    where ${offers.id} = v.id
    returning ${offers.quantity} as after),
  sold_out as (${stockEpochBumpWhere(sql`exists (select from stock_taken where after = 0)`)})`;

/** Gives an order's quantities back (a cancel), locking the offers in id order first. */
export async function returnStock(tx: Executor, wanted: Wanted): Promise<void> {
  if (wanted.size === 0) return;
  await stockOf(tx, [...wanted.keys()], true); // the lock, in id order, as orders take it
  const back = await returnToStock(tx, wanted);
  // An offer back in stock joins `in_stock=true` lists again.
  if (back.some((r) => r.after - r.moved === 0)) await bumpStockEpoch(tx);
}
