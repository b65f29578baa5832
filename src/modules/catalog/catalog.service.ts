// The catalog's operations: public reads, a shop's price-list import and order taking, and the
// invalidation of cached reads after any commit that changed what the catalog shows.
import type { FastifyBaseLogger } from 'fastify';
import { LRUCache } from 'lru-cache';
import type { Cache } from '../../platform/cache.js';
import type { Db } from '../../platform/db/client.js';
import type { ImportMetrics } from '../../platform/metrics.js';
import { problem } from '../../platform/problems.js';
import { dropCachedCatalog } from './catalog.cache.js';
import { bumpCatalogEpoch } from './catalog.epoch.js';
import { importPriceList, type Progress } from './catalog.import.js';
import * as reads from './catalog.reads.js';
import { RANKED_MATCHES, type OfferDto, type OfferFilters } from './catalog.schemas.js';
import * as shops from './catalog.shops.js';
import { createStaffShops } from './catalog.staff.js';
import type { PriceList } from './catalog.writes.js';

export type CatalogService = ReturnType<typeof createCatalogService>;

export interface CatalogDeps {
  db: Db;
  /** Where cached catalog reads live (see catalog.cache.ts); dropped after every change. */
  cache: Cache;
  log: FastifyBaseLogger;
  /** Counts imports with their duration and the goods they wrote (Prometheus). */
  imports: ImportMetrics;
  /**
   * Reuse of list counts and of searches' ranked matches under the catalog epoch (default on);
   * `false` counts and ranks every time.
   */
  epochReuse?: boolean;
}

interface CountEntry {
  count: number;
  /** Of a search's matches, those whose own text matches. */
  ownText?: number;
  epoch: number;
}

/** The filters that decide a count, in a fixed order (the ordering does not change it). */
const countKey = (f: OfferFilters) =>
  JSON.stringify([f.shop_id, f.category_id, f.price_min, f.price_max, !!f.in_stock, f.search]);

/**
 * Counting every live offer scans 100,000 index entries (about 28 ms here), far more than the
 * page itself (0.2 ms). So a count is kept with the catalog epoch it was taken under and reused
 * while pages see the same epoch: no change that could alter a count has committed since (orders
 * that only move stock between other numbers do not bump it, and stock reaching zero only moves
 * the epoch of `in_stock=true` lists: catalog.epoch.ts), so it is still exact. Concurrent misses
 * of one list share one count query.
 */
function createCountCache(db: Db, enabled: boolean) {
  if (!enabled) {
    const count = async (filters: OfferFilters, _pageEpoch?: number) =>
      (await reads.countLiveOffers(db, filters)).count;
    return { count, estimate: (filters: OfferFilters) => reads.countLiveOffers(db, filters) };
  }
  const cache = new LRUCache<string, CountEntry>({ max: 1000 });
  const inFlight = new Map<string, Promise<CountEntry>>();
  /** The count under the page's epoch `pageEpoch`; without one, a new count (shared while it runs). */
  const entry = async (filters: OfferFilters, pageEpoch?: number): Promise<CountEntry> => {
    const key = countKey(filters);
    const hit = cache.get(key);
    if (hit && hit.epoch === pageEpoch) return hit;
    const flightKey = `${key}@${pageEpoch ?? 'any'}`;
    let flight = inFlight.get(flightKey);
    if (!flight) {
      flight = reads
        .countLiveOffers(db, filters)
        .then((entry) => {
          // A count taken under a later epoch than the page's is kept for the pages to come.
          if (!cache.get(key) || cache.get(key)!.epoch <= entry.epoch) cache.set(key, entry);
          return entry;
        })
        .finally(() => inFlight.delete(flightKey));
      inFlight.set(flightKey, flight);
    }
    return flight;
  };
  const count = async (filters: OfferFilters, pageEpoch: number) =>
    (await entry(filters, pageEpoch)).count;
  /** The last count taken, under whatever epoch, or a new one: to choose how to read a page. */
  const estimate = async (filters: OfferFilters) => cache.get(countKey(filters)) ?? entry(filters);
  return { count, estimate };
}

interface RankedEntry {
  ids: number[];
  epoch: number;
}

/**
 * A search by relevance's ranked matches (reads.rankedMatches: the first RANKED_MATCHES by id, in
 * rank order), kept with the epoch they were read under, as counts are: every change that can
 * alter which offers a search matches or how they rank (an import that changed offers, a shop
 * switched on or off, and for `in_stock=true`, stock reaching zero or coming back) bumps the epoch
 * in its own transaction.
 * A page among them is then one statement, its offers by id, whose epoch tells whether they still
 * hold; if it moved on, the search runs again. Ranking was most of a search's cost: every match's
 * row read (500 at 100,000 offers, 2 ms) for 20 shown.
 */
function createRankedCache(enabled: boolean) {
  const cache = new LRUCache<string, RankedEntry>({ max: 1000 });
  const byRelevance = (f: OfferFilters) => enabled && !!f.search && !f.ordering;
  return {
    /** The ids of the page at `offset`, when the kept ranked matches hold all of it. */
    pageOf(filters: OfferFilters, limit: number, offset: number) {
      const hit = byRelevance(filters) ? cache.get(countKey(filters)) : undefined;
      if (!hit || (offset + limit > hit.ids.length && hit.ids.length === RANKED_MATCHES)) return;
      return { ids: hit.ids.slice(offset, offset + limit), epoch: hit.epoch };
    },
    keep(filters: OfferFilters, ids: number[], epoch: number) {
      const key = countKey(filters);
      if (byRelevance(filters) && (cache.get(key)?.epoch ?? -1) <= epoch)
        cache.set(key, { ids, epoch });
    },
  };
}

