// Orders: the filtered list with its sums, one order with its lines by shop, address and history,
// and one button per state it may move to, through the same service as the JSON API (so the
// history is kept and the buyer is mailed).
import { pageBounds } from '../../../lib/pagination.js';
import type { App } from '../../../platform/http.js';
import { PLACED_STATES, type StaffOrderDto } from '../../orders/index.js';
import type { ConsoleContext } from '../console.deps.js';
import { idParams, ordersQuery, stateBody } from '../console.forms.js';
import { pager } from '../console.pager.js';
import { render } from '../console.render.js';

const config = { rateLimit: false } as const;

/** The order's lines grouped by shop, with each shop's sum. */
function byShop(order: StaffOrderDto) {
  const shops = new Map<number, { name: string; items: StaffOrderDto['items']; sum: number }>();
  for (const item of order.items) {
    const shop = item.product_info.shop;
    const group = shops.get(shop.id) ?? { name: shop.name, items: [], sum: 0 };
    group.items.push(item);
    group.sum += item.sum;
    shops.set(shop.id, group);
  }
  return [...shops.values()];
}

export function ordersRoutes(scope: App, ctx: ConsoleContext) {
  const debug = ctx.config.DEBUG;

  scope.get('/admin/orders/', {
    config,
    schema: { hide: true, querystring: ordersQuery },
    handler: async (req, reply) => {
      const { limit, offset } = pageBounds(req.query);
      const list = await ctx.orders.staff.list(req.query, limit, offset);
      return render(req, reply, 'orders', {
        title: 'Заказы',
        debug,
        orders: list.results,
        exact: list.exact,
        pageSum: list.results.reduce((n, o) => n + o.total_sum, 0),
        pages: pager(req.url, list.count, req.query.page, req.query.page_size),
        states: PLACED_STATES,
        // The form shows the filters as typed.
        search: new URL(req.url, 'http://console').searchParams,
      });
    },
  });

  scope.get('/admin/orders/:id/', {
    config,
    schema: { hide: true, params: idParams },
    handler: async (req, reply) => {
      const order = await ctx.orders.staff.get(req.params.id);
      return render(req, reply, 'order', {
        title: `Заказ №${order.id}`,
        debug,
        order,
        shops: byShop(order),
      });
    },
  });

  scope.post('/admin/orders/:id/', {
    config,
    schema: { hide: true, params: idParams, body: stateBody },
    handler: async (req, reply) => {
      await ctx.orders.setState(req.staff!.id, req.params.id, req.body.state);
      return reply.redirect(`/admin/orders/${req.params.id}/`, 303);
    },
  });
}
