// The dashboard: counts (orders by state, shops, buyers, failed jobs) and the chart of orders and
// revenue per day for the last 30 days.
import type { App } from '../../../platform/http.js';
import { PLACED_STATES } from '../../orders/index.js';
import { chartOf } from '../console.chart.js';
import type { ConsoleContext } from '../console.deps.js';
import { render } from '../console.render.js';

export function dashboardRoutes(scope: App, ctx: ConsoleContext) {
  scope.get('/admin/', {
    config: { rateLimit: false },
    schema: { hide: true },
    handler: async (req, reply) => {
      const [states, shops, buyers, jobs, days] = await Promise.all([
        ctx.orders.staff.stateCounts(),
        ctx.catalog.staff.counts(),
        ctx.accounts.staff.countBuyers(),
        ctx.queue.counts(),
        ctx.orders.staff.daily(ctx.clock.now()),
      ]);
      const failedJobs = Object.values(jobs).reduce((n, q) => n + q.failed, 0);
      return render(req, reply, 'dashboard', {
        title: 'Сводка',
        debug: ctx.config.DEBUG,
        states: PLACED_STATES.map((s) => ({ state: s, count: states[s] })),
        shops,
        buyers,
        failedJobs,
        chart: chartOf(days),
      });
    },
  });
}