const noShop = () => problem.notFound('Shop (import a price list first) not found.');
const stateDto = (s: shops.ShopRow) => ({ id: s.id, name: s.name, state: s.state });

export function createCatalogService({ db, cache, log, imports, epochReuse = true }: CatalogDeps) {
  const counts = createCountCache(db, epochReuse);
  const ranked = createRankedCache(epochReuse);

  /**
   * How to read a search's first matches (reads.SearchPath), from counts kept or taken first (the
   * page needs its own count anyway): the offers its own text matches, the live offers under its
   * other filters, and with other filters, all the offers its words match (what the text index
   * reads). PostgreSQL could only guess how rare the words are, and for a word matching nothing
   * walked every offer (3 s at a million).
   */
  async function searchPathOf(filters: OfferFilters, end: number) {
    const { search, ordering, ...others } = filters;
    if (!search) return undefined;
    const alone = countKey(others) === countKey({});
    const byName = ordering === 'name' || ordering === '-name';
    // Names start with the kind of goods, so a word's matches lie together in name order, not
    // spread along it as a walk assumes ("телевизор" by name: 1.1 s at a million, walking).
    if (alone && byName) return 'index';
    const [matches, live, everywhere] = await Promise.all([
      counts.estimate(filters),
      counts.estimate(others),
      alone ? undefined : counts.estimate({ search }),
    ]);
    const ownText = (c: { count: number; ownText?: number }) => c.ownText ?? c.count;
    if (alone && !ordering) return reads.rankedSearchPath(ownText(matches), live.count);
    const wanted = ordering ? end : RANKED_MATCHES;
    const read = everywhere ? ownText(everywhere) : ownText(matches);
    const path = reads.searchPathFor(ownText(matches), live.count, wanted, read);
    // With other filters, a walk in their order may be one PostgreSQL can only give by sorting all
    // it walks (a price range by id), and by name the matches cluster: a common word keeps its plan.
    return alone || path === 'index' ? path : undefined;
  }

  async function shopOf(userId: number) {
    const shop = await shops.findShopByUser(db, userId);
    if (!shop) throw noShop();
    return shop;
  }

  /**
   * After a commit that changed offers, stock or shops: no process answers from old cached reads.
   * The write has committed, so a cache that cannot be reached must not turn it into an error.
   */
  async function changed() {
    try {
      await dropCachedCatalog(cache);
    } catch (err) {
      log.error({ err }, 'catalog cache not invalidated after a change');
    }
  }

  return {
    changed,

    /** The staff's reads of every shop (see catalog.staff.ts). */
    staff: createStaffShops(db),

    /**
     * One page of live offers, its results already JSON (an array of `offerSchema` objects):
     * a fixed number of queries whatever the page size.
     */
    async listOffersJson(
      filters: OfferFilters,
      limit: number,
      offset: number,
    ): Promise<{ count: number; resultsJson: string }> {
      const kept = ranked.pageOf(filters, limit, offset);
      let page = kept && (await reads.offersPageByIds(db, kept.ids, filters.in_stock));
      if (!page || page.epoch !== kept!.epoch) {
        const path = await searchPathOf(filters, limit + offset);
        page = await reads.liveOffersPage(db, filters, limit, offset, path);
        if (page.ranked) ranked.keep(filters, page.ranked, page.epoch);
      }
      return { count: await counts.count(filters, page.epoch), resultsJson: page.json };
    },

    /** A live offer; withdrawn offers and those of shops that are off are not found. */
    async getOffer(id: number): Promise<OfferDto> {
      const liveId = await reads.findLiveOfferId(db, id);
      const [offer] = liveId === undefined ? [] : await reads.findOffersByIds(db, [liveId]);
      if (!offer) throw problem.notFound(`Product ${id} not found.`);
      return offer;
    },

    async listCategories(limit: number, offset: number) {
      const [results, count] = await Promise.all([
        reads.listCategories(db, limit, offset),
        reads.countCategories(db),
      ]);
      return { count, results };
    },

    async listShops(limit: number, offset: number) {
      const [results, count] = await Promise.all([
        reads.listShops(db, limit, offset),
        reads.countShops(db),
      ]);
      return { count, results };
    },

    /** The shop account's price list becomes its whole truth (see catalog.import.ts). */
    async importPriceList(userId: number, list: PriceList, progress?: Progress) {
      const summary = await imports.measure(() => importPriceList(db, userId, list, progress));
      await changed();
      return summary;
    },

    /** The account's shop with its categories and live offers, for the price-list export. */
    async shopForExport(userId: number) {
      const shop = await shopOf(userId);
      const [categories, offers] = await Promise.all([
        shops.listShopCategories(db, shop.id),
        shops.listLiveOffers(db, shop.id),
      ]);
      return { shop, categories, offers };
    },

    shopState: async (userId: number) => stateDto(await shopOf(userId)),

    async setShopState(userId: number, state: boolean) {
      const id = (await shopOf(userId)).id;
      const shop = await db.transaction(async (tx) => {
        await bumpCatalogEpoch(tx);
        return shops.setShopState(tx, id, state);
      });
      await changed();
      return stateDto(shop);
    },

    /** The account whose shop has this offer; undefined when there is no such offer. */
    ownerOf: (offerId: number) => shops.findOfferOwner(db, offerId),

    /** The id of the account's shop; undefined for an account without one. */
    shopIdOf: async (userId: number) => (await shops.findShopByUser(db, userId))?.id,
  };
}
