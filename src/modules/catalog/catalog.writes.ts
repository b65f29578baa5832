// The bulk writes of a price-list import, set-based (DESIGN.md "Bulk writes"): arrays through
// unnest (each array one text parameter, textArray), thousands of rows per statement, and only rows
// whose data changed are touched. Every lookup is a LATERAL index probe, so a batch costs the same
// whatever the size of the catalog.
import { hash } from 'node:crypto';
import { sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import { intArray, textArray } from '../../platform/db/statements.js';

const p = (value: unknown) => sql.param(value);

export interface PriceListCategory {
  id: number;
  name: string;
}

export interface PriceListGood {
  id: number;
  category: number;
  model: string;
  name: string;
  price: number;
  price_rrc: number;
  quantity: number;
  /** [name, value] in the order written; values are text exactly as written. */
  parameters: [string, string][];
}

/**
 * A price list (the format of shared/data/shop1.yaml) whose head is checked and whose goods are
 * read as they are written, so memory does not grow with the list.
 */
export interface PriceList {
  shop: string;
  categories: PriceListCategory[];
  /** How many goods the list has (for progress). */
  goodsCount: number;
  /**
   * The goods in list order, in batches of at most `size`, each good checked as it is read. Once
   * one is wrong no more batches come, and after the last good this throws the 400 that lists
   * every problem: the import's transaction rolls back what earlier batches wrote. Read once.
   */
  goods(size: number): Iterable<PriceListGood[]>;
}

async function rows<T>(db: Executor, query: SQL): Promise<T[]> {
  return ((await db.execute(query)) as unknown as { rows: T[] }).rows;
}

/** Imports of one account run one at a time; the lock ends with the transaction. */
export async function beginImport(tx: Executor, userId: number): Promise<void> {
  await tx.execute(
    sql`select pg_advisory_xact_lock(hashtext('price-list-import'), ${userId}::int)`,
  );
  // A batch's rows (2,500 goods with their texts and parameters) sort and hash in memory.
  await tx.execute(sql`set local work_mem = '64MB'`);
}

/** Shared categories by name, and this shop's own ids for them; returns shop id → category id. */
export async function syncCategories(
  tx: Executor,
  shopId: number,
  list: PriceListCategory[],
): Promise<Map<number, number>> {
  const names = textArray(list.map((c) => c.name));
  // Sorted inserts keep two concurrent imports from deadlocking on the unique index.
  await tx.execute(sql`insert into categories (name)
    select n from unnest(${p(names)}::text[]) n order by n on conflict (name) do nothing`);
  const found = await rows<{ id: number; name: string }>(
    tx,
    sql`select id, name from categories where name = any(${p(names)}::text[])`,
  );
  const idByName = new Map(found.map((r) => [r.name, r.id]));
  const ext = intArray(list.map((c) => c.id));
  const cat = intArray(list.map((c) => idByName.get(c.name)!));
  await tx.execute(sql`delete from shop_categories sc where sc.shop_id = ${shopId}
    and not exists (select 1 from unnest(${p(cat)}::int[], ${p(ext)}::bigint[]) x(c, e)
                    where x.c = sc.category_id and x.e = sc.external_id)`);
  await tx.execute(sql`insert into shop_categories (shop_id, category_id, external_id)
    select ${shopId}, c, e from unnest(${p(cat)}::int[], ${p(ext)}::bigint[]) x(c, e)
    on conflict do nothing`);
  return new Map(list.map((c) => [c.id, idByName.get(c.name)!]));
}

export interface BatchResult {
  /** Offers created by this batch. */
  created: number;
  /** Offers that existed and changed. */
  updated: number;
}

/** A good's parameters as the offer keeps them (catalog.tables.ts `offers.parameters`). */
const parametersJson = (g: PriceListGood) =>
  JSON.stringify(g.parameters.map(([name, value]) => ({ name, value })));

/**
 * What the price list says of a good, as a digest: same data → same digest. The shared category
 * id is part of it, so a renamed category moves the good; parameters count in their order, which
 * the API shows.
 */
function contentHash(g: PriceListGood, categoryId: number, parameters: string): string {
  const head = JSON.stringify([categoryId, g.name, g.model, g.price, g.price_rrc, g.quantity]);
  // One-shot hashing: a Hash object per good cost a third of an unchanged re-import's hashing.
  return hash('md5', head + parameters, 'base64');
}

/** Whether the shop may already have offers: 'none' when this import made the shop. */
export type ShopOffers = 'none' | 'some';

/** The columns of the goods to write, each as one array text (see textArray). */
interface GoodsColumns {
  ext: string;
  cat: string;
  name: string;
  model: string;
  price: string;
  rrc: string;
  qty: string;
  search: string;
  hash: string;
  param: string;
}

/**
 * A batch of goods with what this process computes for it (digests, parameters as JSON, and for a
 * shop with no offers yet every column), made while the batch before it is being written.
 */
export interface PreparedBatch {
  goods: PriceListGood[];
  categoryOf: Map<number, number>;
  hashes: string[];
  params: string[];
  /** Set when every good is written: a shop with no offers yet has nothing to compare. */
  columns?: GoodsColumns;
}

/** Prepares `goods` for `writeGoodsBatch`; see PreparedBatch. */
export function prepareBatch(
  goods: PriceListGood[],
  categoryOf: Map<number, number>,
  offers: ShopOffers,
): PreparedBatch {
  const params = goods.map(parametersJson);
  const hashes = goods.map((g, i) => contentHash(g, categoryOf.get(g.category)!, params[i]!));
  const batch: PreparedBatch = { goods, categoryOf, hashes, params };
  if (offers === 'none') batch.columns = columnsOf(batch, goods.keys());
  return batch;
}

/** The columns of the goods at `positions` in the batch. */
function columnsOf(batch: PreparedBatch, positions: Iterable<number>): GoodsColumns {
  const at = [...positions];
  const goods = at.map((i) => batch.goods[i]!);
  return {
    ext: intArray(goods.map((g) => g.id)),
    cat: intArray(goods.map((g) => batch.categoryOf.get(g.category)!)),
    name: textArray(goods.map((g) => g.name)),
    model: textArray(goods.map((g) => g.model)),
    price: intArray(goods.map((g) => g.price)),
    rrc: intArray(goods.map((g) => g.price_rrc)),
    qty: intArray(goods.map((g) => g.quantity)),
    search: textArray(
      goods.map((g) => [g.name, g.model, ...g.parameters.map(([, v]) => v)].join(' ')),
    ),
    hash: textArray(at.map((i) => batch.hashes[i]!)),
    param: textArray(at.map((i) => batch.params[i]!)),
  };
}

/**
 * The positions in the batch of goods that are new, changed or withdrawn, by one index probe per
 * good. Orders and cancels move the stock without touching the digest, so the stock is compared
 * too: after an import every offer holds what the file says.
 */
async function staleGoods(tx: Executor, shopId: number, batch: PreparedBatch): Promise<number[]> {
  const ids = intArray(batch.goods.map((g) => g.id));
  const quantities = intArray(batch.goods.map((g) => g.quantity));
  const found = await rows<{ i: number }>(
    tx,
    sql`select x.i::int as i
      from unnest(${p(ids)}::bigint[], ${p(textArray(batch.hashes))}::text[],
                  ${p(quantities)}::int[]) with ordinality x(ext, h, qty, i)
      left join lateral (
        select o.content_hash, o.withdrawn, o.quantity from offers o
        where o.shop_id = ${shopId} and o.external_id = x.ext offset 0
      ) o on true
      where o.content_hash is distinct from x.h or o.withdrawn or o.quantity is distinct from x.qty`,
  );
  return found.map((r) => r.i - 1);
}

/**
 * Writes one batch of goods: products and offers with their parameters, skipping unchanged goods.
 * A shop with no offers yet skips the probe for them (a tenth of a first import): all are new.
 */
export async function writeGoodsBatch(
  tx: Executor,
  shopId: number,
  batch: PreparedBatch,
): Promise<BatchResult> {
  let columns = batch.columns;
  if (!columns) {
    const stale = await staleGoods(tx, shopId, batch);
    if (stale.length === 0) return { created: 0, updated: 0 };
    columns = columnsOf(batch, stale);
  }
  const { ext, cat, name, model, price, rrc, qty, search, hash, param } = columns;

  // Lookups below go through LATERAL index probes: a batch must cost the same whatever the size
  // of the shop or of the catalog (a hash join would scan every product or offer per batch).
  await tx.execute(sql`insert into products (name, category_id)
    select distinct x.n, x.c from unnest(${p(name)}::text[], ${p(cat)}::int[]) x(n, c)
    order by 1, 2 on conflict (name, category_id) do nothing`);

  const upserted = await rows<{ inserted: boolean }>(
    tx,
    sql`with g as (
      select x.*, pr.id as product_id
      from unnest(${p(ext)}::bigint[], ${p(cat)}::int[], ${p(name)}::text[], ${p(model)}::text[],
                  ${p(price)}::int[], ${p(rrc)}::int[], ${p(qty)}::int[], ${p(search)}::text[],
                  ${p(hash)}::text[], ${p(param)}::jsonb[])
           x(ext, cat, name, model, price, rrc, qty, search, hash, params)
      cross join lateral (
        select pr.id from products pr where pr.name = x.name and pr.category_id = x.cat offset 0
      ) pr
    ), changed as (
      select g.* from g
      left join lateral (
        select o.id, o.product_id, o.category_id, o.model, o.price, o.price_rrc, o.quantity,
               o.withdrawn, o.search_text, o.content_hash, o.parameters
        from offers o where o.shop_id = ${shopId} and o.external_id = g.ext offset 0
      ) o on true
      where o.id is null
         or (o.product_id, o.category_id, o.model, o.price, o.price_rrc, o.quantity, o.withdrawn, o.search_text, o.content_hash, o.parameters)
            is distinct from (g.product_id, g.cat, g.model, g.price, g.rrc, g.qty, false, g.search, g.hash, g.params)
    )
    insert into offers as o (shop_id, product_id, category_id, external_id, model, price, price_rrc,
                             quantity, withdrawn, search_text, content_hash, parameters, updated_at)
    select ${shopId}, product_id, cat, ext, model, price, rrc, qty, false, search, hash, params, now()
    from changed order by ext
    on conflict (shop_id, external_id) do update set
      product_id = excluded.product_id, category_id = excluded.category_id, model = excluded.model,
      price = excluded.price, price_rrc = excluded.price_rrc, quantity = excluded.quantity,
      withdrawn = false, search_text = excluded.search_text, content_hash = excluded.content_hash,
      parameters = excluded.parameters, updated_at = now()
    returning (o.xmax = 0) as inserted`,
  );
  const created = upserted.filter((r) => r.inserted).length;
  return { created, updated: upserted.length - created };
}

/** Withdraws the shop's live offers that the new price list no longer names; returns how many. */
export async function withdrawMissing(
  tx: Executor,
  shopId: number,
  keep: number[],
): Promise<number> {
  const listed = intArray(keep);
  const [row] = await rows<{ n: number }>(
    tx,
    sql`with w as (
      update offers o set withdrawn = true, updated_at = now()
      where o.shop_id = ${shopId} and not o.withdrawn
        and not exists (select 1 from unnest(${p(listed)}::bigint[]) k(ext) where k.ext = o.external_id)
      returning 1
    ) select count(*)::int as n from w`,
  );
  return row?.n ?? 0;
}
