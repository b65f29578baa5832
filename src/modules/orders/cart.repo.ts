// SQL of the cart: the user's order in state `basket` and its lines.
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import { paddedIntArray, preparedStatement, runPrepared } from '../../platform/db/statements.js';
import {
  offerJsonOf,
  stockOf,
  stockRowsOf,
  stockToTakeRows,
  type OfferDto,
  type OfferStock,
  type StockToTakeRow,
} from '../catalog/index.js';
import { addressJsonOf, type Address } from '../contacts/index.js';
import { orderItems, orders } from './orders.tables.js';

/**
 * The user's basket id, locked FOR UPDATE when `lock`: a confirmation locks it too, so a line can
 * never be added to a cart that has just become an order.
 */
export async function findBasket(
  db: Executor,
  userId: number,
  lock = false,
): Promise<number | undefined> {
  const statement = preparedStatement(
    db,
    lock ? 'cart_basket_locked' : 'cart_basket',
    () => sql`select ${orders.id} as "id" from ${orders}
      where ${orders.userId} = ${sql.placeholder('user')} and ${orders.state} = 'basket'
      ${lock ? sql`for update` : sql``}`,
  );
  const [row] = await runPrepared<{ id: number }>(statement, { user: userId });
  return row?.id;
}

/**
 * CTEs `found` and `made`: the user's basket (locked FOR UPDATE when `lock`) and, when there is
 * none, the insert that makes it. Two first uses at once meet at the partial unique index: the
 * loser's insert does nothing and finds no basket, and a new statement sees the winner's.
 */
const basketFoundOrMade = (lock: boolean) => {
  const user = sql.placeholder('user');
  return sql`found as (
        select ${orders.id} as id from ${orders}
        where ${orders.userId} = ${user} and ${orders.state} = 'basket'
        ${lock ? sql`for update` : sql``}),
      made as (
        insert into ${orders} (user_id) select ${user} where not exists (select from found)
        on conflict (user_id) where state = 'basket' do nothing
        returning ${orders.id} as id)`;
};

/** The basket, made on first use, in one statement (see basketFoundOrMade). */
export async function basketOf(db: Executor, userId: number, lock = false): Promise<number> {
  const statement = preparedStatement(
    db,
    lock ? 'cart_basket_made_locked' : 'cart_basket_made',
    () => sql`with ${basketFoundOrMade(lock)}
      select id from found union all select id from made`,
  );
  const [row] = await runPrepared<{ id: number }>(statement, { user: userId });
  return row?.id ?? (await findBasket(db, userId, lock))!;
}

/**
 * The basket, locked and made on first use, and the stock of the offers `offerIds` (the catalog's
 * `stockOf`), in one statement. The stock is read as the statement starts, before any wait for the
 * basket's lock, and a wait lasts as long as the holder's transaction (the same user's confirmation
 * queued behind other orders' offer locks). It only decides what the cart may hold: an offer
 * restocked meanwhile may be refused (asked again, it is added), one withdrawn meanwhile may enter
 * the cart. A confirmation checks every line again under the offers' locks, so nothing is sold
 * that is not there.
 */
export async function lockedBasketWithStock(
  db: Executor,
  userId: number,
  offerIds: number[],
): Promise<{ orderId: number; stock: OfferStock[] }> {
  const statement = preparedStatement(
    db,
    'cart_basket_with_stock',
    () => sql`with ${basketFoundOrMade(true)},
      basket as (select id from found union all select id from made)
      select basket.id as "orderId", s.*
      from basket left join (${stockRowsOf(sql.placeholder('ids'))}) s on true
      order by s.id`,
  );
  const rows = await runPrepared<{ orderId: number } & Partial<OfferStock>>(statement, {
    user: userId,
    // Padded (null ids match no offer) so that PostgreSQL keeps one plan (paddedIntArray).
    ids: paddedIntArray(offerIds),
  });
  if (rows.length === 0) {
    // The first use lost a race to make the basket: the winner's is there for a new statement.
    return { orderId: (await findBasket(db, userId, true))!, stock: await stockOf(db, offerIds) };
  }
  const stock = rows.flatMap(({ orderId: _, ...s }) => (s.id == null ? [] : [s as OfferStock]));
  return { orderId: rows[0]!.orderId, stock };
}

export interface LineRow {
  id: number;
  offerId: number;
  shopId: number;
  quantity: number;
  price: number | null;
}

const lineColumns = {
  id: orderItems.id,
  offerId: orderItems.offerId,
  shopId: orderItems.shopId,
  quantity: orderItems.quantity,
  price: orderItems.price,
};

/** A line's columns named as `LineRow`'s fields, for statements written in SQL. */
const lineFields = sql`${orderItems.id} as "id", ${orderItems.offerId} as "offerId",
  ${orderItems.shopId} as "shopId", ${orderItems.quantity} as "quantity",
  ${orderItems.price} as "price"`;

