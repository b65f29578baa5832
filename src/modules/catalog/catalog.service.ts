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
  /** Reuse a list's count while nothing has committed since it was taken (default true). */
  countCache?: boolean;
}

/**
 * Counting every live offer costs a scan of 100,000 index entries per request, far more than the
 * page itself. A count is kept with the `pg_current_snapshot()` it was taken in, and reused only
 * while the page query sees the very same snapshot: no transaction has committed or started
 * writing since, so the count is still exact. Any write anywhere in the database (an import, a
 * state switch, an order) changes the snapshot and the count is taken again.
 */
function createCountCache(db: Db, enabled: boolean) {
  const cache = new LRUCache<string, { count: number; snapshot: string }>({ max: 1000 });
  return async (filters: OfferFilters, pageSnapshot: string): Promise<number> => {
    const key = JSON.stringify(filters);
    const hit = enabled ? cache.get(key) : undefined;
    if (hit?.snapshot === pageSnapshot) return hit.count;
    const fresh = await repo.countLiveOffers(db, filters);
    if (enabled) cache.set(key, fresh);
    return fresh.count;
  };
}

export function createCatalogService({ db, countCache = true }: CatalogOptions) {
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
