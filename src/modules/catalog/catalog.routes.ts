import type { FastifyReply } from 'fastify';
import type { App } from '../../platform/http.js';
import { pageBounds, pageOf, pageQuery, paginated } from '../../lib/pagination.js';
import { problemResponses } from '../../platform/problems.js';
import {
  categorySchema,
  offerIdParams,
  offerSchema,
  productsQuery,
  shopSchema,
} from './catalog.schemas.js';
import type { CatalogService } from './catalog.service.js';

const tags = ['catalog'];
const LIVE =
  'Only offers that are not withdrawn from sale, of shops that take orders (`state: true`).';

/**
 * Sends JSON that our own code already wrote (the page of offers comes out of PostgreSQL as JSON in
 * the shape of `offerSchema`): Fastify passes a string with a JSON content type through as it is,
 * so the route's zod serializer, which would re-check and re-encode every offer, is skipped. The
 * schema still documents the answer, and the tests compare it with the zod-serialized
 * `GET /products/{id}/`.
 */
function sendJson(reply: FastifyReply, json: string) {
  return reply.type('application/json; charset=utf-8').send(json);
}

export function catalogRoutes(app: App, catalog: CatalogService) {
  app.get('/products/', {
    schema: {
      operationId: 'listProducts',
      tags,
      summary: 'Offers of every shop that takes orders',
      description:
        `${LIVE} Each result is one shop's offer of a product, with its parameters. ` +
        '`count` is always exact. Ordering: `price`, `-price`, `name`, `-name` (ties by id); by ' +
        'default by id, or by relevance when `search` is given (see the `search` parameter).',
      querystring: productsQuery,
      response: { 200: paginated(offerSchema), ...problemResponses(400, 404) },
    },
    handler: async (req, reply) => {
      const { page, page_size, ...filters } = req.query;
      const { limit, offset } = pageBounds({ page, page_size });
      const { count, resultsJson } = await catalog.listOffersJson(filters, limit, offset);
      const { next, previous } = pageOf(req, req.query, count, []);
      const body = `{"count":${count},"next":${JSON.stringify(next)},"previous":${JSON.stringify(previous)},"results":${resultsJson}}`;
      return sendJson(reply, body);
    },
  });

  app.get('/products/:id/', {
    schema: {
      operationId: 'getProduct',
      tags,
      summary: 'One offer with its parameters',
      description: `${LIVE} Any other id answers 404.`,
      params: offerIdParams,
      response: { 200: offerSchema, ...problemResponses(400, 404) },
    },
    handler: (req) => catalog.getOffer(req.params.id),
  });

  app.get('/categories/', {
    schema: {
      operationId: 'listCategories',
      tags,
      summary: 'Categories that have offers on sale',
      description:
        'Categories with at least one offer on sale (not withdrawn, of a shop that takes orders), ' +
        'by name. Empty categories are left out so every listed category filters to some products.',
      querystring: pageQuery,
      response: { 200: paginated(categorySchema), ...problemResponses(400, 404) },
    },
    handler: async (req) => {
      const { limit, offset } = pageBounds(req.query);
      const result = await catalog.listCategories(limit, offset);
      return pageOf(req, req.query, result.count, result.results);
    },
  });

  app.get('/shops/', {
    schema: {
      operationId: 'listShops',
      tags,
      summary: 'Shops that take orders',
      description:
        'Shops whose order taking is on (`state: true`), by name; shops that are off are not listed.',
      querystring: pageQuery,
      response: { 200: paginated(shopSchema), ...problemResponses(400, 404) },
    },
    handler: async (req) => {
      const { limit, offset } = pageBounds(req.query);
      const result = await catalog.listShops(limit, offset);
      return pageOf(req, req.query, result.count, result.results);
    },
  });
}