/**
 * What a confirmation reads, in one statement: the basket's lines, with their offers locked as
 * the catalog's `stockToTakeRows` locks them (check them with `stockToTake`), and the address of
 * the contact it names (the contacts module's subquery; null if not the user's). Run after
 * `findBasket(…, true)` has locked the basket: see the confirmation (orders.service.ts). An empty
 * basket has no rows, so no address either.
 */
export async function linesWithStockToTake(
  db: Executor,
  orderId: number,
  userId: number,
  contactId: number,
) {
  const ph = sql.placeholder;
  const statement = preparedStatement(db, 'cart_lines_stock_to_take', () =>
    stockToTakeRows(
      sql`(select ${orderItems.id} as line_id, ${orderItems.offerId} as id,
             ${orderItems.quantity} as n
           from ${orderItems} where ${orderItems.orderId} = ${ph('order')}) as w`,
      sql`, w.line_id as "lineId", w.n as "lineQuantity",
        ${addressJsonOf(ph('user'), ph('contact'))} as "address"`,
    ),
  );
  const rows = await runPrepared<
    StockToTakeRow & { lineId: number; lineQuantity: number; address: Partial<Address> | null }
  >(statement, { order: orderId, user: userId, contact: contactId });
  const lines: LineRow[] = rows
    .map((r) => ({
      id: r.lineId,
      offerId: r.id,
      shopId: r.shopId,
      quantity: r.lineQuantity,
      price: null,
    }))
    .sort((a, b) => a.id - b.id);
  return { address: rows[0]?.address ?? undefined, lines, stock: rows };
}

export async function linesOf(db: Executor, orderId: number): Promise<LineRow[]> {
  const statement = preparedStatement(
    db,
    'cart_lines',
    () => sql`select ${lineFields} from ${orderItems}
      where ${orderItems.orderId} = ${sql.placeholder('order')} order by ${orderItems.id}`,
  );
  return runPrepared<LineRow>(statement, { order: orderId });
}

/**
 * Adds to existing lines (merge) or makes new ones, and returns every line of the basket in line
 * order, those this call touched marked `added` with their resulting quantity. A sum past `cap`
 * comes back as `cap` + 1 (never an integer overflow), for the caller to refuse. The other lines
 * are as the statement found them: callers hold the basket's lock, so nothing else changes them.
 */
export async function addLines(
  db: Executor,
  orderId: number,
  lines: { offerId: number; shopId: number; quantity: number }[],
  cap: number,
): Promise<(LineRow & { added: boolean; offer: OfferDto })[]> {
  const ph = sql.placeholder;
  const statement = preparedStatement(
    db,
    'cart_add_lines',
    () => sql`with added as (
        insert into ${orderItems} (order_id, offer_id, shop_id, quantity)
        select ${ph('order')}, l.offer_id, l.shop_id, l.quantity
        from unnest(${ph('offers')}::int[], ${ph('shops')}::int[], ${ph('quantities')}::int[])
          as l(offer_id, shop_id, quantity)
        where l.offer_id is not null
        on conflict (order_id, offer_id) do update
          set quantity = least(${orderItems.quantity}::bigint + excluded.quantity, ${ph('over')})
        returning ${lineFields}),
      cart as (
        select *, true as added from added
        union all
        select ${lineFields}, false from ${orderItems}
        where ${orderItems.orderId} = ${ph('order')}
          and not exists (select from added where added."offerId" = ${orderItems.offerId}))
      select *, ${offerJsonOf(sql`cart."offerId"`)} as "offer" from cart order by "id"`,
  );
  const rows = await runPrepared<LineRow & { added: boolean; offer: string }>(statement, {
    order: orderId,
    // Padded with nulls, which add nothing, so that PostgreSQL keeps one plan (paddedIntArray).
    offers: paddedIntArray(lines.map((l) => l.offerId)),
    shops: paddedIntArray(lines.map((l) => l.shopId)),
    quantities: paddedIntArray(lines.map((l) => l.quantity)),
    over: cap + 1,
  });
  return rows.map((r) => ({ ...r, offer: JSON.parse(r.offer) as OfferDto }));
}

/** Sets quantities of the basket's lines; lines of other orders are never touched. */
export async function setQuantities(
  db: Executor,
  orderId: number,
  lines: { id: number; quantity: number }[],
): Promise<LineRow[]> {
  const ids = sql.join(
    lines.map((l) => sql`(${l.id}::int, ${l.quantity}::int)`),
    sql`, `,
  );
  return db
    .update(orderItems)
    .set({ quantity: sql`v.quantity` })
    .from(sql`(values ${ids}) as v(id, quantity)`)
    .where(and(eq(orderItems.orderId, orderId), sql`${orderItems.id} = v.id`))
    .returning(lineColumns);
}

export async function deleteLines(
  db: Executor,
  orderId: number,
  ids?: number[],
): Promise<number[]> {
  const where = ids
    ? and(eq(orderItems.orderId, orderId), inArray(orderItems.id, ids))
    : eq(orderItems.orderId, orderId);
  const rows = await db.delete(orderItems).where(where).returning({ id: orderItems.id });
  return rows.map((r) => r.id);
}
