// Placed orders: confirming the cart (stock taken, prices frozen, address copied, mails sent),
// their life through the states, and the lists of buyers and shops.
import type { FastifyBaseLogger } from 'fastify';
import type { AuthUser } from '../../platform/auth.js';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/client.js';
import type { Mailer } from '../../platform/mailer.js';
import type { OrderMetrics } from '../../platform/metrics.js';
import { problem } from '../../platform/problems.js';
import { emailOf, staffEmails } from '../accounts/index.js';
import { returnStock, stockToTake } from '../catalog/index.js';
import { addressOf } from '../contacts/index.js';
import * as cartRepo from './cart.repo.js';
import { createIdempotency, requestHash } from './idempotency.js';
import * as repo from './orders.repo.js';
import type { ConfirmInput, OrderDto, PlacedState } from './orders.schemas.js';
import type { OrderState } from './orders.tables.js';
import { createStaffOrders, TRANSITIONS } from './orders.staff.js';
import { confirmationMail, invoiceMail, STATE_WORDS, statusMail } from './orders.templates.js';
import { createdOf, itemsWith, orderDto, orderView, shopOrdersView } from './orders.views.js';

export interface OrdersDeps {
  db: Db;
  mail: Mailer;
  clock: Clock;
  /** Invoices go here; unset → to every active staff user. */
  adminEmail: string | undefined;
  /** Counts placed and canceled orders (Prometheus). */
  metrics: OrderMetrics;
  /** Where an order whose invoice reaches nobody is reported. */
  log: Pick<FastifyBaseLogger, 'warn'>;
}

/** Points where tests can hold a request to observe it in flight; nothing is set in production. */
export interface OrderHooks {
  /** Runs in the order's transaction, right after the Idempotency-Key is claimed. */
  afterKeyClaimed?: () => Promise<void>;
}

export type OrdersService = ReturnType<typeof createOrdersService>;

const BUYER_CANCELABLE: OrderState[] = ['new', 'confirmed'];

/** Said at start and at each order while invoices have nobody to go to. */
export const NOBODY_INVOICED =
  'its invoice goes to nobody: no ADMIN_EMAIL is set and there is no active staff user ' +
  '(set ADMIN_EMAIL, or make one with `npm run createsuperuser`)';

const orderNotFound = (id: number) => problem.notFound(`Order ${id} not found.`);
const cartEmpty = () => problem.validation('The cart is empty: add goods with /cart/add/ first.');

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

type Placed =
  | { replayed: true; body: OrderDto }
  | { replayed: false; body: OrderDto; mails: number[]; invoiced: number };

