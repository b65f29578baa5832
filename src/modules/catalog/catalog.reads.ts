// The catalog's reads: pages of live offers (the offers as JSON written by PostgreSQL, with their
// ids first where a statement is planned on every run), exact counts, one offer, offers by id for
// carts and orders, categories and shops. Each hot statement is built once
// (platform/db/statements.ts): a named prepared statement, or for a search's pages, unless the
// service chose how to read its matches (SearchPath), one planned for its words on every run.
import {
  and,
  asc,
  count,
  desc,
  eq,
  gt,
  gte,
  lte,
  sql,
  type Placeholder,
  type SQL,
} from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import {
  paddedIntArray,
  planEachRun,
  preparedStatement,
  runPrepared,
} from '../../platform/db/statements.js';
import { galleriesJsonOf, galleryJsonOf } from '../media/index.js';
import { currentEpochs, epochOf, type EpochColumns } from './catalog.epoch.js';
import { RANKED_MATCHES, type OfferDto, type OfferFilters } from './catalog.schemas.js';
import {
  categories,
  OFFER_ID_BLOCK_BITS,
  offerIdBlock,
  offers,
  products,
  shops,
} from './catalog.tables.js';

// Live offers: not withdrawn, of a shop that takes orders. The literal `not withdrawn` (not a bound
// `= false`) lets the planner match the partial indexes declared with the same predicate. The shops
// that take orders are a list read once per run (an init plan), tested against the shop id that
// the offers' indexes carry: a join with `shops` cost more to plan and a lookup per offer (a deep
// category page, 2,000 offers walked: 0.51 ms against 0.34 ms).
const offerIsLive = sql`not ${offers.withdrawn}
  and ${offers.shopId} = any(array(select ${shops.id} from ${shops} where ${shops.state}))`;
const tsQuery = sql`websearch_to_tsquery('russian', ${sql.placeholder('search')})`;
// In a statement planned once the words are a parameter, and PostgreSQL would turn them into a
// query again for every offer it tests; as a subquery they are turned once per run. (In one planned
// for its words the call stays as it is: the planner reads the constant to estimate the matches.)
const tsQueryOnce = sql`(select ${tsQuery})`;
const textMatches = (words: SQL) => sql`${offers.searchVector} @@ ${words}`;
// Offers of a category whose name matches ("телевизор" finds the offers of "Телевизоры") match
// too, ranked below offers whose own text matches.
const categoryNameMatches = (words: SQL) =>
  sql`to_tsvector('russian', ${categories.name}) @@ ${words}`;

/** Which filters are given and the ordering: one prepared statement per shape. */
const shapeOf = (f: OfferFilters) =>
  [f.shop_id, f.category_id, f.price_min, f.price_max, f.search]
    .map((v) => (v === undefined ? '_' : 'x'))
    .join('') + `${f.in_stock ? 'stock' : ''}:${f.ordering ?? ''}`;

/** The values of a shape's placeholders. */
const valuesOf = (f: OfferFilters) => ({
  shop_id: f.shop_id,
  category_id: f.category_id,
  price_min: f.price_min,
  price_max: f.price_max,
  search: f.search,
});

/**
 * Only the conditions of the filters actually given: `($1 IS NULL OR ...)` would defeat the
 * indexes. Values are placeholders (see `valuesOf`). Not the search's words: a search's statements
 * find its own-text and category matches apart (see searchMatches).
 */
function offerConditions(f: OfferFilters): SQL | undefined {
  const c: (SQL | undefined)[] = [offerIsLive];
  if (f.shop_id !== undefined) c.push(eq(offers.shopId, sql.placeholder('shop_id')));
  if (f.category_id !== undefined) c.push(eq(offers.categoryId, sql.placeholder('category_id')));
  if (f.price_min !== undefined) c.push(gte(offers.price, sql.placeholder('price_min')));
  if (f.price_max !== undefined) c.push(lte(offers.price, sql.placeholder('price_max')));
  if (f.in_stock) c.push(sql`${offers.quantity} > 0`);
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
  return [asc(offers.id)];
}

