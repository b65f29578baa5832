// SQL of placed orders: confirmation, state changes, history, lists. Stock is the catalog's.
import { and, asc, count, desc, eq, inArray, ne, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import { mailedCte, mailValues, type MailMessage } from '../../platform/mailer.js';
import { paddedIntArray, preparedStatement, runPrepared } from '../../platform/db/statements.js';
import { stockTaking } from '../catalog/index.js';
import type { Address } from '../contacts/index.js';
import { countMove } from './orders.staff.repo.js';
import {
  COUNT_SLOTS,
  orderHistory,
  orderItems,
  orders,
  orderStateCounts,
  type OrderState,
} from './orders.tables.js';

/** An order's quantities by offer, to give back to stock when it is canceled. */
export async function quantitiesOf(db: Executor, orderId: number): Promise<Map<number, number>> {
  const lines = await db
    .select({ offerId: orderItems.offerId, quantity: orderItems.quantity })
    .from(orderItems)
    .where(eq(orderItems.orderId, orderId));
  return new Map(lines.map((l) => [l.offerId, l.quantity]));
}

/**
 * Basket → `new` in one statement: the stock taken (the catalog's `stockTaking`; the caller has
 * locked the offers with the catalog's `stockToTakeRows`), the address copy, each line's price
 * frozen (`prices` by offer id, as the stock was locked), the first history entry, the per-state
 * counter and the order's mails in the outbox (`mailedCte`). Returns the mails' ids, for
 * `Mailer.dispatch`.
 */
export async function confirmBasket(
  db: Executor,
  orderId: number,
  placed: { contactId: number; address: Address; at: Date; byUserId: number },
  taken: { quantities: Map<number, number>; prices: Map<number, number> },
  mails: MailMessage[],
): Promise<number[]> {
  const ph = sql.placeholder;
  const statement = preparedStatement(
    db,
    'order_confirm',
    () => sql`
    with ${stockTaking(ph('offers'), ph('quantities'))},
    placed as (
      update ${orders} set state = 'new', contact_id = ${ph('contact')},
        address = ${ph('address')}::jsonb, confirmed_at = ${ph('at')}::timestamptz
      where ${orders.id} = ${ph('order')} returning ${orders.id} as id),
    priced as (
      update ${orderItems} set price = v.price
      from unnest(${ph('offers')}::int[], ${ph('prices')}::int[]) as v(offer_id, price)
      where ${orderItems.orderId} = ${ph('order')} and ${orderItems.offerId} = v.offer_id),
    counted as (
      insert into ${orderStateCounts} (state, slot, n)
      select 'new', id % ${sql.raw(String(COUNT_SLOTS))}, 1 from placed
      on conflict (state, slot) do update set n = ${orderStateCounts.n} + excluded.n),
    history as (
      insert into ${orderHistory} (order_id, state, at, by_user_id)
      select id, 'new', ${ph('at')}::timestamptz, ${ph('by')} from placed),
    ${mailedCte}
    select id from mailed`,
  );
  const offerIds = [...taken.quantities.keys()];
  const rows = await runPrepared<{ id: number }>(statement, {
    order: orderId,
    contact: placed.contactId,
    address: JSON.stringify(placed.address),
    at: placed.at.toISOString(),
    // Padded (null pairs match no line) so that PostgreSQL keeps one plan: statements.ts.
    offers: paddedIntArray(offerIds),
    quantities: paddedIntArray(offerIds.map((id) => taken.quantities.get(id)!)),
    prices: paddedIntArray(offerIds.map((id) => taken.prices.get(id)!)),
    by: placed.byUserId,
    ...mailValues(mails, placed.at),
  });
  return rows.map((r) => Number(r.id));
}

export async function addHistory(
  db: Executor,
  orderId: number,
  state: OrderState,
  at: Date,
  byUserId: number,
) {
  await db.insert(orderHistory).values({ orderId, state, at, byUserId });
}

/**
 * Moves the order to `to` only if it is still in one of `from`: the row is locked first, so of two
 * racing changes exactly one wins (stock is returned once) and the counters move with it.
 */
export async function moveState(
  db: Executor,
  orderId: number,
  from: OrderState[],
  to: OrderState,
  userId?: number,
) {
  const where = [eq(orders.id, orderId), ne(orders.state, 'basket')];
  if (userId !== undefined) where.push(eq(orders.userId, userId));
  const [row] = await db
    .select({ id: orders.id, userId: orders.userId, state: orders.state })
    .from(orders)
    .where(and(...where))
    .for('no key update');
  if (!row || !from.includes(row.state)) return undefined;
  await db.update(orders).set({ state: to }).where(eq(orders.id, orderId));
  await countMove(db, orderId, row.state, to);
  return { id: row.id, userId: row.userId };
}

export type OrderRow = {
  id: number;
  userId: number;
  state: OrderState;
  address: Address | null;
  contactId: number | null;
  createdAt: Date;
  confirmedAt: Date | null;
};

const orderColumns = {
  id: orders.id,
  userId: orders.userId,
  state: orders.state,
  address: orders.address,
  contactId: orders.contactId,
  createdAt: orders.createdAt,
  confirmedAt: orders.confirmedAt,
};

/** A placed order (never a basket), the user's own when `userId` is given. */
export async function findOrder(
  db: Executor,
  orderId: number,
  userId?: number,
): Promise<OrderRow | undefined> {
  const where = [eq(orders.id, orderId), ne(orders.state, 'basket')];
  if (userId !== undefined) where.push(eq(orders.userId, userId));
  const [row] = await db
    .select(orderColumns)
    .from(orders)
    .where(and(...where));
  return row;
}

export function historyOf(db: Executor, orderId: number) {
  return db
    .select({ state: orderHistory.state, at: orderHistory.at })
    .from(orderHistory)
    .where(eq(orderHistory.orderId, orderId))
    .orderBy(asc(orderHistory.at), asc(orderHistory.id));
}

const totalSum = sql<string>`coalesce(sum(${orderItems.price}::bigint * ${orderItems.quantity}), 0)`;
const totalQuantity = sql<string>`coalesce(sum(${orderItems.quantity}), 0)`;

/** Placed orders of the user, newest first, with totals, in one query. */
export async function listOrders(db: Executor, userId: number, limit: number, offset: number) {
  const placed = and(eq(orders.userId, userId), ne(orders.state, 'basket'));
  const [rows, [total]] = await Promise.all([
    db
      .select({ ...orderColumns, totalSum, totalQuantity })
      .from(orders)
      .leftJoin(orderItems, eq(orderItems.orderId, orders.id))
      .where(placed)
      .groupBy(orders.id)
      .orderBy(desc(orders.confirmedAt), desc(orders.id))
      .limit(limit)
      .offset(offset),
    db.select({ n: count() }).from(orders).where(placed),
  ]);
  return { count: total!.n, rows };
}

/** One page of placed orders holding a shop's goods, with the sums of that shop's lines only. */
export async function listShopOrders(
  db: Executor,
  shopId: number,
  state: OrderState | undefined,
  limit: number,
  offset: number,
) {
  const conditions: SQL[] = [ne(orders.state, 'basket')];
  if (state) conditions.push(eq(orders.state, state));
  const shopLines = and(eq(orderItems.orderId, orders.id), eq(orderItems.shopId, shopId));
  const [rows, [total]] = await Promise.all([
    db
      .select({ ...orderColumns, totalSum, totalQuantity })
      .from(orders)
      .innerJoin(orderItems, shopLines)
      .where(and(...conditions))
      .groupBy(orders.id)
      .orderBy(desc(orders.confirmedAt), desc(orders.id))
      .limit(limit)
      .offset(offset),
    db
      .select({ n: sql<number>`count(distinct ${orders.id})::int` })
      .from(orders)
      .innerJoin(orderItems, shopLines)
      .where(and(...conditions)),
  ]);
  return { count: total!.n, rows };
}

/** The lines of many orders in one query, optionally only one shop's. */
export function linesOfOrders(db: Executor, orderIds: number[], shopId?: number) {
  if (orderIds.length === 0) return Promise.resolve([]);
  const where = [inArray(orderItems.orderId, orderIds)];
  if (shopId !== undefined) where.push(eq(orderItems.shopId, shopId));
  return db
    .select({
      id: orderItems.id,
      orderId: orderItems.orderId,
      offerId: orderItems.offerId,
      shopId: orderItems.shopId,
      quantity: orderItems.quantity,
      price: orderItems.price,
    })
    .from(orderItems)
    .where(and(...where))
    .orderBy(asc(orderItems.id));
}
