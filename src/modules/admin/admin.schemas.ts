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
  .meta({
    id: 'Job',
    examples: [
      {
        id: 'mail-6f1c2a9e-8d4b-4f0e-9a37-2c5d1b7e4a90',
        queue: 'mail',
        name: 'mail.deliver',
        state: 'failed',
        attempts: 6,
        error: '1 of 1 messages not delivered: connect ECONNREFUSED 10.0.0.25:465',
        progress: null,
        created: '2026-03-14T09:26:53.589Z',
        finished: '2026-03-14T09:58:12.004Z',
      },
    ],
  });

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
  .meta({
    id: 'CacheStats',
    examples: [{ backend: 'redis', hits: 15230, misses: 1204, hit_ratio: 0.93, keys: 318 }],
  });

export const cacheClearedSchema = z
  .object({ cleared: z.number().int() })
  .meta({ examples: [{ cleared: 318 }] });
