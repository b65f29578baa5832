// The merged catalog: shops publish offers of shared products (matched by name and category).
import { sql, type SQL } from 'drizzle-orm';
import {
  type AnyPgColumn,
  bigint,
  boolean,
  check,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  serial,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { users } from '../accounts/accounts.tables.js';

/** One of an offer's parameters. */
export interface OfferParameter {
  name: string;
  value: string;
}

const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

/**
 * How many ids an offer's id block holds, as a power of two (see offerIdBlock). The text index is
 * built with it: a new value needs a migration that builds the index again, or searches stop using it.
 */
export const OFFER_ID_BLOCK_BITS = 12;

/**
 * The block of 4,096 ids an offer belongs to, as a one-element array: the form the text index
 * stores beside the words (GIN's built-in array support, no extension), and the form a search
 * must write for PostgreSQL to match the index. Blocks, not ids: the index then holds a few hundred
 * keys, and a range of ids is read as a handful of them.
 */
export const offerIdBlock = (id: AnyPgColumn) =>
  sql`(array[${id} >> ${sql.raw(String(OFFER_ID_BLOCK_BITS))}])`;

/** A supplier shop; one per shop account, created by its first price list. */
export const shops = pgTable(
  'shops',
  {
    id: serial('id').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'restrict' }),
    /** Unique without regard to case: «Связной» and «связной» are one name. */
    name: text('name').notNull(),
    /** Takes orders: a shop that is off disappears from the catalog. */
    state: boolean('state').notNull().default(true),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('shops_user_key').on(t.userId),
    uniqueIndex('shops_name_key').on(sql`lower(${t.name})`),
  ],
);

/** Categories are shared by name across shops. */
export const categories = pgTable(
  'categories',
  {
    id: serial('id').primaryKey(),
    name: text('name').notNull(),
  },
  (t) => [uniqueIndex('categories_name_key').on(t.name)],
);

/** Each shop's own id for a shared category, remembered for exports. */
export const shopCategories = pgTable(
  'shop_categories',
  {
    shopId: integer('shop_id')
      .notNull()
      .references(() => shops.id, { onDelete: 'cascade' }),
    categoryId: integer('category_id')
      .notNull()
      .references(() => categories.id),
    externalId: bigint('external_id', { mode: 'number' }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.shopId, t.categoryId] }),
    uniqueIndex('shop_categories_external_key').on(t.shopId, t.externalId),
  ],
);

/** A good, shared by every shop that sells it: matched by (name, category). */
export const products = pgTable(
  'products',
  {
    id: serial('id').primaryKey(),
    name: text('name').notNull(),
    categoryId: integer('category_id')
      .notNull()
      .references(() => categories.id),
  },
  (t) => [
    uniqueIndex('products_name_category_key').on(t.name, t.categoryId),
    // Name ordering inside one category walks this index (the unique key serves it otherwise).
    index('products_category_name_idx').on(t.categoryId, t.name),
  ],
);

/**
 * One shop's offer of a product (the API calls it `product_info`). Never deleted while orders
 * refer to it: an offer missing from the shop's latest price list is withdrawn instead.
 */
