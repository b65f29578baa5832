// Orders and carts as clients see them: lines with their offers, the address as it was, totals.
// Every view of an order is built here, from its row and its lines.
import type { Executor } from '../../platform/db/client.js';
import { findOffersByIds, type OfferDto } from '../catalog/index.js';
import { addressOf } from '../contacts/index.js';
import * as repo from './orders.repo.js';
import type { OrderDto, PartnerOrderDto, PlacedState } from './orders.schemas.js';

interface Line {
  id: number;
  offerId: number;
  quantity: number;
  /** Frozen at confirmation; null in the cart, where the offer's current price applies. */
  price: number | null;
}

/** Lines with their offers (`offers` by id, one for every line). */
export function itemsWith(lines: Line[], offers: Map<number, OfferDto>) {
  return lines.map((l) => {
    const offer = offers.get(l.offerId)!;
    const price = l.price ?? offer.price;
    return { id: l.id, product_info: offer, quantity: l.quantity, price, sum: price * l.quantity };
  });
}

/** Lines with their offers, in one query whatever the number of lines. */
export async function itemsOf(db: Executor, lines: Line[]) {
  const offers = await findOffersByIds(
    db,
    lines.map((l) => l.offerId),
  );
  return itemsWith(lines, new Map(offers.map((o) => [o.id, o])));
}

type Item = ReturnType<typeof itemsWith>[number];

export const totals = (items: { quantity: number; sum: number }[]) => ({
  total_quantity: items.reduce((n, i) => n + i.quantity, 0),
  total_sum: items.reduce((n, i) => n + i.sum, 0),
});

/** When the order was placed (its cart was made earlier). */
export const createdOf = (o: { createdAt: Date; confirmedAt: Date | null }) =>
  (o.confirmedAt ?? o.createdAt).toISOString();

/** What every view of a placed order shows: its head, the address copy, its items and totals. */
function summaryOf(order: repo.OrderRow, items: Item[]) {
  return {
    id: order.id,
    created: createdOf(order),
    state: order.state as PlacedState,
    contact: { ...addressOf(order.address ?? {}), id: order.contactId },
    items,
    ...totals(items),
  };
}

/** The buyer's and staff's view: the whole order with its history. */
export function orderDto(
  order: repo.OrderRow,
  items: Item[],
  history: { state: string; at: Date }[],
): OrderDto {
  return {
    ...summaryOf(order, items),
    history: history.map((e) => ({ state: e.state as PlacedState, at: e.at.toISOString() })),
  };
}

/** The lines of many orders, grouped by order, with their offers (2 queries in all). */
async function itemsByOrder(db: Executor, orderIds: number[], shopId?: number) {
  const lines = await repo.linesOfOrders(db, orderIds, shopId);
  const items = await itemsOf(db, lines);
  const byOrder = new Map<number, Item[]>();
  lines.forEach((line, i) => {
    const list = byOrder.get(line.orderId) ?? [];
    list.push(items[i]!);
    byOrder.set(line.orderId, list);
  });
  return byOrder;
}

export async function orderView(db: Executor, order: repo.OrderRow): Promise<OrderDto> {
  const [byOrder, history] = await Promise.all([
    itemsByOrder(db, [order.id]),
    repo.historyOf(db, order.id),
  ]);
  return orderDto(order, byOrder.get(order.id) ?? [], history);
}

/** A page of a shop's orders: only its lines, in a fixed number of queries. */
export async function shopOrdersView(
  db: Executor,
  shopId: number,
  rows: repo.OrderRow[],
): Promise<PartnerOrderDto[]> {
  const byOrder = await itemsByOrder(
    db,
    rows.map((r) => r.id),
    shopId,
  );
  return rows.map((o) => summaryOf(o, byOrder.get(o.id) ?? []));
}
