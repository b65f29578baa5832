// Failed background jobs (mail, imports) with their error, and a button to run one again.
import { pageBounds } from '../../../lib/pagination.js';
import type { App } from '../../../platform/http.js';
import type { ConsoleContext } from '../console.deps.js';
import { jobParams, pageOnly } from '../console.forms.js';
import { pager } from '../console.pager.js';
import { render } from '../console.render.js';
import { problem } from '../../../platform/problems.js';

const config = { rateLimit: false } as const;

export function jobsRoutes(scope: App, ctx: ConsoleContext) {
  scope.get('/admin/jobs/', {
    config,
    schema: { hide: true, querystring: pageOnly },
    handler: async (req, reply) => {
      const { count, jobs } = await ctx.queue.list('failed', pageBounds(req.query));
      return render(req, reply, 'jobs', {
        title: 'Сбои задач',
        debug: ctx.config.DEBUG,
        jobs,
        pages: pager(req.url, count, req.query.page, req.query.page_size),
      });
    },
  });

  scope.post('/admin/jobs/:id/retry/', {
    config,
    schema: { hide: true, params: jobParams },
    handler: async (req, reply) => {
      if (!(await ctx.queue.status(req.params.id))) throw problem.notFound('Job not found.');
      if (!(await ctx.queue.retry(req.params.id)))
        throw problem.jobNotFailed('Only a failed job can be retried.');
      return reply.redirect('/admin/jobs/', 303);
    },
  });
}
