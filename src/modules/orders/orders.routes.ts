import type { App } from '../../platform/http.js';
import { pageBounds, pageOf, pageQuery, paginated } from '../../lib/pagination.js';
import { currentUser } from '../../platform/auth.js';
import { problemResponses } from '../../platform/problems.js';
import {
  confirmBody,
  idempotencyHeaders,
  orderIdBody,
  orderIdParams,
  orderSchema,
  orderSummarySchema,
} from './orders.schemas.js';
import type { OrderHooks, OrdersService } from './orders.service.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Test seam: hold an order confirmation at a known point (see OrderHooks). */
    orderHooks: OrderHooks;
  }
}

const tags = ['orders'];
const user = { auth: 'user' } as const;

export function ordersRoutes(app: App, orders: OrdersService) {
  app.decorate('orderHooks', orders.hooks);

  app.post('/order/confirm/', {
    config: user,
    schema: {
      operationId: 'confirmOrder',
      'x-response-headers': { 201: ['Idempotent-Replayed'] },
      tags,
      summary: 'Confirm the cart as an order delivered to one of your contacts',
      description:
        'Stock is taken atomically; a shortfall → 409 with `items: [{product_info, name, requested, available}]`. ' +
        'With `Idempotency-Key` a repeat replays the first answer (header `Idempotent-Replayed: true`); the same key with ' +
        'another body → 422; while the first is still running → 409. Failed attempts do not keep their key.',
      headers: idempotencyHeaders,
      body: confirmBody,
      response: { 201: orderSchema, ...problemResponses(400, 404, 409, 422) },
    },
    handler: async (req, reply) => {
      const result = await orders.confirm(
        currentUser(req),
        req.body,
        req.headers['idempotency-key'],
      );
      if (result.replayed) void reply.header('idempotent-replayed', 'true');
      return reply.code(201).send(result.body);
    },
  });

  app.get('/orders/', {
    config: user,
    schema: {
      operationId: 'listOrders',
      description:
        "The signed-in buyer's placed orders (the cart is not one), newest first, paginated, with their totals.",
      tags,
      summary: 'Your orders (not the cart), newest first',
      querystring: pageQuery,
      response: { 200: paginated(orderSummarySchema), ...problemResponses(400, 404) },
    },
    handler: async (req) => {
      const { limit, offset } = pageBounds(req.query);
      const page = await orders.list(currentUser(req).id, limit, offset);
      return pageOf(req, req.query, page.count, page.results);
    },
  });

  app.get('/order/:id/', {
    config: user,
    schema: {
      operationId: 'getOrder',
      description:
        "Items at the prices frozen at confirmation, the delivery address as it was then, and the state history. Another user's order → 404.",
      tags,
      summary: 'One of your orders: items at frozen prices, the address as it was, the history',
      params: orderIdParams,
      response: { 200: orderSchema, ...problemResponses(400, 404) },
    },
    handler: (req) => orders.get(currentUser(req).id, req.params.id),
  });

  app.post('/order/cancel/', {
    config: user,
    schema: {
      operationId: 'cancelOrder',
      description:
        'Cancels the order from `new` or `confirmed` (otherwise 409) and returns its stock, once, however many requests race.',
      tags,
      summary: 'Cancel your order (from new or confirmed only); its stock is returned',
      body: orderIdBody,
      response: { 200: orderSchema, ...problemResponses(400, 404, 409) },
    },
    handler: (req) => orders.cancel(currentUser(req).id, req.body.id),
  });
}
