import { z } from 'zod';
import { pageQuery } from '../../lib/pagination.js';
import { JOB_STATES, QUEUE_NAMES, type JobStatus } from '../../platform/queue.js';

export const jobListQuery = pageQuery.extend({
  state: z.enum(JOB_STATES as [string, ...string[]]).default('failed'),
});

export const jobIdParams = z.object({ id: z.string().min(1).max(200) });

export const jobSchema = z
  .object({
    id: z.string(),
    queue: z.enum(QUEUE_NAMES),
    name: z.string(),
    state: z.enum(['waiting', 'active', 'completed', 'failed']),
    attempts: z.number().int(),
    error: z.string().nullable(),
    progress: z.object({ done: z.number(), total: z.number() }).nullable(),
    created: z.string(),
    finished: z.string().nullable(),
  })
  .meta({ id: 'Job' });

/** Payloads and results stay out: they may hold personal data (mail) or be large (price lists). */
export const toJobDto = (j: JobStatus): z.infer<typeof jobSchema> => ({
  id: j.id,
  queue: j.queue,
  name: j.name,
  state: j.state,
  attempts: j.attempts,
  error: j.error,
  progress: j.progress,
  created: j.createdAt.toISOString(),
  finished: j.finishedAt?.toISOString() ?? null,
});

export const cacheStatsSchema = z
  .object({
    backend: z.enum(['redis', 'memory']),
    hits: z.number().int(),
    misses: z.number().int(),
    hit_ratio: z.number(),
    keys: z.number().int(),
  })
  .meta({ id: 'CacheStats' });

export const cacheClearedSchema = z.object({ cleared: z.number().int() });
