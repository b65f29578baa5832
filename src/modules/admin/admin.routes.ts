// The staff JSON API under /api/admin/ (for integrations; people use the console at /admin/):
// every buyer's orders, moving them along, background jobs (what failed and why, run one again)
// and the cache.
import { pageBounds, pageOf, paginated } from '../../lib/pagination.js';
import { currentUser } from '../../platform/auth.js';
import type { Cache } from '../../platform/cache.js';
import type { App } from '../../platform/http.js';
import { problem, problemResponses } from '../../platform/problems.js';
import type { JobQueue, JobState } from '../../platform/queue.js';
import {
  adminOrderBody,
  orderIdParams,
  staffOrderListSchema,
  staffOrderQuery,
  staffOrderSchema,
  type OrdersService,
} from '../orders/index.js';
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
  app.get('/api/admin/orders/', {
    config: { auth: 'staff' },
    schema: {
      operationId: 'listAllOrders',
      tags,
      summary: "Every buyer's placed orders, newest first, filtered",
      description:
        'Filters combine. `count` is exact; with filters other than `state` it is counted up to ' +
        '10,000 (`count_exact: false` beyond, and the pages stop there).',
      querystring: staffOrderQuery,
      response: { 200: staffOrderListSchema, ...problemResponses(400, 404) },
    },
    handler: async (req) => {
      const { limit, offset } = pageBounds(req.query);
      const page = await orders.staff.list(req.query, limit, offset);
      return { ...pageOf(req, req.query, page.count, page.results), count_exact: page.exact };
    },
  });

  app.get('/api/admin/orders/:id/', {
    config: { auth: 'staff' },
    schema: {
      operationId: 'getAnyOrder',
      description:
        'The order as `/order/{id}/` shows it to its buyer, plus the buyer and the states it may move to next. Staff only.',
      tags,
      summary: 'Any placed order, with its buyer and the states it may move to',
      params: orderIdParams,
      response: { 200: staffOrderSchema, ...problemResponses(400, 404) },
    },
    handler: (req) => orders.staff.get(req.params.id),
  });

  app.patch('/api/admin/orders/:id/', {
    config: { auth: 'staff' },
    schema: {
      operationId: 'setOrderState',
      tags,
      summary:
        'Move an order along: new→confirmed→assembled→sent→delivered, or new/confirmed/assembled→canceled',
      description: 'Other moves → 409. Each change is kept in the history and mailed to the buyer.',
      params: orderIdParams,
      body: adminOrderBody,
      response: { 200: staffOrderSchema, ...problemResponses(400, 404, 409) },
    },
    handler: (req) => orders.setState(currentUser(req).id, req.params.id, req.body.state),
  });

  app.get('/api/admin/jobs/', {
    config: { auth: 'staff' },
    schema: {
      operationId: 'listJobs',
      description:
        'Background jobs (mail, imports, thumbnails) in a state, newest first, with their error when failed. Staff only.',
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

  app.post('/api/admin/jobs/:id/retry/', {
    config: { auth: 'staff' },
    schema: {
      operationId: 'retryJob',
      description:
        'Runs a failed job again from its first attempt; a job that is not failed → 409. Staff only.',
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
      operationId: 'getCacheStats',
      description:
        'The catalog cache: its backend (memory or Redis), hits, misses and hit ratio since start, and the entries held. Staff only.',
      tags: ['operations'],
      summary: 'Cache backend, hits and misses (all processes) and entries held',
      response: { 200: cacheStatsSchema },
    },
    handler: () => cache.stats(),
  });

  app.post('/api/cache/clear/', {
    config: { auth: 'staff' },
    schema: {
      operationId: 'clearCache',
      description:
        'Removes every cached catalog page; they are read from the database again on the next requests. Staff only.',
      tags: ['operations'],
      summary: 'Remove every cache entry (they refill on the next reads)',
      response: { 200: cacheClearedSchema },
    },
    handler: async () => ({ cleared: await cache.clear() }),
  });
}