// Stock changes do not drop the catalog's cache: its answers that show stock are at most
// STOCK_LAG_MS old (catalog.cache.ts), so orders leave the cache warm.
export function createOrdersService({ db, mail, clock, adminEmail, metrics, log }: OrdersDeps) {
  const idempotency = createIdempotency();
  const hooks: OrderHooks = {};
  const staff = createStaffOrders(db);

  /**
   * The cart becomes an order in one transaction: the Idempotency-Key (if any) is claimed, stock
   * is taken under row locks in offer-id order, and the answer and its mails are written, so
   * nothing of it exists unless all of it does. Mail is queued after the commit.
   */
  async function placeOrder(user: AuthUser, body: ConfirmInput, key?: string): Promise<Placed> {
    const now = clock.now();
    const placed = await retryOnDeadlock(() =>
      db.transaction(async (tx): Promise<Placed> => {
        if (key !== undefined) {
          const claim = await idempotency.claim(tx, user.id, key, requestHash(body), now);
          // Only successes are kept (a failure rolls its key back), so a replay is always the 201.
          if (claim.kind === 'replay') return { replayed: true, body: claim.body as OrderDto };
          await hooks.afterKeyClaimed?.();
        }
        // The basket is locked in a statement of its own: a statement that waited for the lock
        // would still read the lines as they were before the wait, and miss one an add committed
        // meanwhile (it would stay in the order unpriced, its stock never taken).
        const basketId = await cartRepo.findBasket(tx, user.id, true);
        if (body.id !== undefined && body.id !== basketId)
          throw problem.notFound(`Cart ${body.id} not found.`);
        if (basketId === undefined) throw cartEmpty();
        const basket = await cartRepo.linesWithStockToTake(tx, basketId, user.id, body.contact);
        const { lines } = basket;
        if (lines.length === 0) throw cartEmpty();
        if (!basket.address) throw problem.notFound(`Contact ${body.contact} not found.`);
        const address = addressOf(basket.address);
        const quantities = new Map(lines.map((l) => [l.offerId, l.quantity]));
        const { prices, offers } = stockToTake(basket.stock, quantities);
        const row: repo.OrderRow = {
          id: basketId,
          userId: user.id,
          state: 'new',
          address,
          contactId: body.contact,
          createdAt: now,
          confirmedAt: now,
        };
        const priced = lines.map((l) => ({ ...l, price: prices.get(l.offerId)! }));
        const order = orderDto(row, itemsWith(priced, offers), [{ state: 'new', at: now }]);
        const admins = adminEmail ? [adminEmail] : await staffEmails(tx);
        const placement = { contactId: body.contact, address, at: now, byUserId: user.id };
        const mails = await repo.confirmBasket(tx, basketId, placement, { quantities, prices }, [
          confirmationMail(user.email, order),
          ...admins.map((to) => invoiceMail(to, order, user.email)),
        ]);
        if (key !== undefined) await idempotency.complete(tx, user.id, key, order);
        return { replayed: false, body: order, mails, invoiced: admins.length };
      }),
    );
    if (!placed.replayed) {
      metrics.placed();
      await mail.dispatch(placed.mails);
      if (placed.invoiced === 0)
        log.warn({ order: placed.body.id }, `order ${placed.body.id}: ${NOBODY_INVOICED}`);
    }
    return placed;
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
        if (to === 'canceled') await returnStock(tx, await repo.quantitiesOf(tx, orderId));
        await repo.addHistory(tx, orderId, to, clock.now(), by);
        const order = await orderView(tx, (await repo.findOrder(tx, orderId))!);
        const buyerEmail = await emailOf(tx, row.userId);
        const mails = buyerEmail ? await mail.add(tx, [statusMail(buyerEmail, order)]) : [];
        return { order, mails };
      }),
    );
    if (!moved) {
      const order = await repo.findOrder(db, orderId, owner);
      if (!order) throw orderNotFound(orderId);
      const allowed = owner === undefined ? TRANSITIONS[order.state as PlacedState] : [];
      throw problem.invalidTransition(
        `Order ${orderId} is ${order.state} (${STATE_WORDS[order.state]}); it cannot become ${to}.` +
          (owner === undefined
            ? ` Allowed next: ${allowed.join(', ') || 'none'}.`
            : ' Only new or confirmed orders can be canceled.'),
        { extra: { state: order.state } },
      );
    }
    if (to === 'canceled') metrics.canceled();
    await mail.dispatch(moved.mails);
    return moved.order;
  }

  return {
    hooks,
    /** The staff's reads: lists, one order with its buyer, counts and daily totals. */
    staff,

    /** Logs a warning when invoices would reach nobody (said at start, and at each order). */
    async warnIfNobodyInvoiced() {
      if (!adminEmail && (await staffEmails(db)).length === 0)
        log.warn(`Invoices: each order's ${NOBODY_INVOICED.replace(/^its /, '')}`);
    },

    /** Places the order; with an Idempotency-Key, a repeat replays the first answer. */
    confirm: (user: AuthUser, body: ConfirmInput, key?: string) => placeOrder(user, body, key),

    async list(userId: number, limit: number, offset: number) {
      const { count, rows } = await repo.listOrders(db, userId, limit, offset);
      return {
        count,
        results: rows.map((r) => ({
          id: r.id,
          created: createdOf(r),
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

    /** Staff: any buyer's order along TRANSITIONS; the answer is the staff's view of it. */
    async setState(staffId: number, orderId: number, to: PlacedState) {
      const from = (Object.keys(TRANSITIONS) as PlacedState[]).filter((s) =>
        TRANSITIONS[s].includes(to),
      );
      if (from.length === 0) {
        if (!(await repo.findOrder(db, orderId))) throw orderNotFound(orderId);
        throw problem.invalidTransition(`No order can be moved to ${to}.`);
      }
      await transition(orderId, from, to, staffId);
      return staff.get(orderId);
    },

    /** Placed orders holding a shop's goods, each with only that shop's lines. */
    async ofShop(shopId: number, state: PlacedState | undefined, limit: number, offset: number) {
      const { count, rows } = await repo.listShopOrders(db, shopId, state, limit, offset);
      return { count, results: await shopOrdersView(db, shopId, rows) };
    },
  };
}