/**
 * How a search finds its first matches. `walk`: live offers in the page's order, each tested
 * against the words, until enough match (a common word: its matches come early). `index`: every
 * match through the text index, then the first in order (a rare word). `range` (by id only): the
 * matches among the first `share` of the live offers' ids, through the text index, which carries
 * each offer's block of ids beside its words (offerIdBlock); read again with four times the share
 * when fewer than RANKED_MATCHES lay there and the range did not reach the last id. `walk` is for
 * ordered searches only (a range reads fewer offers than a walk by id). Undefined: PostgreSQL
 * plans the statement for the words on every run and picks a plan itself, which cost as much CPU
 * as running it.
 */
export type SearchPath = 'walk' | 'index' | IdRange;
export interface IdRange {
  share: number;
}

/** A path's name in its statement's name. */
const pathName = (path: SearchPath) => (typeof path === 'string' ? path : 'range');
/** The `share` placeholder's value: a range's, unused otherwise. */
const shareOf = (path?: SearchPath) => (typeof path === 'object' ? path.share : undefined);

/**
 * Reading a match through the text index costs about as much as walking this many offers in order
 * (heap reads out of order and a sort against a scan in order): 0.3 to 1.5 µs against 0.15 to
 * 0.17 µs, by how densely the matches lie, timed on the bench's catalogs of 100,000 and 1,000,000.
 */
const INDEX_READ_IN_WALKED_OFFERS = 6;

/**
 * How many ids a range passes in the text index for the cost of reading one match: 20 ns an id
 * against 1.7 µs a match, timed with pgbench on the bench's catalog of 1,000,000 offers.
 */
const RANGE_IDS_PER_INDEX_READ = 80;

/** A range is sized for this many times the matches wanted: they are not spread evenly. */
const RANGE_SLACK = 1.5;

/**
 * The cheaper path for a search with `matches` matches among `live` offers, to find its first
 * `wanted` in some order: a walk reads about wanted × live / matches offers, the index reads every
 * offer the words match (`read`: more than `matches` when other filters drop some).
 */
export function searchPathFor(
  matches: number,
  live: number,
  wanted = RANKED_MATCHES,
  read = matches,
): SearchPath {
  const walked = (wanted * live) / Math.max(matches, 1);
  return walked <= INDEX_READ_IN_WALKED_OFFERS * read ? 'walk' : 'index';
}

/**
 * The cheaper path to a search's first RANKED_MATCHES by id, with `matches` of `live` offers
 * matching and no other filter: a range reads whole blocks of ids in the index and the matches
 * among them, the index every match. (A walk by id is never cheaper than a range: it reads every
 * offer it passes.)
 */
export function rankedSearchPath(matches: number, live: number): 'index' | IdRange {
  const wanted = RANGE_SLACK * RANKED_MATCHES;
  const share = wanted / Math.max(matches, 1);
  const ids = share * live + 2 ** OFFER_ID_BLOCK_BITS;
  return share < 1 && ids / RANGE_IDS_PER_INDEX_READ + wanted < matches ? { share } : 'index';
}

/** The blocks of ids a range reads (see IdRange), first and last, and the live ids' last block. */
const blockBits = sql.raw(String(OFFER_ID_BLOCK_BITS));
const idRangeBlocks = sql`select lo >> ${blockBits} as first_block,
    (lo + ceil(${sql.placeholder('share')}::float8 * (hi - lo + 1)))::int >> ${blockBits} as last_block,
    hi >> ${blockBits} as live_end
  from (select min(${offers.id}) as lo, max(${offers.id}) as hi from ${offers}
        where not ${offers.withdrawn}) ids`;

/**
 * A search's matches by id after `after` (when given), at most `limit`, with whether an offer's own
 * text matches and its text vector (for the rank). The offers whose own text matches and those of a
 * category whose name matches are found apart, each through its own index: as one `or`, the
 * planner could not tell how many the category part holds and walked every offer. `path` fixes how
 * the own-text part is found (SearchPath; a range reads the blocks of a `blocks` CTE): `offset 0`
 * keeps PostgreSQL from folding the inner query into the outer one, so every match in the index or
 * the range is read before the order.
 */
