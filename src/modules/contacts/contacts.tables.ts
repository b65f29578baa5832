import { index, integer, pgTable, serial, text, timestamp } from 'drizzle-orm/pg-core';
import { users } from '../accounts/accounts.tables.js';

/**
 * Delivery addresses. Orders copy the address, so deleting a contact never changes an order. The
 * address fields are keyed by their API names (see `addressSchema`), so rows need no renaming.
 */
export const contacts = pgTable(
  'contacts',
  {
    id: serial('id').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    first_name: text('first_name').notNull().default(''),
    last_name: text('last_name').notNull().default(''),
    middle_name: text('middle_name').notNull().default(''),
    email: text('email').notNull().default(''),
    phone: text('phone').notNull(),
    city: text('city').notNull(),
    street: text('street').notNull(),
    house: text('house').notNull().default(''),
    structure: text('structure').notNull().default(''),
    building: text('building').notNull().default(''),
    apartment: text('apartment').notNull().default(''),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('contacts_user_idx').on(t.userId)],
);
