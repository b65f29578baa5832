// The public catalog reads through the shared cache. Every entry depends on the 'catalog' scope:
// products and categories are shared between shops (two shops' offers of one product show the
// same name and category), so an import, a state switch or a stock change of any shop can change
// any page or offer. Writers bump the scope after committing (see `catalogChanged` in app.ts).
import type { Cache, Scope } from '../../platform/cache.js';
import { AppError, notFound } from '../../platform/errors.js';
import type { CatalogService } from './catalog.service.js';

const SCOPES: Scope[] = ['catalog'];

export function withCatalogCache(catalog: CatalogService, cache: Cache): CatalogService {
  return {
    ...catalog,
    listOffers: (filters, limit, offset) =>
      cache.wrap(`products:${JSON.stringify([filters, limit, offset])}`, SCOPES, () =>
        catalog.listOffers(filters, limit, offset),
      ),

    // A missing offer is cached too (as null): bots asking for unknown ids stay off the database.
    async getOffer(id) {
      const offer = await cache.wrap(`offer:${id}`, SCOPES, async () => {
        try {
          return await catalog.getOffer(id);
        } catch (err) {
          if (err instanceof AppError && err.status === 404) return null;
          throw err;
        }
      });
      if (!offer) throw notFound(`Product ${id}`);
      return offer;
    },

    listCategories: (limit, offset) =>
      cache.wrap(`categories:${limit}:${offset}`, SCOPES, () =>
        catalog.listCategories(limit, offset),
      ),

    listShops: (limit, offset) =>
      cache.wrap(`shops:${limit}:${offset}`, SCOPES, () => catalog.listShops(limit, offset)),
  };
}