function searchMatches(
  filters: OfferFilters,
  limit: SQL | Placeholder,
  { after, path }: { after?: Placeholder; path?: 'index' | IdRange } = {},
) {
  const words = path ? tsQueryOnce : tsQuery;
  const matches = textMatches(words);
  const others = and(offerConditions(filters), after && gt(offers.id, after));
  const fields = sql`${offers.id} as id, ${offers.searchVector} as vector`;
  const inRange =
    path === undefined || path === 'index'
      ? sql``
      : sql`and ${offerIdBlock(offers.id)}
          && array(select generate_series(first_block, last_block) from blocks)`;
  const own = path
    ? sql`select id, vector, true as own from (
        select ${fields} from ${offers} where ${others} and ${matches} ${inRange} offset 0) o
      order by id limit ${limit}`
    : sql`select ${fields}, true as own from ${offers} where ${others} and ${matches}
      order by ${offers.id} limit ${limit}`;
  // Each matching category's first offers, by id, from the category index alone: asked for their
  // text vectors too, PostgreSQL reckoned a category a twentieth of the offers and walked them all
  // by id instead (a category of three offers: 330 ms at a million). The vectors come after.
  const byCategory = sql`select o.id, ${offers.searchVector} as vector, false as own
    from ${categories} cross join lateral (
      select ${offers.id} as id from ${offers}
      where ${offers.categoryId} = ${categories.id} and ${others}
      order by ${offers.id} limit ${limit}) o
    join ${offers} on ${offers.id} = o.id
    where ${categoryNameMatches(words)}`;
  // Own text first when an offer matches both ways.
  return sql`select distinct on (id) id, own, vector from ((${own}) union all (${byCategory})) m
    order by id, own desc limit ${limit}`;
}

/**
 * A search's first RANKED_MATCHES matches by id, ranked, the last id among them, and whether they
 * are all there: a range may have held too few. They are when RANKED_MATCHES were found before the
 * range's end (own-text matches past it come later by id), or when the range reached the last id.
 * With a `path` (a plan kept), also the page's offers among them as JSON (see pageSelect).
 */
function rankedMatches(filters: OfferFilters, path?: 'index' | IdRange) {
  // A constant, so that a plan made once knows how few rows each part is asked for.
  const first = sql.raw(String(RANKED_MATCHES));
  const range = typeof path === 'object';
  const complete = range
    ? sql`(select count(*) = ${first} and max(id) < ((select last_block from blocks) + 1) << ${blockBits}
           from candidates) or (select coalesce(last_block >= live_end, true) from blocks)`
    : sql`true`;
  const offset = sql`${sql.placeholder('offset')}::int`;
  const page = sql`ranked.ids[${offset} + 1 : ${offset} + ${sql.placeholder('limit')}::int]`;
  // Not written for an incomplete range, which is read again.
  const json = path
    ? sql`, case when ranked.complete then ${offersJsonIn(page)} end as json`
    : sql``;
  return sql`with ${range ? sql`blocks as (${idRangeBlocks}),` : sql``}
    candidates as materialized (${searchMatches(filters, first, { path })}),
    ranked as (select array(select id from candidates
      order by own desc, ts_rank(vector, ${path ? tsQueryOnce : tsQuery}) desc, id) as ids,
      ${complete} as complete)
    select ${currentEpochs}, ranked.ids, (select max(id) from candidates) as last,
      ranked.complete${json}
    from ranked`;
}

/** A page of the matches after the id `after`, by id (the pages past a search's ranked matches). */
function matchesAfter(filters: OfferFilters) {
  const window = sql.placeholder('window');
  const after = sql.placeholder('after');
  return sql`select array(select id from (${searchMatches(filters, window, { after })}) m
      order by id limit ${sql.placeholder('limit')} offset ${sql.placeholder('offset')}) as ids`;
}

/**
 * Whether one index walks a page's offers in its order, whatever its filters' values: by id, the
 * id index alone or under a category or a shop; by price, the price index alone or under a
 * category, a price range included. (By id within a price range PostgreSQL may prefer the price
 * index and a sort of every offer in the range.)
 */