export const offers = pgTable(
  'offers',
  {
    id: serial('id').primaryKey(),
    shopId: integer('shop_id')
      .notNull()
      .references(() => shops.id),
    productId: integer('product_id')
      .notNull()
      .references(() => products.id),
    /** Copied from the product so catalog filters use one indexed row. */
    categoryId: integer('category_id')
      .notNull()
      .references(() => categories.id),
    /** The good's id in the shop's price list (10 digits in real files). */
    externalId: bigint('external_id', { mode: 'number' }).notNull(),
    model: text('model').notNull().default(''),
    price: integer('price').notNull(),
    priceRrc: integer('price_rrc').notNull(),
    quantity: integer('quantity').notNull(),
    withdrawn: boolean('withdrawn').notNull().default(false),
    /** Product name, model and parameter values, written by the import for full-text search. */
    searchText: text('search_text').notNull().default(''),
    /** PostgreSQL's `russian` configuration stems Cyrillic words in Russian and Latin ones in English. */
    searchVector: tsvector('search_vector').generatedAlwaysAs(
      (): SQL => sql`to_tsvector('russian', ${offers.searchText})`,
    ),
    /**
     * Digest of what the shop's price list said of this good (written by the import): a re-import
     * compares it alone, so an unchanged good costs one index probe. '' = unknown, rewrite.
     */
    contentHash: text('content_hash').notNull().default(''),
    /**
     * The good's parameters as the API shows them, `[{name, value}]` in the order the price list
     * wrote them, values as text exactly as written (`6.5`, `2688x1242`, `true`). Kept on the
     * offer, not in a table of their own: an import writes one column instead of a row per
     * parameter (measured: half of a 100,000-goods first import), and a page reads it as it is.
     */
    parameters: jsonb('parameters').$type<OfferParameter[]>().notNull().default([]),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('offers_shop_external_key').on(t.shopId, t.externalId),
    index('offers_product_idx').on(t.productId),
    // Catalog lists (see DESIGN.md "Fast lists"): partial indexes on live offers only, one per
    // common filter and ordering, each ending in shop_id so counts are index-only scans that can
    // still check the shop's state. The predicate must read exactly as the repo writes it.
    index('offers_live_id_idx')
      .on(t.id, t.shopId)
      .where(sql`not withdrawn`),
    index('offers_live_category_idx')
      .on(t.categoryId, t.id, t.shopId)
      .where(sql`not withdrawn`),
    index('offers_live_shop_idx')
      .on(t.shopId, t.id)
      .where(sql`not withdrawn`),
    index('offers_live_price_idx')
      .on(t.price, t.id, t.shopId)
      .where(sql`not withdrawn`),
    index('offers_live_category_price_idx')
      .on(t.categoryId, t.price, t.id, t.shopId)
      .where(sql`not withdrawn`),
    // The text index carries each offer's block of ids too (offerIdBlock), so that a search reads
    // only the matches among the first ids (SearchPath 'range' in catalog.reads.ts).
    index('offers_live_search_idx')
      .using('gin', t.searchVector, offerIdBlock(t.id))
      .where(sql`not withdrawn`),
    check('offers_quantity_nonnegative', sql`${t.quantity} >= 0`),
    check('offers_price_nonnegative', sql`${t.price} >= 0 and ${t.priceRrc} >= 0`),
  ],
);

/** Each price list a shop imported successfully, written in the import's own transaction. */
export const priceListImports = pgTable(
  'price_list_imports',
  {
    id: serial('id').primaryKey(),
    shopId: integer('shop_id')
      .notNull()
      .references(() => shops.id, { onDelete: 'cascade' }),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    goods: integer('goods').notNull(),
    created: integer('created').notNull(),
    updated: integer('updated').notNull(),
    withdrawn: integer('withdrawn').notNull(),
  },
  (t) => [index('price_list_imports_shop_idx').on(t.shopId, t.id)],
);

/**
 * One row, bumped in the transaction of every change that can alter how many live offers a list
 * has: `n` by an import or a shop switched on or off, `stock_n` by an offer's stock reaching zero
 * or coming back, which only `in_stock=true` lists see. A list's count is kept under the epoch its
 * page saw (catalog.epoch.ts, catalog.service.ts), so orders leave every other count cached, and
 * the counts stay exact.
 */
export const catalogEpoch = pgTable(
  'catalog_epoch',
  {
    id: integer('id').primaryKey().default(1),
    n: bigint('n', { mode: 'number' }).notNull().default(0),
    stockN: bigint('stock_n', { mode: 'number' }).notNull().default(0),
  },
  (t) => [check('catalog_epoch_one_row', sql`${t.id} = 1`)],
);
