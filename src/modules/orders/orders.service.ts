import type { FastifyBaseLogger } from 'fastify';
import type { AuthUser } from '../../platform/auth.js';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/client.js';
import { AppError, badRequest, conflict, notFound } from '../../platform/errors.js';
import type { Mail, MailMessage } from '../../platform/mailer.js';
import * as cartRepo from '../cart/cart.repo.js';
import { totals, withOffers } from '../cart/cart.service.js';
import { assertSellable } from '../cart/cart.stock.js';
import { findContact, type ContactRow } from '../contacts/contacts.repo.js';
import { toContactDto } from '../contacts/contacts.service.js';
import { createIdempotency, requestHash } from './idempotency.js';
import * as repo from './orders.repo.js';
import type { ConfirmInput, OrderDto, PlacedState } from './orders.schemas.js';
import type { AddressCopy, OrderState } from './orders.tables.js';
import { confirmationMail, invoiceMail, STATE_WORDS, statusMail } from './orders.templates.js';
import { orderView, shopOrdersView } from './orders.views.js';

export interface OrdersDeps {
  db: Db;
  mail: Mail;
  clock: Clock;
  /** Invoices go here; unset → to every active staff user. */
  adminEmail: string | undefined;
  log: FastifyBaseLogger;
  /** Called after a commit that changed stock, so no cached catalog read shows the old stock. */
  catalogChanged?: () => Promise<void>;
}

/** Points where tests can hold a request to observe it in flight; nothing is set in production. */
export interface OrderHooks {
  /** Runs after the Idempotency-Key is claimed, before the order's transaction. */
  afterKeyClaimed?: () => Promise<void>;
}

export type OrdersService = ReturnType<typeof createOrdersService>;

/** Staff moves along the life of an order; `canceled` returns the stock. */
export const TRANSITIONS: Record<PlacedState, PlacedState[]> = {
  new: ['confirmed', 'canceled'],
  confirmed: ['assembled', 'canceled'],
  assembled: ['sent', 'canceled'],
  sent: ['delivered'],
  delivered: [],
  canceled: [],
};
const BUYER_CANCELABLE: OrderState[] = ['new', 'confirmed'];

const orderNotFound = (id: number) => notFound(`Order ${id}`);

/** PostgreSQL's deadlock and serialization failures: the transaction did nothing and may run again. */
const RETRYABLE = new Set(['40P01', '40001']);
const pgCode = (err: unknown): unknown =>
  (err as { code?: unknown })?.code ?? (err as { cause?: { code?: unknown } })?.cause?.code;

/**
 * Confirmations lock offers in id order and cannot deadlock each other, but a writer elsewhere
 * (a price-list import updating many offers in its own order) can; PostgreSQL then aborts one side.
 */
export async function retryOnDeadlock<T>(work: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (attempt >= attempts || !RETRYABLE.has(pgCode(err) as string)) throw err;
    }
  }
}

/** The contact without its id: what the order keeps as its delivery address. */
function addressOf(contact: ContactRow): AddressCopy {
  const { id: _id, ...address } = toContactDto(contact);
  return address;
}