export function indexWalksInOrder(f: OfferFilters) {
  const priceRange = f.price_min !== undefined || f.price_max !== undefined;
  if (f.ordering === undefined) {
    return !priceRange && (f.category_id === undefined || f.shop_id === undefined);
  }
  return (f.ordering === 'price' || f.ordering === '-price') && f.shop_id === undefined;
}

/**
 * The ids of one page of live offers, in order (a subquery of the page statement), and whether
 * PostgreSQL keeps one plan for it (planning cost three times the page's execution). The first
 * page of a size has its LIMIT written out and no OFFSET: nothing is left that the planner can only
 * guess at. Later pages that one index walks in order (indexWalksInOrder) read LIMIT and OFFSET
 * from subqueries, which the planner cannot look into for any values, so the plan it makes once is
 * the walk it would make for each. Other later pages take them as parameters and are planned on
 * every call: without knowing how few offers are wanted, a plan may read and sort them all (by
 * name, page 100 at 100,000 offers: 83 ms against 5 ms; by id in a price range, 16 ms against 0.2).
 */
function livePageIds(db: Executor, filters: OfferFilters, firstPageOf?: number) {
  let page = db.select({ id: offers.id }).from(offers).$dynamic();
  const where = [offerConditions(filters)];
  if (filters.ordering === 'name' || filters.ordering === '-name') {
    page = page.innerJoin(products, eq(products.id, offers.productId));
    // The same category said of the product lets the planner walk (category_id, name) in order.
    if (filters.category_id !== undefined) {
      where.push(eq(products.categoryId, sql.placeholder('category_id')));
    }
  }
  const ordered = page.where(and(...where)).orderBy(...offerOrder(filters));
  const [limit, offset] = [sql.placeholder('limit'), sql.placeholder('offset')];
  if (firstPageOf !== undefined) {
    return { ids: sql`${ordered} limit ${sql.raw(String(firstPageOf))}`, planKept: true };
  }
  if (!indexWalksInOrder(filters)) {
    return { ids: sql`${ordered.limit(limit).offset(offset)}`, planKept: false };
  }
  const window = sql`limit (select ${limit}::int) offset (select ${offset}::int)`;
  return { ids: sql`${ordered} ${window}`, planKept: true };
}

/**
 * An offer as JSON: the same fields, in the same order, as `offerSchema` (the page test compares
 * every result of a list with the zod-serialized `GET /products/{id}/`), over `offers` joined with
 * its product, category and shop. `quantity`: the stock to show, when the statement changes it.
 */
export const offerJsonWith = (
  quantity: SQL | typeof offers.quantity,
  images: SQL = galleryJsonOf(offers.id),
) => sql`json_build_object(
  'id', ${offers.id}, 'external_id', ${offers.externalId}, 'model', ${offers.model},
  'product', json_build_object('id', ${products.id}, 'name', ${products.name},
    'category', json_build_object('id', ${categories.id}, 'name', ${categories.name})),
  'shop', json_build_object('id', ${shops.id}, 'name', ${shops.name}),
  'quantity', ${quantity}, 'price', ${offers.price}, 'price_rrc', ${offers.priceRrc},
  'parameters', ${offers.parameters}, 'images', ${images})`;
const offerJson = offerJsonWith(offers.quantity);
/** What `offerJsonWith` reads besides `offers`: written after `offers` in a FROM list. */
export const offerJsonJoins = sql`join ${products} on ${products.id} = ${offers.productId}
  join ${categories} on ${categories.id} = ${offers.categoryId}
  join ${shops} on ${shops.id} = ${offers.shopId}`;

/**
 * The offers `ids` (an int[] expression) as a JSON array (text) of `offerSchema` objects, in order,
 * their galleries read for all of them at once.
 */
