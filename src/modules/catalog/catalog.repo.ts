import { and, asc, count, desc, eq, gte, lte, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import type { OfferDto, OfferFilters } from './catalog.schemas.js';
import {
  categories,
  offerParameters,
  offers,
  parameters,
  products,
  shops,
} from './catalog.tables.js';

type OfferParameter = { name: string; value: string };

// Parameters come along as one JSON array per offer, so a batch of offers is one round trip.
const parametersOfOffer = sql<OfferParameter[]>`coalesce((
  select json_agg(json_build_object('name', ${parameters.name}, 'value', ${offerParameters.value})
                  order by ${parameters.id})
  from ${offerParameters} join ${parameters} on ${parameters.id} = ${offerParameters.parameterId}
  where ${offerParameters.offerId} = ${offers.id}), '[]'::json)`;

const offersByIds = (db: Executor) =>
  db
    .select({
      id: offers.id,
      externalId: offers.externalId,
      model: offers.model,
      quantity: offers.quantity,
      price: offers.price,
      priceRrc: offers.priceRrc,
      productId: products.id,
      productName: products.name,
      categoryId: categories.id,
      categoryName: categories.name,
      shopId: shops.id,
      shopName: shops.name,
      parameters: parametersOfOffer,
    })
    .from(offers)
    .innerJoin(products, eq(products.id, offers.productId))
    .innerJoin(categories, eq(categories.id, offers.categoryId))
    .innerJoin(shops, eq(shops.id, offers.shopId))
    // A text array literal works the same on node-postgres and PGlite.
    .where(sql`${offers.id} = any(${sql.placeholder('ids')}::int[])`);

type OffersByIds = ReturnType<ReturnType<typeof offersByIds>['prepare']>;
// Built once per database (a named statement on each PostgreSQL connection): the catalog's
// hottest query skips both Drizzle's query building and PostgreSQL's parsing.
const prepared = new WeakMap<Executor, OffersByIds>();

/**
 * Offers with product, category, shop and parameters in one query whatever their number;
 * the result keeps the order of `ids` and skips ids that do not exist.
 */
export async function findOffersByIds(db: Executor, ids: readonly number[]): Promise<OfferDto[]> {
  if (ids.length === 0) return [];
  let query = prepared.get(db);
  if (!query) {
    query = offersByIds(db).prepare('catalog_offers_by_ids');
    prepared.set(db, query);
  }
  const rows = await query.execute({ ids: `{${[...new Set(ids)].join(',')}}` });
  const byId = new Map(
    rows.map((r) => [
      r.id,
      {
        id: r.id,
        external_id: r.externalId,
        model: r.model,
        product: {
          id: r.productId,
          name: r.productName,
          category: { id: r.categoryId, name: r.categoryName },
        },
        shop: { id: r.shopId, name: r.shopName },
        quantity: r.quantity,
        price: r.price,
        price_rrc: r.priceRrc,
        parameters: r.parameters,
        images: [],
      } satisfies OfferDto,
    ]),
  );
  return ids.flatMap((id) => byId.get(id) ?? []);
}

// Live offers: not withdrawn, of a shop that takes orders. The literal `not withdrawn` (not a bound
// `= false`) lets the planner match the partial indexes declared with the same predicate.
const offerIsLive = sql`not ${offers.withdrawn}`;
const shopTakesOrders = and(eq(shops.id, offers.shopId), sql`${shops.state}`);
const tsQuery = (q: string) => sql`websearch_to_tsquery('russian', ${q})`;

/** Only the conditions of the filters actually given: `($1 IS NULL OR ...)` would defeat the indexes. */
function offerConditions(f: OfferFilters): SQL | undefined {
  const c: (SQL | undefined)[] = [offerIsLive];
  if (f.shop_id !== undefined) c.push(eq(offers.shopId, f.shop_id));
  if (f.category_id !== undefined) c.push(eq(offers.categoryId, f.category_id));
  if (f.price_min !== undefined) c.push(gte(offers.price, f.price_min));
  if (f.price_max !== undefined) c.push(lte(offers.price, f.price_max));
  if (f.in_stock) c.push(sql`${offers.quantity} > 0`);
  if (f.search) c.push(sql`${offers.searchVector} @@ ${tsQuery(f.search)}`);
  return and(...c);
}

function offerOrder(f: OfferFilters): SQL[] {
  switch (f.ordering) {
    case 'price':
      return [asc(offers.price), asc(offers.id)];
    case '-price':
      return [desc(offers.price), asc(offers.id)];
    case 'name':
      return [asc(products.name), asc(offers.id)];
    case '-name':
      return [desc(products.name), asc(offers.id)];
  }
  if (f.search)
    return [sql`ts_rank(${offers.searchVector}, ${tsQuery(f.search)}) desc`, asc(offers.id)];
  return [asc(offers.id)];
}

/**
 * The ids of one page of live offers, and the snapshot the statement saw
 * (`pg_current_snapshot()`): equal snapshots see exactly the same committed data.
 */
export async function listLiveOfferIds(
  db: Executor,
  filters: OfferFilters,
  limit: number,
  offset: number,
): Promise<{ ids: number[]; snapshot: string }> {
  let page = db.select({ id: offers.id }).from(offers).innerJoin(shops, shopTakesOrders).$dynamic();
  const where = [offerConditions(filters)];
  if (filters.ordering === 'name' || filters.ordering === '-name') {
    page = page.innerJoin(products, eq(products.id, offers.productId));
    // The same category said of the product lets the planner walk (category_id, name) in order.
    if (filters.category_id !== undefined) where.push(eq(products.categoryId, filters.category_id));
  }
  page = page
    .where(and(...where))
    .orderBy(...offerOrder(filters))
    .limit(limit)
    .offset(offset);
  // One statement, so the snapshot is the one the page was read in; one row even for an empty page.
  // node-postgres and PGlite both answer `{ rows }`.
  const result = (await db.execute(
    sql`select pg_current_snapshot()::text as snapshot, array(${page}) as ids`,
  )) as unknown as { rows: { snapshot: string; ids: number[] }[] };
  const row = result.rows[0]!;
  return { ids: row.ids.map(Number), snapshot: row.snapshot };
}

/** How many live offers match, and the snapshot the count was taken in. */
export async function countLiveOffers(db: Executor, filters: OfferFilters) {
  const [row] = await db
    .select({ n: count(), snapshot: sql<string>`pg_current_snapshot()::text` })
    .from(offers)
    .innerJoin(shops, shopTakesOrders)
    .where(offerConditions(filters));
  return { count: row!.n, snapshot: row!.snapshot };
}

/** The id if that offer is live (shown in the catalog), else undefined. */
export async function findLiveOfferId(db: Executor, id: number): Promise<number | undefined> {
  const [row] = await db
    .select({ id: offers.id })
    .from(offers)
    .innerJoin(shops, shopTakesOrders)
    .where(and(eq(offers.id, id), offerIsLive));
  return row?.id;
}

const hasLiveOffer = sql`exists (
  select 1 from ${offers} join ${shops} on ${shopTakesOrders}
  where ${offers.categoryId} = ${categories.id} and ${offerIsLive})`;

/** Categories that have at least one live offer, by name. */
export function listCategories(db: Executor, limit: number, offset: number) {
  return db
    .select({ id: categories.id, name: categories.name })
    .from(categories)
    .where(hasLiveOffer)
    .orderBy(asc(categories.name), asc(categories.id))
    .limit(limit)
    .offset(offset);
}

export async function countCategories(db: Executor): Promise<number> {
  const [row] = await db.select({ n: count() }).from(categories).where(hasLiveOffer);
  return row!.n;
}

/** Shops that take orders, by name. */
export function listShops(db: Executor, limit: number, offset: number) {
  return db
    .select({ id: shops.id, name: shops.name, state: shops.state })
    .from(shops)
    .where(sql`${shops.state}`)
    .orderBy(asc(shops.name), asc(shops.id))
    .limit(limit)
    .offset(offset);
}

export async function countShops(db: Executor): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(shops)
    .where(sql`${shops.state}`);
  return row!.n;
}
