import { LRUCache } from 'lru-cache';
import type { Db } from '../../platform/db/client.js';
import { notFound } from '../../platform/errors.js';
import * as repo from './catalog.repo.js';
import type { OfferDto, OfferFilters } from './catalog.schemas.js';

export type CatalogService = ReturnType<typeof createCatalogService>;

interface Page<T> {
  count: number;
  results: T[];
}

export interface CatalogOptions {
  db: Db;
  /** Reuse of list counts; `false` counts on every request (default: on, see createCountCache). */
  countCache?: false | { largeCount?: number; largeMaxAgeMs?: number };
}

interface CountEntry {
  count: number;
  snapshot: string;
  at: number;
}

/**
 * Counting every live offer scans 100,000 index entries (about 28 ms here), far more than the
 * page itself (0.2 ms). So a count is kept with the `pg_current_snapshot()` it was taken in and
 * reused while the page query sees the very same snapshot: nothing has committed since, so it is
 * still exact. But any write anywhere on the server changes the snapshot, so under a steady
 * write load a count of at least `largeCount` matches is also reused for `largeMaxAgeMs`: such
 * counts may lag changes by that long; smaller ones are always exact. Concurrent misses of one
 * list share one count query.
 */
function createCountCache(db: Db, opts: CatalogOptions['countCache']) {
  if (opts === false)
    return async (filters: OfferFilters) => (await repo.countLiveOffers(db, filters)).count;
  const largeCount = opts?.largeCount ?? 10_000;
  const largeMaxAgeMs = opts?.largeMaxAgeMs ?? 2_000;
  const cache = new LRUCache<string, CountEntry>({ max: 1000 });
  const inFlight = new Map<string, Promise<CountEntry>>();
  return async (filters: OfferFilters, pageSnapshot: string): Promise<number> => {
    const key = JSON.stringify(filters);
    const hit = cache.get(key);
    if (hit?.snapshot === pageSnapshot) return hit.count;
    if (hit && hit.count >= largeCount && Date.now() - hit.at < largeMaxAgeMs) return hit.count;
    const flightKey = `${key}@${pageSnapshot}`;
    let flight = inFlight.get(flightKey);
    if (!flight) {
      flight = repo
        .countLiveOffers(db, filters)
        .then((fresh) => {
          const entry = { ...fresh, at: Date.now() };
          cache.set(key, entry);
          return entry;
        })
        .finally(() => inFlight.delete(flightKey));
      inFlight.set(flightKey, flight);
    }
    return (await flight).count;
  };
}

export function createCatalogService({ db, countCache }: CatalogOptions) {
  const countOffers = createCountCache(db, countCache);
  return {
    /** One page of live offers: a fixed number of queries whatever the page size. */
    async listOffers(
      filters: OfferFilters,
      limit: number,
      offset: number,
    ): Promise<Page<OfferDto>> {
      const { ids, snapshot } = await repo.listLiveOfferIds(db, filters, limit, offset);
      const [count, results] = await Promise.all([
        countOffers(filters, snapshot),
        repo.findOffersByIds(db, ids),
      ]);
      return { count, results };
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