const offersJsonIn = (ids: SQL) => sql`(
  with page as (select id, ord from unnest(${ids}) with ordinality as page(id, ord))
  select coalesce(json_agg(
    ${offerJsonWith(offers.quantity, sql`coalesce(galleries.gallery, '[]'::json)`)}
    order by page.ord), '[]')::text
  from page join ${offers} on ${offers.id} = page.id ${offerJsonJoins}
  left join (${galleriesJsonOf(sql`select id from page`)}) galleries
    on galleries.offer_id = ${offers.id})`;

/**
 * The offer `id` (an expression of another module's statement, which must not itself read
 * `offers`) as JSON text, `offerSchema`'s: a cart's answer comes with the statement that changed
 * its lines instead of one more round trip.
 */
export const offerJsonOf = (id: SQL) =>
  sql`(select ${offerJson}::text from ${offers} ${offerJsonJoins} where ${offers.id} = ${id})`;

/** A page statement's row: the offers as JSON when the statement wrote it (see pageSelect), else their ids. */
interface PageRow extends EpochColumns {
  json?: string | null;
  ids?: number[] | null;
}

/**
 * The SELECT of a page statement whose offers are `ids`, an int[] expression in the page's order.
 * A statement whose plan is kept writes the offers' JSON too, one round trip for the page (the
 * API's CPU went mostly to the socket writes of its statements). One planned on every run answers
 * the ids, and the JSON comes from a second statement that keeps its plan (`offersJsonByIds`), so
 * that PostgreSQL does not plan the JSON's joins again every time.
 */
const pageSelect = (ids: SQL, planKept: boolean) =>
  planKept
    ? sql`select ${currentEpochs}, ${offersJsonIn(ids)} as json`
    : sql`select ${currentEpochs}, ${ids} as ids`;

/** A page row's offers as JSON: its own, or read by its ids. */
const pageJson = async (db: Executor, row: PageRow) =>
  row.json ?? offersJsonByIds(db, (row.ids ?? []).map(Number));

/** A page of live offers (see liveOffersPage). */
export interface LivePage {
  /** A JSON array (text) of `offerSchema` objects. */
  json: string;
  /** The list's epoch the page's statement saw (`epochOf`, catalog.epoch.ts). */
  epoch: number;
  /** A search by relevance's ranked matches (rankedMatches), which hold while the epoch does. */
  ranked?: number[];
}

/**
 * One page of live offers as a JSON array (text) of `offerSchema` objects, and the list's epoch
 * its statement saw (`epochOf`): under one epoch the list has the same count, and a search the
 * same ranked matches. A later page by name (see livePageIds) and a search without a
 * `path` are planned by PostgreSQL on every call.
 */
export async function liveOffersPage(
  db: Executor,
  filters: OfferFilters,
  limit: number,
  offset: number,
  searchPath?: SearchPath,
): Promise<LivePage> {
  if (filters.search && !filters.ordering) {
    if (searchPath === 'walk') throw new Error('a search by relevance reads a range, not a walk');
    return searchPage(db, filters, limit, offset, searchPath);
  }
  if (typeof searchPath === 'object') throw new Error('only a search by id reads a range of ids');
  const first = offset === 0 ? limit : undefined;
  const statement = filters.search
    ? searchStatement(db, `catalog_search_ordered_${shapeOf(filters)}`, searchPath, () =>
        pageSelect(orderedSearchPageIds(filters, searchPath), !!searchPath),
      )
    : preparedStatement(
        db,
        `catalog_page_${shapeOf(filters)}${first === undefined ? '' : `_first_${first}`}`,
        () => {
          const { ids, planKept } = livePageIds(db, filters, first);
          return pageSelect(sql`array(${ids})`, planKept);
        },
      );
  const [row] = await runPrepared<PageRow>(statement, { ...valuesOf(filters), limit, offset });
  return { json: await pageJson(db, row!), epoch: epochOf(filters.in_stock, row!) };
}

/**
 * A search's statement: with a `path` (SearchPath), named and planned once for that path; without,
 * planned by PostgreSQL for its words on every run.
 */
const searchStatement = (
  db: Executor,
  name: string,
  path: SearchPath | undefined,
  build: () => SQL,
) =>
  path ? preparedStatement(db, `${name}_${pathName(path)}`, build) : planEachRun(db, name, build);

