// Shops: order taking on and off, live offers, last imports, and a price-list upload that runs as
// a job; its page shows a progress bar fed by the job's progress (polled by console.js, or the
// page refreshes itself where scripts are off).
import { z } from 'zod';
import { pageBounds } from '../../../lib/pagination.js';
import type { App } from '../../../platform/http.js';
import type { ConsoleContext } from '../console.deps.js';
import {
  idParams,
  importParams,
  pageOnly,
  priceListBody,
  shopStateBody,
} from '../console.forms.js';
import { safeNext } from '../console.session.js';
import { pager } from '../console.pager.js';
import { render } from '../console.render.js';

const config = { rateLimit: false } as const;

const importStatus = z.object({
  state: z.enum(['waiting', 'active', 'completed', 'failed']),
  percent: z.number().int(),
  done: z.number().int(),
  total: z.number().int(),
  finished: z.boolean(),
});

export function shopsRoutes(scope: App, ctx: ConsoleContext) {
  const debug = ctx.config.DEBUG;

  /** The import job of a shop, as its page and its status poll show it. */
  async function importOf(shopId: number, jobId: string) {
    const shop = await ctx.catalog.staff.get(shopId);
    const job = await ctx.partner.jobStatus(shop.userId, jobId);
    const finished = job.state === 'completed' || job.state === 'failed';
    const { done, total } = job.progress ?? { done: 0, total: 0 };
    const percent =
      job.state === 'completed' ? 100 : total > 0 ? Math.floor((done / total) * 100) : 0;
    return { shop, job, status: { state: job.state, percent, done, total, finished } };
  }

  scope.get('/admin/shops/', {
    config,
    schema: { hide: true, querystring: pageOnly },
    handler: async (req, reply) => {
      const { limit, offset } = pageBounds(req.query);
      const list = await ctx.catalog.staff.list(limit, offset);
      const owners = await ctx.accounts.staff.emailsOf(list.results.map((s) => s.userId));
      return render(req, reply, 'shops', {
        title: 'Магазины',
        debug,
        shops: list.results.map((s) => ({ ...s, owner: owners.get(s.userId) ?? '' })),
        pages: pager(req.url, list.count, req.query.page, req.query.page_size),
      });
    },
  });

  scope.post('/admin/shops/:id/state/', {
    config,
    schema: { hide: true, params: idParams, body: shopStateBody },
    handler: async (req, reply) => {
      const shop = await ctx.catalog.staff.get(req.params.id);
      await ctx.catalog.setShopState(shop.userId, req.body.state === 'on');
      return reply.redirect(safeNext(req.body.next, '/admin/shops/'), 303);
    },
  });

  scope.post('/admin/shops/:id/price-list/', {
    config,
    bodyLimit: ctx.priceListMaxBytes + 64 * 1024,
    schema: { hide: true, params: idParams, body: priceListBody },
    handler: async (req, reply) => {
      const shop = await ctx.catalog.staff.get(req.params.id);
      const file = Buffer.from(req.body.file);
      const job = await ctx.partner.startImport(shop.userId, { kind: 'file', file });
      return reply.redirect(`/admin/shops/${shop.id}/imports/${encodeURIComponent(job)}/`, 303);
    },
  });

  scope.get('/admin/shops/:id/imports/:job/', {
    config,
    schema: { hide: true, params: importParams },
    handler: async (req, reply) => {
      const { shop, job, status } = await importOf(req.params.id, req.params.job);
      return render(req, reply, 'import', {
        title: `Загрузка прайс-листа: ${shop.name}`,
        debug,
        shop,
        job,
        status,
        statusUrl: `${req.url.split('?')[0]}status/`,
      });
    },
  });

  scope.get('/admin/shops/:id/imports/:job/status/', {
    config,
    schema: { hide: true, params: importParams, response: { 200: importStatus } },
    handler: async (req) => (await importOf(req.params.id, req.params.job)).status,
  });
}
