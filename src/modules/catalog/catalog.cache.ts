// The public catalog reads (product pages and offers, categories, shops) answered from the shared
// cache as finished JSON: a hit skips validation, the database and serialization, which is most
// of a request's cost. Entries are keyed by the absolute URL (pages link to absolute next/previous
// URLs) and depend on the 'catalog' scope: products and categories are shared between shops (two
// shops' offers of one product show the same name and category), so an import, a state switch or
// a gallery change of any shop can change any page. Writers bump the scope after committing
// (`changed()`, through the catalog service), so once a write has returned no process answers
// from old entries. Stock is the exception: orders do not bump the scope, and answers that show
// stock are served from the cache for at most STOCK_LAG_MS.
// Only 200 answers are kept; the rate limiter runs first, so hits are limited like any request.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Cache, Lookup } from '../../platform/cache.js';

const SCOPES = ['catalog'];
const CACHED_ROUTES = new Set(['/products/', '/products/:id/', '/categories/', '/shops/']);
/** Routes whose answers show stock: orders do not drop them, so they are served this young. */
const STOCK_ROUTES = new Set(['/products/', '/products/:id/']);
/**
 * How old the stock in a cached answer may be. Orders and cancels change stock many times a second
 * without dropping the cache (they would empty it as fast as it fills); a page is answered from the
 * cache for at most this long after it was read from the database, then read again.
 */
export const STOCK_LAG_MS = 1000;

/** Drops every cached catalog read, in every process that shares the cache. */
export const dropCachedCatalog = (cache: Cache) => cache.invalidate(SCOPES);

export function installCatalogCache(app: FastifyInstance, cache: Cache) {
  const pending = new WeakMap<FastifyRequest, Lookup<string>>();
  const stockAnswers = new WeakSet<FastifyRequest>();

  app.addHook('onRequest', async (request, reply) => {
    if (request.method !== 'GET' || !CACHED_ROUTES.has(request.routeOptions.url ?? '')) return;
    const key = `response:${request.protocol}://${request.host}${request.url}`;
    const stock = STOCK_ROUTES.has(request.routeOptions.url!);
    const found = await cache.lookup<string>(key, SCOPES, {
      maxAgeMs: stock ? STOCK_LAG_MS : undefined,
    });
    if (stock) stockAnswers.add(request);
    if (found.value === undefined) return void pending.set(request, found);
    return reply.type('application/json; charset=utf-8').header('x-cache', 'hit').send(found.value);
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const found = pending.get(request);
    // Stock answers are useless after STOCK_LAG_MS; a short TTL frees their memory soon after.
    const ttl = stockAnswers.has(request) ? 5 * STOCK_LAG_MS : undefined;
    if (found && reply.statusCode === 200 && typeof payload === 'string')
      await found.fill(payload, ttl);
    return payload;
  });
}