/**
 * The ids of one page of a search by price or name: the offers whose own text matches and each matching
 * category's offers, found apart (see searchMatches), each part in that order up to the page's
 * end, then merged. As one `or`, a word naming a category of three offers walked a million offers
 * by price (3 s). `path` fixes how the own-text part is found, as in searchMatches; without it
 * PostgreSQL plans for the words, and may walk the whole order for a word that matches nothing.
 */
function orderedSearchPageIds(filters: OfferFilters, path?: 'walk' | 'index') {
  const byName = filters.ordering === 'name' || filters.ordering === '-name';
  const key = byName ? products.name : offers.price;
  const direction = sql.raw(filters.ordering!.startsWith('-') ? 'desc' : 'asc');
  const others = offerConditions(filters);
  const from = byName
    ? sql`${offers} join ${products} on ${products.id} = ${offers.productId}`
    : sql`${offers}`;
  const end = sql`${sql.placeholder('limit')}::int + ${sql.placeholder('offset')}::int`;
  const fields = sql`${offers.id} as id, ${key} as key`;
  const ordered = sql`order by ${key} ${direction}, ${offers.id}`;
  const words = path ? tsQueryOnce : tsQuery;
  const vector = sql`${offers.searchVector} as vector`;
  const own =
    path === 'walk'
      ? sql`select id, key from (
          select ${fields}, ${vector} from ${from} where ${others} ${ordered} offset 0) o
        where vector @@ ${words} order by key ${direction}, id limit ${end}`
      : path === 'index'
        ? sql`select id, key from (
            select ${fields} from ${from} where ${others} and ${textMatches(words)} offset 0) o
          order by key ${direction}, id limit ${end}`
        : sql`select ${fields} from ${from} where ${others} and ${textMatches(words)}
            ${ordered} limit ${end}`;
  // The same category said of the product lets the planner walk (category_id, name) in order.
  const sameCategory = byName ? sql`and ${products.categoryId} = ${categories.id}` : sql``;
  const byCategory = sql`select o.id, o.key from ${categories} cross join lateral (
      select ${fields} from ${from}
      where ${offers.categoryId} = ${categories.id} ${sameCategory} and ${others}
      ${ordered} limit ${end}) o
    where ${categoryNameMatches(words)}`;
  return sql`array(select id from ((${own}) union (${byCategory})) m
      order by key ${direction}, id
      limit ${sql.placeholder('limit')} offset ${sql.placeholder('offset')})`;
}

/**
 * One page of a search by relevance (see RANKED_MATCHES): one statement with its offers when it has
 * a `path` (its plan made once, see SearchPath), else two; three past the ranked.
 */
async function searchPage(
  db: Executor,
  filters: OfferFilters,
  limit: number,
  offset: number,
  path?: 'index' | IdRange,
): Promise<LivePage> {
  type Ranked = PageRow & { ids: number[]; last: number | null; complete: boolean };
  let row: Ranked | undefined;
  for (let read = path; !row?.complete;) {
    if (row) {
      // Too few matches lay in the range (see rankedMatches): four times as many ids, or every
      // match once that would be most of them.
      const share = (read as IdRange).share * 4;
      read = share < 1 ? { share } : 'index';
    }
    const ranked = searchStatement(db, `catalog_search_ranked_${shapeOf(filters)}`, read, () =>
      rankedMatches(filters, read),
    );
    const values = { ...valuesOf(filters), share: shareOf(read), limit, offset };
    [row] = await runPrepared<Ranked>(ranked, values);
  }
  const epoch = epochOf(filters.in_stock, row!);
  const ranked = row!.ids.map(Number);
  const ids = ranked.slice(offset, offset + limit);
  if (ids.length === limit || ranked.length < RANKED_MATCHES) {
    return { json: await pageJson(db, { ...row!, ids }), epoch, ranked };
  }
  const after = planEachRun(db, `catalog_search_after_${shapeOf(filters)}`, () =>
    matchesAfter(filters),
  );
  const restOffset = Math.max(0, offset - RANKED_MATCHES);
  const restLimit = limit - ids.length;
  const [rest] = await runPrepared<{ ids: number[] }>(after, {
    ...valuesOf(filters),
    after: row!.last,
    window: restOffset + restLimit,
    limit: restLimit,
    offset: restOffset,
  });
  return { json: await offersJsonByIds(db, [...ids, ...rest!.ids.map(Number)]), epoch, ranked };
}

