// SQL of orders after confirmation: stock moves, frozen prices, history, lists.
import { and, asc, count, desc, eq, inArray, ne, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import { users } from '../accounts/accounts.tables.js';
import { offers, shops } from '../catalog/catalog.tables.js';
import {
  orderHistory,
  orderItems,
  orders,
  type AddressCopy,
  type OrderState,
} from './orders.tables.js';

type Pair = { id: number; value: number };
/** `(values (id, n), …) as v(id, n)`: one statement for any number of lines. */
const valuesOf = (pairs: Pair[]) =>
  sql`(values ${sql.join(
    pairs.map((p) => sql`(${p.id}::int, ${p.value}::int)`),
    sql`, `,
  )}) as v(id, n)`;

/**
 * Takes the lines' stock from offers already locked FOR UPDATE and freezes each line's price, in
 * one statement. The CHECK (quantity >= 0) would refuse an oversell even if a caller forgot a lock.
 */
export async function takeStockFreezePrices(
  db: Executor,
  orderId: number,
  lines: { offerId: number; quantity: number }[],
) {
  await db.execute(sql`
    with v(id, n) as (values ${sql.join(
      lines.map((l) => sql`(${l.offerId}::int, ${l.quantity}::int)`),
      sql`, `,
    )}),
    taken as (
      update ${offers} set quantity = ${offers.quantity} - v.n from v
      where ${offers.id} = v.id returning ${offers.id} as id, ${offers.price} as price)
    update ${orderItems} set price = taken.price from taken
    where ${orderItems.orderId} = ${orderId} and ${orderItems.offerId} = taken.id`);
}

/** Returns an order's stock; the offers are locked in id order first, as confirmation does. */
export async function returnStock(db: Executor, orderId: number) {
  const lines = await db
    .select({ id: orderItems.offerId, value: orderItems.quantity })
    .from(orderItems)
    .where(eq(orderItems.orderId, orderId));
  if (lines.length === 0) return;
  const ids = lines.map((l) => l.id);
  await db
    .select({ id: offers.id })
    .from(offers)
    .where(inArray(offers.id, ids))
    .orderBy(asc(offers.id))
    .for('no key update');
  await db
    .update(offers)
    .set({ quantity: sql`${offers.quantity} + v.n` })
    .from(valuesOf(lines))
    .where(sql`${offers.id} = v.id`);
}

/** Basket → `new` with the address copy, and its first history entry, in one statement. */
export async function confirmBasket(
  db: Executor,
  orderId: number,
  contactId: number,
  address: AddressCopy,
  at: Date,
  byUserId: number,
) {
  const when = sql`${at.toISOString()}::timestamptz`;
  await db.execute(sql`
    with placed as (
      update ${orders} set state = 'new', contact_id = ${contactId},
        address = ${JSON.stringify(address)}::jsonb, confirmed_at = ${when}
      where ${orders.id} = ${orderId} returning ${orders.id} as id)
    insert into ${orderHistory} (order_id, state, at, by_user_id)
    select id, 'new', ${when}, ${byUserId} from placed`);
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
 * Moves the order to `to` only if it is still in one of `from`: of two racing changes exactly one
 * wins, so stock is returned once.
 */
export async function moveState(
  db: Executor,
  orderId: number,
  from: OrderState[],
  to: OrderState,
  userId?: number,
) {
  const where = [eq(orders.id, orderId), inArray(orders.state, from)];
  if (userId !== undefined) where.push(eq(orders.userId, userId));
  const [row] = await db
    .update(orders)
    .set({ state: to })
    .where(and(...where))
    .returning({ id: orders.id, userId: orders.userId });
  return row;
}

export type OrderRow = {
  id: number;
  userId: number;
  state: OrderState;
  address: AddressCopy | null;
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

/** Where invoices go when ADMIN_EMAIL is not set. */
export async function staffEmails(db: Executor): Promise<string[]> {
  const rows = await db
    .select({ email: users.email })
    .from(users)
    .where(and(eq(users.isStaff, true), eq(users.isActive, true)));
  return rows.map((r) => r.email);
}

export async function emailOf(db: Executor, userId: number): Promise<string | undefined> {
  const [row] = await db.select({ email: users.email }).from(users).where(eq(users.id, userId));
  return row?.email;
}

export async function shopIdOf(db: Executor, userId: number): Promise<number | undefined> {
  const [row] = await db.select({ id: shops.id }).from(shops).where(eq(shops.userId, userId));
  return row?.id;
}
