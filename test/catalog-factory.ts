// Catalog rows made directly with Drizzle, as the price-list import would leave them, so tests of
// the catalog, carts and orders need no import. Names get a random suffix: tests sharing one
// PostgreSQL database never see each other's shops, categories or products by accident.
//
//   const shop = await createShop(h);                      // { id, name, userId }
//   const offer = await createOffer(h, shop, { price: 100, quantity: 5 });  // { id, productId, categoryId, ... }
//   await setShopState(h, shop, false);                    // the shop stops taking orders
import { eq, sql } from 'drizzle-orm';
import { bumpCatalogEpoch } from '../src/modules/catalog/catalog.epoch.js';
import { randomBytes } from 'node:crypto';
import { users } from '../src/modules/accounts/accounts.tables.js';
import { categories, offers, products, shops } from '../src/modules/catalog/catalog.tables.js';
import { uniqueEmail, type Harness } from './harness.js';

type HasDb = Pick<Harness, 'database'>;
type IdOf = number | { id: number };
const idOf = (x: IdOf) => (typeof x === 'number' ? x : x.id);

/** A short random tag that makes names unique across tests. */
export const uniqueTag = () => randomBytes(4).toString('hex');

export interface TestShop {
  id: number;
  name: string;
  userId: number;
}

/** A shop (taking orders unless `state: false`) owned by a new shop account, or by `userId`. */
export async function createShop(
  h: HasDb,
  opts: { name?: string; state?: boolean; userId?: number } = {},
): Promise<TestShop> {
  const db = h.database.db;
  let userId = opts.userId;
  if (userId === undefined) {
    const [user] = await db
      .insert(users)
      .values({
        email: uniqueEmail('shop'),
        passwordHash: 'unusable',
        type: 'shop',
        isActive: true,
      })
      .returning({ id: users.id });
    userId = user!.id;
  }
  const [row] = await db
    .insert(shops)
    .values({ userId, name: opts.name ?? `Shop ${uniqueTag()}`, state: opts.state ?? true })
    .returning({ id: shops.id, name: shops.name, userId: shops.userId });
  await bumpCatalogEpoch(h.database.db); // as the catalog's own writers do
  return row!;
}

/** Switches a shop's order taking on or off. */
export async function setShopState(h: HasDb, shop: IdOf, state: boolean): Promise<void> {
  await h.database.db
    .update(shops)
    .set({ state })
    .where(eq(shops.id, idOf(shop)));
  await bumpCatalogEpoch(h.database.db); // as the catalog's own writers do
}

/** The category of that name (shared by name, as the import does), made if missing. */
export async function createCategory(h: HasDb, name = `Category ${uniqueTag()}`) {
  const [row] = await h.database.db
    .insert(categories)
    .values({ name })
    .onConflictDoUpdate({ target: categories.name, set: { name: sql`excluded.name` } })
    .returning({ id: categories.id, name: categories.name });
  return row!;
}

export interface OfferOptions {
  /** Product name; products are shared by (name, category), like the import does. */
  name?: string;
  model?: string;
  /** A category id or object; a new category when absent. */
  category?: IdOf;
  price?: number;
  priceRrc?: number;
  quantity?: number;
  withdrawn?: boolean;
  externalId?: number;
  /** Kept as text exactly as written (`6.5`, `2688x1242`, `true`). */
  parameters?: Record<string, string | number | boolean>;
}

export interface TestOffer {
  id: number;
  productId: number;
  categoryId: number;
  shopId: number;
  name: string;
  price: number;
  quantity: number;
}

/** The text the import writes for full-text search: name, model and parameter values. */
export const searchTextOf = (name: string, model: string, params: Record<string, unknown>) =>
  [name, model, ...Object.values(params).map(String)].filter(Boolean).join(' ');

/** One shop's offer of a product, with its parameters and search text. */
export async function createOffer(
  h: HasDb,
  shop: IdOf,
  opts: OfferOptions = {},
): Promise<TestOffer> {
  const db = h.database.db;
  const categoryId =
    opts.category === undefined ? (await createCategory(h)).id : idOf(opts.category);
  const name = opts.name ?? `Product ${uniqueTag()}`;
  const model = opts.model ?? '';
  const params = opts.parameters ?? {};
  const [product] = await db
    .insert(products)
    .values({ name, categoryId })
    .onConflictDoUpdate({
      target: [products.name, products.categoryId],
      set: { name: sql`excluded.name` },
    })
    .returning({ id: products.id });
  const price = opts.price ?? 1000;
  const quantity = opts.quantity ?? 10;
  const [offer] = await db
    .insert(offers)
    .values({
      shopId: idOf(shop),
      productId: product!.id,
      categoryId,
      externalId: opts.externalId ?? randomBytes(4).readUInt32BE(),
      model,
      price,
      priceRrc: opts.priceRrc ?? price,
      quantity,
      withdrawn: opts.withdrawn ?? false,
      searchText: searchTextOf(name, model, params),
      parameters: Object.entries(params).map(([n, value]) => ({ name: n, value: String(value) })),
    })
    .returning({ id: offers.id });
  await bumpCatalogEpoch(h.database.db); // as the catalog's own writers do
  return {
    id: offer!.id,
    productId: product!.id,
    categoryId,
    shopId: idOf(shop),
    name,
    price,
    quantity,
  };
}

/** Withdraws an offer (as an import that no longer lists it would) or brings it back. */
export async function setOfferWithdrawn(h: HasDb, offer: IdOf, withdrawn: boolean): Promise<void> {
  await h.database.db
    .update(offers)
    .set({ withdrawn })
    .where(eq(offers.id, idOf(offer)));
  await bumpCatalogEpoch(h.database.db); // as the catalog's own writers do
}
