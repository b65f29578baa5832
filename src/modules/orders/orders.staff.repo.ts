// SQL of the staff's view of orders: the list of every placed order (indexed, a page costs the
// same at a million orders), the per-state counters and the daily totals of the dashboard.
import { and, count, desc, eq, gte, lt, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import {
  COUNT_SLOTS,
  ORDER_STATES,
  orderItems,
  orders,
  orderStateCounts,
  type OrderState,
} from './orders.tables.js';

export interface StaffOrderFilters {
  state?: OrderState;
  shopId?: number;
  orderId?: number;
  userId?: number;
  /** Placed at or after. */
  from?: Date;
  /** Placed before. */
  before?: Date;
}

// Written as a literal (not a bound parameter) so the planner matches orders_placed_confirmed_idx.
const placed = sql`${orders.state} <> 'basket'`;

/** Only the conditions of the filters given: `($1 IS NULL OR ...)` would defeat the indexes. */
function conditions(f: StaffOrderFilters): SQL | undefined {
  const c: SQL[] = [placed];
  if (f.state) c.push(eq(orders.state, f.state));
  if (f.orderId !== undefined) c.push(eq(orders.id, f.orderId));
  if (f.userId !== undefined) c.push(eq(orders.userId, f.userId));
  if (f.from) c.push(gte(orders.confirmedAt, f.from));
  if (f.before) c.push(lt(orders.confirmedAt, f.before));
  if (f.shopId !== undefined)
    c.push(sql`exists (select 1 from ${orderItems}
      where ${orderItems.orderId} = ${orders.id} and ${orderItems.shopId} = ${f.shopId})`);
  return and(...c);
}

/** True when the per-state counters answer the count (no filter but the state). */
export const countedByState = (f: StaffOrderFilters) =>
  f.shopId === undefined &&
  f.orderId === undefined &&
  f.userId === undefined &&
  !f.from &&
  !f.before;

/**
 * One page, newest first: the page's ids come from an index walk that stops after `limit`, and
 * only those orders are joined to their lines for the totals and shops.
 */
export async function listPlaced(
  db: Executor,
  f: StaffOrderFilters,
  limit: number,
  offset: number,
) {
  const page = db
    .$with('page')
    .as(
      db
        .select({ pageId: orders.id })
        .from(orders)
        .where(conditions(f))
        .orderBy(desc(orders.confirmedAt), desc(orders.id))
        .limit(limit)
        .offset(offset),
    );
  return db
    .with(page)
    .select({
      id: orders.id,
      userId: orders.userId,
      state: orders.state,
      address: orders.address,
      contactId: orders.contactId,
      createdAt: orders.createdAt,
      confirmedAt: orders.confirmedAt,
      totalSum: sql<string>`coalesce(sum(${orderItems.price}::bigint * ${orderItems.quantity}), 0)`,
      totalQuantity: sql<string>`coalesce(sum(${orderItems.quantity}), 0)`,
      shopIds: sql<number[]>`coalesce(array_agg(distinct ${orderItems.shopId})
        filter (where ${orderItems.shopId} is not null), '{}')`,
    })
    .from(page)
    .innerJoin(orders, eq(orders.id, page.pageId))
    .leftJoin(orderItems, eq(orderItems.orderId, orders.id))
    .groupBy(orders.id)
    .orderBy(desc(orders.confirmedAt), desc(orders.id));
}

/**
 * Matching orders, counting at most `cap` + 1 of them, so the cost is bounded by the cap. With a
 * shop, the walk starts from the shop's lines (order_items_shop_order_idx) and checks each order by
 * its key (LATERAL … LIMIT 1 keeps it a nested loop): a hash join would read every order.
 */
export async function countPlacedUpTo(db: Executor, f: StaffOrderFilters, cap: number) {
  if (f.shopId === undefined) {
    const matching = db
      .select({ one: sql`1` })
      .from(orders)
      .where(conditions(f))
      .limit(cap + 1)
      .as('matching');
    const [row] = await db.select({ n: count() }).from(matching);
    return row!.n;
  }
  const rows = await db.execute<{ n: number }>(sql`
    select count(*)::int as n from (
      select 1 from (select distinct ${orderItems.orderId} as order_id from ${orderItems}
                     where ${orderItems.shopId} = ${f.shopId}) lines
      cross join lateral (select 1 from ${orders}
        where ${orders.id} = lines.order_id and ${conditions({ ...f, shopId: undefined })} limit 1) o
      limit ${cap + 1}) matching`);
  return (((rows as { rows?: unknown }).rows ?? rows) as { n: number }[])[0]!.n;
}

/** Placed orders per state, from the counters (a few dozen rows, whatever the number of orders). */
export async function stateCounts(db: Executor): Promise<Map<OrderState, number>> {
  const rows = await db
    .select({ state: orderStateCounts.state, n: sql<string>`sum(${orderStateCounts.n})` })
    .from(orderStateCounts)
    .groupBy(orderStateCounts.state);
  return new Map(rows.map((r) => [r.state, Number(r.n)]));
}

/**
 * Moves one order between states in the counters (`from` undefined: newly placed). Rows are
 * written in the enum's order, so two transactions never wait for each other's counters in turn.
 */
export async function countMove(
  db: Executor,
  orderId: number,
  from: OrderState | undefined,
  to: OrderState,
) {
  const slot = orderId % COUNT_SLOTS;
  const moves: [OrderState, number][] = [[to, 1]];
  if (from) moves.push([from, -1]);
  moves.sort((a, b) => ORDER_STATES.indexOf(a[0]) - ORDER_STATES.indexOf(b[0]));
  await db
    .insert(orderStateCounts)
    .values(moves.map(([state, n]) => ({ state, slot, n })))
    .onConflictDoUpdate({
      target: [orderStateCounts.state, orderStateCounts.slot],
      set: { n: sql`${orderStateCounts.n} + excluded.n` },
    });
}

/**
 * Orders placed (canceled ones left out) and their revenue per UTC day since `from`: the period's
 * orders through orders_placed_confirmed_idx, each order's lines summed by its key.
 */
export async function dailyTotals(db: Executor, from: Date) {
  const day = sql<string>`to_char(${orders.confirmedAt} at time zone 'UTC', 'YYYY-MM-DD')`;
  const sums = db
    .select({
      total: sql<string>`sum(${orderItems.price}::bigint * ${orderItems.quantity})`.as('total'),
    })
    .from(orderItems)
    .where(eq(orderItems.orderId, orders.id))
    .as('sums');
  const rows = await db
    .select({
      day,
      orders: sql<number>`count(*)::int`,
      revenue: sql<string>`coalesce(sum(${sums.total}), 0)`,
    })
    .from(orders)
    .leftJoinLateral(sums, sql`true`)
    .where(and(placed, sql`${orders.state} <> 'canceled'`, gte(orders.confirmedAt, from)))
    .groupBy(day);
  return rows.map((r) => ({ day: r.day, orders: r.orders, revenue: Number(r.revenue) }));
}