export function createOrdersService({
  db,
  mail,
  clock,
  adminEmail,
  log,
  catalogChanged,
}: OrdersDeps) {
  const idempotency = createIdempotency(db);
  const hooks: OrderHooks = {};

  /** After commit: a cache that cannot be reached must not turn a placed order into an error. */
  async function stockChanged() {
    try {
      await catalogChanged?.();
    } catch (err) {
      log.error({ err }, 'catalog cache not invalidated after a stock change');
    }
  }

  /** Mail after commit: a failure to queue must not turn a placed order into an error. */
  async function sendAll(messages: MailMessage[]) {
    const results = await Promise.allSettled(messages.map((m) => mail.send(m)));
    for (const r of results)
      if (r.status === 'rejected') log.error({ err: r.reason }, 'order mail not queued');
  }

  /**
   * The cart becomes an order in one transaction; stock is taken under row locks in offer-id
   * order. The locks are held for two statements and the commit only: the answer is built after.
   */
  async function placeOrder(user: AuthUser, body: ConfirmInput): Promise<OrderDto> {
    const now = clock.now();
    const placed = await retryOnDeadlock(() =>
      db.transaction(async (tx) => {
        const { basketId, lines } = await cartRepo.basketWithLines(tx, user.id);
        if (body.id !== undefined && body.id !== basketId) throw notFound(`Cart ${body.id}`);
        if (basketId === undefined || lines.length === 0) {
          throw badRequest('The cart is empty: add goods with /cart/add/ first.');
        }
        const contact = await findContact(tx, user.id, body.contact);
        if (!contact) throw notFound(`Contact ${body.contact}`);

        const wanted = new Map(lines.map((l) => [l.offerId, l.quantity]));
        const stock = await cartRepo.offerStock(tx, [...wanted.keys()], true);
        // A withdrawn offer in the cart is simply not available any more.
        assertSellable(
          stock.map((s) => (s.withdrawn ? { ...s, withdrawn: false, quantity: 0 } : s)),
          wanted,
        );
        await repo.takeStockFreezePrices(tx, basketId, lines);
        const address = addressOf(contact);
        await repo.confirmBasket(tx, basketId, contact.id, address, now, user.id);
        const prices = new Map(stock.map((s) => [s.id, s.price]));
        return {
          basketId,
          contact: { ...address, id: contact.id },
          lines: lines.map((l) => ({ ...l, price: prices.get(l.offerId)! })),
        };
      }),
    );
    await stockChanged();
    const items = await withOffers(db, placed.lines);
    const order: OrderDto = {
      id: placed.basketId,
      created: now.toISOString(),
      state: 'new',
      contact: placed.contact,
      items,
      ...totals(items),
      history: [{ state: 'new', at: now.toISOString() }],
    };
    const admins = adminEmail ? [adminEmail] : await repo.staffEmails(db);
    await sendAll([
      confirmationMail(user.email, order),
      ...admins.map((to) => invoiceMail(to, order, user.email)),
    ]);
    return order;
  }

  /** Moves an order from one of `from` to `to`, returning stock on cancel; one racer wins. */
  async function transition(
    orderId: number,
    from: OrderState[],
    to: PlacedState,
    by: number,
    owner?: number,
  ) {
    const moved = await retryOnDeadlock(() =>
      db.transaction(async (tx) => {
        const row = await repo.moveState(tx, orderId, from, to, owner);
        if (!row) return undefined;
        if (to === 'canceled') await repo.returnStock(tx, orderId);
        await repo.addHistory(tx, orderId, to, clock.now(), by);
        return {
          buyerId: row.userId,
          order: await orderView(tx, (await repo.findOrder(tx, orderId))!),
        };
      }),
    );
    if (!moved) {
      const order = await repo.findOrder(db, orderId, owner);
      if (!order) throw orderNotFound(orderId);
      const allowed = owner === undefined ? TRANSITIONS[order.state as PlacedState] : [];
      throw conflict(
        'invalid-transition',
        `Order ${orderId} is ${order.state} (${STATE_WORDS[order.state]}); it cannot become ${to}.` +
          (owner === undefined
            ? ` Allowed next: ${allowed.join(', ') || 'none'}.`
            : ' Only new or confirmed orders can be canceled.'),
        { state: order.state },
      );
    }
    if (to === 'canceled') await stockChanged();
    const buyerEmail = await repo.emailOf(db, moved.buyerId);
    if (buyerEmail) await sendAll([statusMail(buyerEmail, moved.order)]);
    return moved.order;
  }

  return {
    hooks,

    async confirm(user: AuthUser, body: ConfirmInput, key?: string) {
      if (key === undefined) return { body: await placeOrder(user, body), replayed: false };
      const claim = await idempotency.claim(user.id, key, requestHash(body), clock.now());
      // Only successes are kept (failures release their key), so a replay is always the 201.
      if (claim.kind === 'replay') return { body: claim.body as OrderDto, replayed: true };
      try {
        await hooks.afterKeyClaimed?.();
        const order = await placeOrder(user, body);
        await idempotency.complete(user.id, key, 201, order);
        return { body: order, replayed: false };
      } catch (err) {
        await idempotency.release(user.id, key);
        throw err;
      }
    },

    async list(userId: number, limit: number, offset: number) {
      const { count, rows } = await repo.listOrders(db, userId, limit, offset);
      return {
        count,
        results: rows.map((r) => ({
          id: r.id,
          created: (r.confirmedAt ?? r.createdAt).toISOString(),
          state: r.state as PlacedState,
          total_sum: Number(r.totalSum),
          total_quantity: Number(r.totalQuantity),
        })),
      };
    },

    async get(userId: number, orderId: number) {
      const order = await repo.findOrder(db, orderId, userId);
      if (!order) throw orderNotFound(orderId);
      return orderView(db, order);
    },

    cancel: (userId: number, orderId: number) =>
      transition(orderId, BUYER_CANCELABLE, 'canceled', userId, userId),

    /** Staff: any buyer's order along TRANSITIONS. */
    async setState(staffId: number, orderId: number, to: PlacedState) {
      const from = (Object.keys(TRANSITIONS) as PlacedState[]).filter((s) =>
        TRANSITIONS[s].includes(to),
      );
      if (from.length === 0) {
        if (!(await repo.findOrder(db, orderId))) throw orderNotFound(orderId);
        throw new AppError(409, 'invalid-transition', `No order can be moved to ${to}.`);
      }
      return transition(orderId, from, to, staffId);
    },

    /** A shop's placed orders with only its own lines; a shop account without a shop yet has none. */
    async shopOrders(
      userId: number,
      state: PlacedState | undefined,
      limit: number,
      offset: number,
    ) {
      const shopId = await repo.shopIdOf(db, userId);
      if (shopId === undefined) return { count: 0, results: [] };
      const { count, rows } = await repo.listShopOrders(db, shopId, state, limit, offset);
      return { count, results: await shopOrdersView(db, shopId, rows) };
    },
  };
}
