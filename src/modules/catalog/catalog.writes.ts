// The bulk writes of a price-list import, set-based (DESIGN.md "Bulk writes"): arrays through
// unnest, thousands of rows per statement, and only rows whose data changed are touched. Every
// lookup is a LATERAL index probe, so a batch costs the same whatever the size of the catalog.
import { createHash } from 'node:crypto';
import { sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';

const p = (value: unknown) => sql.param(value);

const byName = (a: [string, string], b: [string, string]) =>
  a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
const sortedValues = (params: [string, string][]) => [...params].sort(byName).map(([, v]) => v);

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

/** A checked price list (the format of shared/data/shop1.yaml). */
export interface PriceList {
  shop: string;
  categories: PriceListCategory[];
  goods: PriceListGood[];
}

async function rows<T>(db: Executor, query: SQL): Promise<T[]> {
  return ((await db.execute(query)) as unknown as { rows: T[] }).rows;
}

/** Imports of one account run one at a time; the lock ends with the transaction. */
export async function beginImport(tx: Executor, userId: number): Promise<void> {
  await tx.execute(
    sql`select pg_advisory_xact_lock(hashtext('price-list-import'), ${userId}::int)`,
  );
  // Batches of 80,000 parameter rows sort and hash in memory instead of spilling to disk.
  await tx.execute(sql`set local work_mem = '64MB'`);
  // Batch statements are estimated costly (thousands of unnest rows), so PostgreSQL would JIT-compile
  // each one: measured ~330 ms of compiling for a 390 ms statement, on every batch.
  await tx.execute(sql`set local jit = off`);
}

/** Shared categories by name, and this shop's own ids for them; returns shop id → category id. */
export async function syncCategories(
  tx: Executor,
  shopId: number,
  list: PriceListCategory[],
): Promise<Map<number, number>> {
  const names = list.map((c) => c.name);
  // Sorted inserts keep two concurrent imports from deadlocking on the unique index.
  await tx.execute(sql`insert into categories (name)
    select n from unnest(${p(names)}::text[]) n order by n on conflict (name) do nothing`);
  const found = await rows<{ id: number; name: string }>(
    tx,
    sql`select id, name from categories where name = any(${p(names)}::text[])`,
  );
  const idByName = new Map(found.map((r) => [r.name, r.id]));
  const ext = list.map((c) => c.id);
  const cat = list.map((c) => idByName.get(c.name)!);
  await tx.execute(sql`delete from shop_categories sc where sc.shop_id = ${shopId}
    and not exists (select 1 from unnest(${p(cat)}::int[], ${p(ext)}::bigint[]) x(c, e)
                    where x.c = sc.category_id and x.e = sc.external_id)`);
  await tx.execute(sql`insert into shop_categories (shop_id, category_id, external_id)
    select ${shopId}, c, e from unnest(${p(cat)}::int[], ${p(ext)}::bigint[]) x(c, e)
    on conflict do nothing`);
  return new Map(list.map((c) => [c.id, idByName.get(c.name)!]));
}

export async function insertParameterNames(tx: Executor, names: string[]): Promise<void> {
  await tx.execute(sql`insert into parameters (name)
    select n from unnest(${p(names)}::text[]) n order by n on conflict (name) do nothing`);
}

export interface BatchResult {
  /** Offers created by this batch. */
  created: number[];
  /** Offers whose row or parameters changed (may include created ones). */
  changed: number[];
}

/**
 * What the price list says of a good, as a digest: same data (parameters in any order) → same
 * digest. The shared category id is part of it, so a renamed category moves the good.
 */
function contentHash(g: PriceListGood, categoryId: number): string {
  const params = [...g.parameters].sort(byName);
  const h = createHash('md5');
  h.update(JSON.stringify([categoryId, g.name, g.model, g.price, g.price_rrc, g.quantity, params]));
  return h.digest('base64');
}

/** Writes one batch of goods: products, offers and their parameters, skipping unchanged goods. */
export async function writeGoodsBatch(
  tx: Executor,
  shopId: number,
  batch: PriceListGood[],
  categoryOf: Map<number, number>,
): Promise<BatchResult> {
  const hashes = batch.map((g) => contentHash(g, categoryOf.get(g.category)!));
  // One index probe per good: only new, changed or withdrawn offers go on to the writes below.
  // Orders and cancels move the stock without touching the digest, so the stock is compared too:
  // after an import every offer holds what the file says.
  const stale = await rows<{ i: number }>(
    tx,
    sql`select x.i::int as i
      from unnest(${p(batch.map((g) => g.id))}::bigint[], ${p(hashes)}::text[],
                  ${p(batch.map((g) => g.quantity))}::int[]) with ordinality x(ext, h, qty, i)
      left join lateral (
        select o.content_hash, o.withdrawn, o.quantity from offers o
        where o.shop_id = ${shopId} and o.external_id = x.ext offset 0
      ) o on true
      where o.content_hash is distinct from x.h or o.withdrawn or o.quantity is distinct from x.qty`,
  );
  if (stale.length === 0) return { created: [], changed: [] };
  const goods = stale.map((r) => batch[r.i - 1]!);
  const hash = stale.map((r) => hashes[r.i - 1]!);
  const ext = goods.map((g) => g.id);
  const cat = goods.map((g) => categoryOf.get(g.category)!);
  const name = goods.map((g) => g.name);
  const model = goods.map((g) => g.model);
  const price = goods.map((g) => g.price);
  const rrc = goods.map((g) => g.price_rrc);
  const qty = goods.map((g) => g.quantity);
  // Values in parameter-name order, so the same list in another order reads as unchanged.
  const search = goods.map((g) => [g.name, g.model, ...sortedValues(g.parameters)].join(' '));

  // Lookups below go through LATERAL index probes: a batch must cost the same whatever the size
  // of the shop or of the catalog (a hash join would scan every product or offer per batch).
  await tx.execute(sql`insert into products (name, category_id)
    select distinct x.n, x.c from unnest(${p(name)}::text[], ${p(cat)}::int[]) x(n, c)
    order by 1, 2 on conflict (name, category_id) do nothing`);

  const upserted = await rows<{ id: number; ext: string | number; inserted: boolean }>(
    tx,
    sql`with g as (
      select x.*, pr.id as product_id
      from unnest(${p(ext)}::bigint[], ${p(cat)}::int[], ${p(name)}::text[], ${p(model)}::text[],
                  ${p(price)}::int[], ${p(rrc)}::int[], ${p(qty)}::int[], ${p(search)}::text[],
                  ${p(hash)}::text[])
           x(ext, cat, name, model, price, rrc, qty, search, hash)
      cross join lateral (
        select pr.id from products pr where pr.name = x.name and pr.category_id = x.cat offset 0
      ) pr
    ), changed as (
      select g.* from g
      left join lateral (
        select o.id, o.product_id, o.category_id, o.model, o.price, o.price_rrc, o.quantity,
               o.withdrawn, o.search_text, o.content_hash
        from offers o where o.shop_id = ${shopId} and o.external_id = g.ext offset 0
      ) o on true
      where o.id is null
         or (o.product_id, o.category_id, o.model, o.price, o.price_rrc, o.quantity, o.withdrawn, o.search_text, o.content_hash)
            is distinct from (g.product_id, g.cat, g.model, g.price, g.rrc, g.qty, false, g.search, g.hash)
    )
    insert into offers as o (shop_id, product_id, category_id, external_id, model, price, price_rrc,
                             quantity, withdrawn, search_text, content_hash, updated_at)
    select ${shopId}, product_id, cat, ext, model, price, rrc, qty, false, search, hash, now()
    from changed order by ext
    on conflict (shop_id, external_id) do update set
      product_id = excluded.product_id, category_id = excluded.category_id, model = excluded.model,
      price = excluded.price, price_rrc = excluded.price_rrc, quantity = excluded.quantity,
      withdrawn = false, search_text = excluded.search_text, content_hash = excluded.content_hash,
      updated_at = now()
    returning o.id, o.external_id as ext, (o.xmax = 0) as inserted`,
  );

  // Every stale good differs in its digest or was withdrawn, so the upsert above returned all of
  // them; the lookup is only a safety net. `offset 0` keeps the LATERAL probe an index probe.
  const idRows =
    upserted.length === goods.length
      ? upserted
      : await rows<{ id: number; ext: string | number }>(
          tx,
          sql`select o.id, o.external_id as ext from unnest(${p(ext)}::bigint[]) e(ext)
            cross join lateral (
              select o.id, o.external_id from offers o
              where o.shop_id = ${shopId} and o.external_id = e.ext offset 0
            ) o`,
        );
  const idOf = new Map(idRows.map((r) => [Number(r.ext), r.id]));
  const ids = idRows.map((r) => r.id);
  const pOffer: number[] = [];
  const pName: string[] = [];
  const pValue: string[] = [];
  for (const g of goods) {
    const id = idOf.get(g.id)!;
    for (const [n, v] of g.parameters) {
      pOffer.push(id);
      pName.push(n);
      pValue.push(v);
    }
  }
  const paramChanged = await rows<{ offer_id: number }>(
    tx,
    sql`with names as materialized (
      select pa.id, pa.name from parameters pa where pa.name = any(${p([...new Set(pName)])}::text[])
    ), n as materialized (
      select x.offer_id, pa.id as parameter_id, x.value
      from unnest(${p(pOffer)}::int[], ${p(pName)}::text[], ${p(pValue)}::text[]) x(offer_id, name, value)
      join names pa on pa.name = x.name
    ), cur as materialized (
      -- Only this batch's current values, by index probes: the table holds every shop's, and with
      -- the statistics of before a big import, "offer_id = any(...)" was planned as a scan of the
      -- whole table per batch (first 100,000-goods import: 21 s of 40 in this statement).
      select op.tid, op.offer_id, op.parameter_id, op.value from unnest(${p(ids)}::int[]) i(id)
      cross join lateral (
        select op.ctid as tid, op.offer_id, op.parameter_id, op.value from offer_parameters op
        where op.offer_id = i.id offset 0
      ) op
    ), d as (
      delete from offer_parameters op
      where op.ctid = any(array(
        select cur.tid from cur
        where not exists (select 1 from n where n.offer_id = cur.offer_id and n.parameter_id = cur.parameter_id)))
      returning op.offer_id
    ), u as (
      insert into offer_parameters as op (offer_id, parameter_id, value)
      select n.offer_id, n.parameter_id, n.value from n
      left join cur on cur.offer_id = n.offer_id and cur.parameter_id = n.parameter_id
      where cur.value is distinct from n.value
      order by 1, 2
      on conflict (offer_id, parameter_id) do update set value = excluded.value
      returning op.offer_id
    )
    select offer_id from d union select offer_id from u`,
  );

  return {
    created: upserted.filter((r) => r.inserted).map((r) => r.id),
    changed: [...upserted.map((r) => r.id), ...paramChanged.map((r) => r.offer_id)],
  };
}

/** Withdraws the shop's live offers that the new price list no longer names; returns how many. */
export async function withdrawMissing(
  tx: Executor,
  shopId: number,
  keep: number[],
): Promise<number> {
  const [row] = await rows<{ n: number }>(
    tx,
    sql`with w as (
      update offers o set withdrawn = true, updated_at = now()
      where o.shop_id = ${shopId} and not o.withdrawn
        and not exists (select 1 from unnest(${p(keep)}::bigint[]) k(ext) where k.ext = o.external_id)
      returning 1
    ) select count(*)::int as n from w`,
  );
  return row?.n ?? 0;
}
