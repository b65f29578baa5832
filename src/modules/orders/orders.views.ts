// Orders as clients see them: items with frozen prices, the address as it was, totals.
import type { Executor } from '../../platform/db/client.js';
import { totals, withOffers } from '../cart/cart.service.js';
import * as repo from './orders.repo.js';
import type { OrderDto, PartnerOrderDto, PlacedState } from './orders.schemas.js';
import type { AddressCopy } from './orders.tables.js';

type Line = Awaited<ReturnType<typeof repo.linesOfOrders>>[number];

export const createdOf = (o: { createdAt: Date; confirmedAt: Date | null }) =>
  (o.confirmedAt ?? o.createdAt).toISOString();

const EMPTY_ADDRESS: AddressCopy = {
  first_name: '',
  last_name: '',
  middle_name: '',
  email: '',
  phone: '',
  city: '',
  street: '',
  house: '',
  structure: '',
  building: '',
  apartment: '',
};

export const contactOf = (o: { contactId: number | null; address: AddressCopy | null }) => ({
  ...EMPTY_ADDRESS,
  ...o.address,
  id: o.contactId,
});

/** The lines of many orders, grouped by order, with their offers (3 queries in all). */
async function itemsByOrder(db: Executor, lines: Line[]) {
  const items = await withOffers(db, lines);
  const byOrder = new Map<number, typeof items>();
  lines.forEach((line, i) => {
    const list = byOrder.get(line.orderId) ?? [];
    list.push(items[i]!);
    byOrder.set(line.orderId, list);
  });
  return byOrder;
}

export async function orderView(db: Executor, order: repo.OrderRow): Promise<OrderDto> {
  const [lines, history] = await Promise.all([
    repo.linesOfOrders(db, [order.id]),
    repo.historyOf(db, order.id),
  ]);
  const items = (await itemsByOrder(db, lines)).get(order.id) ?? [];
  return {
    id: order.id,
    created: createdOf(order),
    state: order.state as PlacedState,
    contact: contactOf(order),
    items,
    ...totals(items),
    history: history.map((e) => ({ state: e.state as PlacedState, at: e.at.toISOString() })),
  };
}

/** A page of a shop's orders: only its lines, in a fixed number of queries. */
export async function shopOrdersView(
  db: Executor,
  shopId: number,
  rows: repo.OrderRow[],
): Promise<PartnerOrderDto[]> {
  const lines = await repo.linesOfOrders(
    db,
    rows.map((r) => r.id),
    shopId,
  );
  const byOrder = await itemsByOrder(db, lines);
  return rows.map((o) => {
    const items = byOrder.get(o.id) ?? [];
    return {
      id: o.id,
      created: createdOf(o),
      state: o.state as PlacedState,
      contact: contactOf(o),
      items,
      ...totals(items),
    };
  });
}
