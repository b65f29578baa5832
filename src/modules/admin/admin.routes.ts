// Staff operations: moving orders along, background jobs (see what failed and why, run a failed
// job again) and the cache.
import { pageBounds, pageOf, paginated } from '../../lib/pagination.js';
import { currentUser } from '../../platform/auth.js';
import type { Cache } from '../../platform/cache.js';
import type { App } from '../../platform/http.js';
import { problem, problemResponses } from '../../platform/problems.js';
import type { JobQueue, JobState } from '../../platform/queue.js';
import { adminOrderBody, orderIdParams, orderSchema, type OrdersService } from '../orders/index.js';
import {
  cacheClearedSchema,
  cacheStatsSchema,
  jobIdParams,
  jobListQuery,
  jobSchema,
  toJobDto,
} from './admin.schemas.js';

const tags = ['admin'];

export interface AdminDeps {
  orders: OrdersService;
  queue: JobQueue;
  cache: Cache;
}

export function adminRoutes(app: App, { orders, queue, cache }: AdminDeps) {
  app.patch('/admin/orders/:id/', {
    config: { auth: 'staff' },
    schema: {
      tags,
      summary:
        'Move an order along: new→confirmed→assembled→sent→delivered, or new/confirmed/assembled→canceled',
      description: 'Other moves → 409. Each change is kept in the history and mailed to the buyer.',
      params: orderIdParams,
      body: adminOrderBody,
      response: { 200: orderSchema, ...problemResponses(400, 404, 409) },
    },
    handler: (req) => orders.setState(currentUser(req).id, req.params.id, req.body.state),
  });

  app.get('/admin/jobs/', {
    config: { auth: 'staff' },
    schema: {
      tags,
      summary: 'Recent background jobs in a state (failed by default), newest first',
      querystring: jobListQuery,
      response: { 200: paginated(jobSchema), ...problemResponses(400, 404) },
    },
    handler: async (req) => {
      const { count, jobs } = await queue.list(req.query.state as JobState, pageBounds(req.query));
      return pageOf(req, req.query, count, jobs.map(toJobDto));
    },
  });

  app.post('/admin/jobs/:id/retry/', {
    config: { auth: 'staff' },
    schema: {
      tags,
      summary: 'Run a failed job again from its first attempt',
      params: jobIdParams,
      response: { 200: jobSchema, ...problemResponses(404, 409) },
    },
    handler: async (req) => {
      const job = await queue.status(req.params.id);
      if (!job) throw problem.notFound('Job not found.');
      const retried = await queue.retry(req.params.id);
      if (!retried)
        throw problem.jobNotFailed(`The job is ${job.state}; only a failed job can be retried.`);
      return toJobDto(retried);
    },
  });

  app.get('/api/cache/stats/', {
    config: { auth: 'staff' },
    schema: {
      tags: ['operations'],
      summary: 'Cache backend, hits and misses (all processes) and entries held',
      response: { 200: cacheStatsSchema },
    },
    handler: () => cache.stats(),
  });

  app.post('/api/cache/clear/', {
    config: { auth: 'staff' },
    schema: {
      tags: ['operations'],
      summary: 'Remove every cache entry (they refill on the next reads)',
      response: { 200: cacheClearedSchema },
    },
    handler: async () => ({ cleared: await cache.clear() }),
  });
}
