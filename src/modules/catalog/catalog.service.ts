import { LRUCache } from 'lru-cache';
import type { Db } from '../../platform/db/client.js';
import { notFound } from '../../platform/errors.js';
import * as repo from './catalog.repo.js';
import type { OfferDto, OfferFilters } from './catalog.schemas.js';

export type CatalogService = ReturnType<typeof createCatalogService>;

export interface CatalogOptions {
  db: Db;
  /** Reuse of list counts while nothing has committed (default on); `false` counts every time. */
  countCache?: boolean;
}

interface CountEntry {
  count: number;
  snapshot: string;
}

/**
 * Counting every live offer scans 100,000 index entries (about 28 ms here), far more than the
 * page itself (0.2 ms). So a count is kept with the `pg_current_snapshot()` it was taken in and
 * reused while the page query sees the very same snapshot: nothing has committed since, so it is
 * still exact. Concurrent misses of one list share one count query.
 */
function createCountCache(db: Db, enabled: boolean) {
  if (!enabled)
    return async (filters: OfferFilters) => (await repo.countLiveOffers(db, filters)).count;
  const cache = new LRUCache<string, CountEntry>({ max: 1000 });
  const inFlight = new Map<string, Promise<CountEntry>>();
  return async (filters: OfferFilters, pageSnapshot: string): Promise<number> => {
    const key = JSON.stringify(filters);
    const hit = cache.get(key);
    if (hit?.snapshot === pageSnapshot) return hit.count;
    const flightKey = `${key}@${pageSnapshot}`;
    let flight = inFlight.get(flightKey);
    if (!flight) {
      flight = repo
        .countLiveOffers(db, filters)
        .then((entry) => {
          cache.set(key, entry);
          return entry;
        })
        .finally(() => inFlight.delete(flightKey));
      inFlight.set(flightKey, flight);
    }
    return (await flight).count;
  };
}

export function createCatalogService({ db, countCache = true }: CatalogOptions) {
  const countOffers = createCountCache(db, countCache);
  return {
    /**
     * One page of live offers, its results already JSON (an array of `offerSchema` objects):
     * a fixed number of queries whatever the page size.
     */
    async listOffersJson(
      filters: OfferFilters,
      limit: number,
      offset: number,
    ): Promise<{ count: number; resultsJson: string }> {
      const { ids, snapshot } = await repo.listLiveOfferIds(db, filters, limit, offset);
      const [count, resultsJson] = await Promise.all([
        countOffers(filters, snapshot),
        repo.offersJsonByIds(db, ids),
      ]);
      return { count, resultsJson };
    },

    /** A live offer; withdrawn offers and those of shops that are off are not found. */
    async getOffer(id: number): Promise<OfferDto> {
      const liveId = await repo.findLiveOfferId(db, id);
      const [offer] = liveId === undefined ? [] : await repo.findOffersByIds(db, [liveId]);
      if (!offer) throw notFound(`Product ${id}`);
      return offer;
    },

    async listCategories(limit: number, offset: number) {
      const [results, count] = await Promise.all([
        repo.listCategories(db, limit, offset),
        repo.countCategories(db),
      ]);
      return { count, results };
    },

    async listShops(limit: number, offset: number) {
      const [results, count] = await Promise.all([
        repo.listShops(db, limit, offset),
        repo.countShops(db),
      ]);
      return { count, results };
    },
  };
}
