// Orders and the cart: the cart is simply the user's order in state `basket`.
import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  serial,
  smallint,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { users } from '../accounts/accounts.tables.js';
import { offers, shops } from '../catalog/catalog.tables.js';
import { contacts } from '../contacts/contacts.tables.js';

/** Every state but `basket`: what a placed order can be in. */
export const PLACED_STATES = [
  'new',
  'confirmed',
  'assembled',
  'sent',
  'delivered',
  'canceled',
] as const;
export const ORDER_STATES = ['basket', ...PLACED_STATES] as const;
export type OrderState = (typeof ORDER_STATES)[number];
export const orderState = pgEnum('order_state', ORDER_STATES);

export const orders = pgTable(
  'orders',
  {
    id: serial('id').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'restrict' }),
    state: orderState('state').notNull().default('basket'),
    /** The contact chosen at confirmation; null once deleted, the copy in `address` stays. */
    contactId: integer('contact_id').references(() => contacts.id, { onDelete: 'set null' }),
    /** The delivery address as it was at confirmation; later edits or deletion never change it. */
    address:
      jsonb('address').$type<Omit<typeof contacts.$inferSelect, 'id' | 'userId' | 'createdAt'>>(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    /** Set when the basket becomes an order; lists sort by it. */
    confirmedAt: timestamp('confirmed_at', { withTimezone: true }),
  },
  (t) => [
    // One cart per user; made on first use with INSERT … ON CONFLICT against this index.
    uniqueIndex('orders_one_basket_per_user')
      .on(t.userId)
      .where(sql`${t.state} = 'basket'`),
    index('orders_user_confirmed_idx').on(t.userId, t.confirmedAt),
    // The staff list (newest first, optionally by state or dates) walks one of these two.
    index('orders_placed_confirmed_idx')
      .on(t.confirmedAt, t.id)
      .where(sql`${t.state} <> 'basket'`),
    index('orders_state_confirmed_idx').on(t.state, t.confirmedAt, t.id),
  ],
);

export const orderItems = pgTable(
  'order_items',
  {
    id: serial('id').primaryKey(),
    orderId: integer('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'cascade' }),
    offerId: integer('offer_id')
      .notNull()
      .references(() => offers.id, { onDelete: 'restrict' }),
    /** Copied from the offer (it never changes shop) so a shop's orders are found by index. */
    shopId: integer('shop_id')
      .notNull()
      .references(() => shops.id, { onDelete: 'restrict' }),
    quantity: integer('quantity').notNull(),
    /** Null in the cart (the offer's current price applies); frozen at confirmation. */
    price: integer('price'),
  },
  (t) => [
    uniqueIndex('order_items_order_offer_key').on(t.orderId, t.offerId),
    index('order_items_shop_order_idx').on(t.shopId, t.orderId),
    index('order_items_offer_idx').on(t.offerId),
    check('order_items_quantity_positive', sql`${t.quantity} >= 1`),
    check('order_items_price_nonnegative', sql`${t.price} is null or ${t.price} >= 0`),
  ],
);

export const orderHistory = pgTable(
  'order_history',
  {
    id: serial('id').primaryKey(),
    orderId: integer('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'cascade' }),
    state: orderState('state').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    /** Who made the change: the buyer, or the staff member who moved the order along. */
    byUserId: integer('by_user_id').references(() => users.id, { onDelete: 'set null' }),
  },
  (t) => [index('order_history_order_idx').on(t.orderId)],
);

/**
 * `Idempotency-Key` of order confirmations, per user, kept 24 h. Claimed and answered inside the
 * order's transaction, so a key others can see always has its `response` (the 201 to replay).
 */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    response: jsonb('response'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.key] }),
    index('idempotency_keys_created_idx').on(t.createdAt),
  ],
);

/** Counters are spread over this many rows per state, so concurrent changes rarely wait. */
export const COUNT_SLOTS = 8;

/**
 * Placed orders per state, kept in the same transaction as every state change (confirmation,
 * staff moves, cancel): exact counts for the dashboard and the staff list without counting a
 * million rows. A state's count is the sum of its slots; an order always uses slot id % COUNT_SLOTS.
 */
export const orderStateCounts = pgTable(
  'order_state_counts',
  {
    state: orderState('state').notNull(),
    slot: smallint('slot').notNull(),
    n: bigint('n', { mode: 'number' }).notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.state, t.slot] })],
);
