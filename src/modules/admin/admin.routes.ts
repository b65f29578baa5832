// Staff operations: background jobs (see what failed and why, run a failed job again) and the cache.
import type { App } from '../../app.js';
import type { Cache } from '../../platform/cache.js';
import { pageBounds, pageOf, paginated } from '../../lib/pagination.js';
import { AppError, notFound, problems } from '../../platform/errors.js';
import type { JobQueue, JobState } from '../../platform/queue.js';
import {
  cacheClearedSchema,
  cacheStatsSchema,
  jobIdParams,
  jobListQuery,
  jobSchema,
  toJobDto,
} from './admin.schemas.js';

const tags = ['admin'];

export function adminRoutes(app: App, { queue, cache }: { queue: JobQueue; cache: Cache }) {
  app.get('/admin/jobs/', {
    config: { auth: 'staff' },
    schema: {
      tags,
      summary: 'Recent background jobs in a state (failed by default), newest first',
      querystring: jobListQuery,
      response: { 200: paginated(jobSchema), ...problems(400, 404) },
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
      response: { 200: jobSchema, ...problems(404, 409) },
    },
    handler: async (req) => {
      const job = await queue.status(req.params.id);
      if (!job) throw notFound('Job');
      const retried = await queue.retry(req.params.id);
      if (!retried)
        throw new AppError(
          409,
          'job-not-failed',
          `The job is ${job.state}; only a failed job can be retried.`,
        );
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
