// Pictures: each account's avatar and each offer's gallery. A row names its three files (the
// re-encoded original and two WebP thumbnails) by storage key; every key lives in a folder of its
// own upload, so no two rows ever share a file and removing a row's files is always safe.
import { index, integer, pgTable, serial, text, timestamp } from 'drizzle-orm/pg-core';
import { users } from '../accounts/accounts.tables.js';
import { offers } from '../catalog/catalog.tables.js';

/** What every stored picture has. */
const pictureColumns = () => ({
  /** Upright size of the original (one frame of an animation). */
  width: integer('width').notNull(),
  height: integer('height').notNull(),
  /** MEDIA_URL when the picture was stored (`npm run media -- regenerate` rewrites it). */
  baseUrl: text('base_url').notNull(),
  original: text('original').notNull(),
  small: text('small').notNull(),
  medium: text('medium').notNull(),
});

export const avatars = pgTable('avatars', {
  userId: integer('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  ...pictureColumns(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** An offer's gallery; `position` runs 0, 1, 2 … in the order clients show the pictures. */
export const offerImages = pgTable(
  'offer_images',
  {
    id: serial('id').primaryKey(),
    offerId: integer('offer_id')
      .notNull()
      .references(() => offers.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    ...pictureColumns(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('offer_images_offer_position_idx').on(t.offerId, t.position)],
);