/**
 * Offers as a finished JSON array (text) of `offerSchema` objects in the order of `ids`, with
 * product, category, shop, parameters and pictures (the media module's `galleriesJsonOf`), and the
 * catalog epoch the statement saw: one statement whatever their number. PostgreSQL writes the
 * JSON, so the API neither parses rows nor serializes objects, which was most of a page's CPU in
 * the API process; `::text` keeps the driver from parsing it. The epoch (of an `in_stock=true` list
 * when `inStock`) tells whether a search's ranked matches kept under an epoch (catalog.service.ts)
 * still hold for this page.
 */
export async function offersPageByIds(
  db: Executor,
  ids: readonly number[],
  inStock?: boolean,
): Promise<LivePage> {
  const statement = preparedStatement(db, 'catalog_offers_json', () =>
    pageSelect(sql`${sql.placeholder('ids')}::int[]`, true),
  );
  // A text array literal works the same on node-postgres and PGlite.
  const [row] = await runPrepared<PageRow>(statement, { ids: paddedIntArray(ids) });
  return { json: row!.json!, epoch: epochOf(inStock, row!) };
}

/** `offersPageByIds`'s offers alone. */
export async function offersJsonByIds(db: Executor, ids: readonly number[]): Promise<string> {
  return ids.length === 0 ? '[]' : (await offersPageByIds(db, ids)).json;
}

/**
 * Offers with product, category, shop, parameters and pictures in one query whatever their
 * number, in the order of `ids` (ids that do not exist are skipped): the JSON of
 * `offersJsonByIds`, parsed.
 */
export async function findOffersByIds(db: Executor, ids: readonly number[]): Promise<OfferDto[]> {
  return JSON.parse(await offersJsonByIds(db, ids)) as OfferDto[];
}

/**
 * How many live offers a search's words match: those whose own text matches (through the text
 * index) and those of a matching category whose text does not (through the category index). As one
 * `or`, the planner could not tell how many the category part holds and read every offer (300 ms
 * at a million offers, for any word).
 */
function searchCounts(filters: OfferFilters) {
  const others = offerConditions(filters);
  const own = textMatches(tsQueryOnce);
  return sql`select (select count(*) from ${offers} where ${others} and ${own}) as own,
    (select count(*) from ${categories} join ${offers} on ${offers.categoryId} = ${categories.id}
     where ${categoryNameMatches(tsQueryOnce)} and ${others} and not (${own})) as by_category`;
}

/**
 * How many live offers match, and the catalog epoch the count was taken in; for a search, also how
 * many of them match by their own text (what the text index reads, see SearchPath).
 */
export async function countLiveOffers(
  db: Executor,
  filters: OfferFilters,
): Promise<{ count: number; ownText?: number; epoch: number }> {
  const statement = preparedStatement(db, `catalog_count_${shapeOf(filters)}`, () =>
    filters.search
      ? sql`select (c.own + c.by_category)::int as n, c.own::int as own, ${currentEpochs}
          from (${searchCounts(filters)}) c`
      : sql`select count(*)::int as n, ${currentEpochs}
          from ${offers} where ${offerConditions(filters)}`,
  );
  const [row] = await runPrepared<{ n: number; own?: number } & EpochColumns>(
    statement,
    valuesOf(filters),
  );
  return { count: row!.n, ownText: row!.own, epoch: epochOf(filters.in_stock, row!) };
}

/** The id if that offer is live (shown in the catalog), else undefined. */
export async function findLiveOfferId(db: Executor, id: number): Promise<number | undefined> {
  const [row] = await db
    .select({ id: offers.id })
    .from(offers)
    .where(and(eq(offers.id, id), offerIsLive));
  return row?.id;
}

const hasLiveOffer = sql`exists (
  select 1 from ${offers}
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
