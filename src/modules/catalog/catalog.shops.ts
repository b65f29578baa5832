// Shops: the one shop of a shop account, its name and order taking, and what its price-list
// export reads.
import { and, asc, eq, inArray, ne, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import { categories, offers, products, shopCategories, shops } from './catalog.tables.js';

export type ShopRow = typeof shops.$inferSelect;

export async function findShopByUser(db: Executor, userId: number): Promise<ShopRow | undefined> {
  const [row] = await db.select().from(shops).where(eq(shops.userId, userId));
  return row;
}

/** The account whose shop has this offer (withdrawn or not); undefined for no such offer. */
export async function findOfferOwner(db: Executor, offerId: number): Promise<number | undefined> {
  const [row] = await db
    .select({ userId: shops.userId })
    .from(offers)
    .innerJoin(shops, eq(shops.id, offers.shopId))
    .where(eq(offers.id, offerId));
  return row?.userId;
}

export async function shopNameTakenByOther(
  db: Executor,
  name: string,
  userId: number,
): Promise<boolean> {
  const [row] = await db
    .select({ id: shops.id })
    .from(shops)
    .where(and(sql`lower(${shops.name}) = lower(${name})`, ne(shops.userId, userId)));
  return Boolean(row);
}

export async function insertShop(db: Executor, userId: number, name: string): Promise<ShopRow> {
  const [row] = await db.insert(shops).values({ userId, name }).returning();
  return row!;
}

export async function renameShop(db: Executor, shopId: number, name: string): Promise<ShopRow> {
  const [row] = await db.update(shops).set({ name }).where(eq(shops.id, shopId)).returning();
  return row!;
}

export async function setShopState(db: Executor, shopId: number, state: boolean): Promise<ShopRow> {
  const [row] = await db.update(shops).set({ state }).where(eq(shops.id, shopId)).returning();
  return row!;
}

/** This shop's categories with its own ids, for the export. */
export async function listShopCategories(db: Executor, shopId: number) {
  return db
    .select({ id: shopCategories.externalId, name: categories.name, categoryId: categories.id })
    .from(shopCategories)
    .innerJoin(categories, eq(categories.id, shopCategories.categoryId))
    .where(eq(shopCategories.shopId, shopId))
    .orderBy(asc(shopCategories.externalId));
}

/** The shop's live offers in price-list order, with parameters, for the export. */
export async function listLiveOffers(db: Executor, shopId: number) {
  return db
    .select({
      externalId: offers.externalId,
      categoryId: offers.categoryId,
      model: offers.model,
      name: products.name,
      price: offers.price,
      priceRrc: offers.priceRrc,
      quantity: offers.quantity,
      parameters: offers.parameters,
    })
    .from(offers)
    .innerJoin(products, eq(products.id, offers.productId))
    .where(and(eq(offers.shopId, shopId), eq(offers.withdrawn, false)))
    .orderBy(asc(offers.id));
}

/** Names of many shops by id, in one query. */
export async function shopNamesOf(db: Executor, ids: number[]): Promise<Map<number, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .select({ id: shops.id, name: shops.name })
    .from(shops)
    .where(inArray(shops.id, [...new Set(ids)]));
  return new Map(rows.map((r) => [r.id, r.name]));
}
