// SQL of the cart: the user's order in state `basket` and its lines.
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
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
  const q = db
    .select({ id: orders.id })
    .from(orders)
    .where(and(eq(orders.userId, userId), eq(orders.state, 'basket')));
  const [row] = await (lock ? q.for('update') : q);
  return row?.id;
}

/** The basket, made on first use; two first uses at once meet at the partial unique index. */
export async function basketOf(db: Executor, userId: number, lock = false): Promise<number> {
  const found = await findBasket(db, userId, lock);
  if (found !== undefined) return found;
  const [created] = await db
    .insert(orders)
    .values({ userId })
    .onConflictDoNothing({ target: orders.userId, where: sql`state = 'basket'` })
    .returning({ id: orders.id });
  if (created) return created.id;
  // Another request made it between our look and our insert: a new statement sees it.
  return (await findBasket(db, userId, lock))!;
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

/** The basket locked FOR UPDATE with its lines, in one statement (confirmation). */
export async function basketWithLines(db: Executor, userId: number) {
  const rows = await db
    .select({ orderId: orders.id, line: lineColumns })
    .from(orders)
    .leftJoin(orderItems, eq(orderItems.orderId, orders.id))
    .where(and(eq(orders.userId, userId), eq(orders.state, 'basket')))
    .orderBy(asc(orderItems.id))
    .for('update', { of: orders });
  return {
    basketId: rows[0]?.orderId,
    lines: rows.flatMap((r) => (r.line ? [r.line] : [])),
  };
}

export function linesOf(db: Executor, orderId: number): Promise<LineRow[]> {
  return db
    .select(lineColumns)
    .from(orderItems)
    .where(eq(orderItems.orderId, orderId))
    .orderBy(asc(orderItems.id));
}

/**
 * Adds to existing lines (merge) or makes new ones; returns each line's resulting quantity. A sum
 * past `cap` comes back as `cap` + 1 (never an integer overflow), for the caller to refuse.
 */
export function addLines(
  db: Executor,
  orderId: number,
  lines: { offerId: number; shopId: number; quantity: number }[],
  cap: number,
): Promise<LineRow[]> {
  return db
    .insert(orderItems)
    .values(lines.map((l) => ({ ...l, orderId })))
    .onConflictDoUpdate({
      target: [orderItems.orderId, orderItems.offerId],
      set: { quantity: sql`least(${orderItems.quantity}::bigint + excluded.quantity, ${cap + 1})` },
    })
    .returning(lineColumns);
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
