import type { App } from '../../platform/http.js';
import { currentUser } from '../../platform/auth.js';
import { problemResponses } from '../../platform/problems.js';
import { addToCartBody, cartSchema, removeFromCartBody, updateCartBody } from './cart.schemas.js';
import type { CartService } from './cart.service.js';

const tags = ['cart'];
// Any signed-in account may buy, shop accounts included: a shop also purchases from other
// suppliers, as it could in the service this API replaces.
const config = { auth: 'user' } as const;

export function cartRoutes(app: App, cart: CartService) {
  app.get('/cart/', {
    config,
    schema: {
      operationId: 'getCart',
      tags,
      summary: 'The cart: lines at current prices, each with its sum, and the totals',
      description:
        'Any signed-in account has a cart, shop accounts included (a shop may buy from other shops).',
      response: { 200: cartSchema },
    },
    handler: (req) => cart.get(currentUser(req).id),
  });

  app.post('/cart/add/', {
    config,
    schema: {
      operationId: 'addToCart',
      tags,
      summary: 'Add offers to the cart; an offer already there gets the quantity added',
      description:
        'Unknown or withdrawn offer → 404. A shop not taking orders, or more than in stock (counting what the cart holds) → 409 with `items: [{product_info, requested, available}]`.',
      body: addToCartBody,
      response: { 201: cartSchema, ...problemResponses(400, 404, 409) },
    },
    handler: async (req, reply) =>
      reply.code(201).send(await cart.add(currentUser(req).id, req.body)),
  });

  app.put('/cart/update/', {
    config,
    schema: {
      operationId: 'updateCart',
      description:
        'Sets the quantity of each listed cart line (ids from `GET /cart/`); more than in stock → 409 with what is available. Answers the whole cart.',
      tags,
      summary: 'Set the quantities of cart items (by cart item id)',
      body: updateCartBody,
      response: { 200: cartSchema, ...problemResponses(400, 404, 409) },
    },
    handler: (req) => cart.update(currentUser(req).id, req.body),
  });

  app.delete('/cart/remove/', {
    config,
    schema: {
      operationId: 'removeFromCart',
      description:
        'Removes the listed cart lines: all of them, or none when one is not in the cart (404). Answers the whole cart.',
      tags,
      summary: 'Remove cart items (all named, or none if one is not in the cart)',
      body: removeFromCartBody,
      response: { 200: cartSchema, ...problemResponses(400, 404) },
    },
    handler: (req) => cart.remove(currentUser(req).id, req.body.items),
  });

  app.delete('/cart/clear/', {
    config,
    schema: {
      tags,
      operationId: 'clearCart',
      summary: 'Empty the cart',
      description: 'Removes every line of the cart; answers the empty cart.',
      response: { 200: cartSchema },
    },
    handler: (req) => cart.clear(currentUser(req).id),
  });
}
