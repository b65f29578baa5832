import { z } from 'zod';
import type { App } from '../../platform/http.js';
import type { Cache } from '../../platform/cache.js';
import type { Database } from '../../platform/db/client.js';
import { PROBLEM_TYPES, problem, problemResponses } from '../../platform/problems.js';
import { onRedis, type RedisConnections } from '../../platform/redis.js';
import { sentryRoutes } from './ops.sentry.js';

const tags = ['operations'];
const status = z.object({ status: z.literal('ok') });

const READY_TIMEOUT_MS = 2000;

/** Resolves when `check` answers in time; a dependency that hangs is as unready as one that fails. */
function withinTime(check: () => Promise<unknown>): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error('no answer in time')), READY_TIMEOUT_MS);
  });
  return Promise.race([check(), late]).finally(() => clearTimeout(timer));
}

export interface OpsDeps {
  database: Database;
  redis?: RedisConnections;
  cache: Cache;
}

export function opsRoutes(app: App, { database, redis, cache }: OpsDeps) {
  const dependencies: [string, () => Promise<unknown>][] = [['database', () => database.ping()]];
  if (redis) dependencies.push(['Redis', () => onRedis(redis, () => redis.client().ping())]);

  // Probes never look up who calls (rateLimit: false), so a database outage leaves /health/ alone.
  app.get('/health/', {
    config: { rateLimit: false },
    schema: { tags, summary: 'Liveness: the process answers', response: { 200: status } },
    handler: async () => ({ status: 'ok' as const }),
  });

  app.get('/ready/', {
    config: { rateLimit: false },
    schema: {
      tags,
      summary: 'Readiness: the database (and Redis, where configured) answer',
      response: { 200: status, ...problemResponses(503) },
    },
    handler: async (req) => {
      for (const [name, check] of dependencies) {
        try {
          await withinTime(check);
        } catch (err) {
          req.log.warn({ err, dependency: name }, 'readiness check failed');
          throw problem.notReady(`The ${name} does not answer.`);
        }
      }
      return { status: 'ok' as const };
    },
  });

  const problemType = z
    .object({
      type: z.string(),
      code: z.string(),
      status: z.number().int(),
      title: z.string(),
      description: z.string(),
    })
    .meta({ id: 'ProblemType' });
  const describe = (t: (typeof PROBLEM_TYPES)[number]) => ({ type: `/problems/${t.code}`, ...t });

  app.get('/problems/', {
    schema: {
      tags,
      summary: 'Every problem type an error answer can have (its `type` URI), with what to do',
      response: { 200: z.array(problemType) },
    },
    handler: async () => PROBLEM_TYPES.map(describe),
  });

  app.get('/problems/:code/', {
    schema: {
      tags,
      summary: 'One problem type: what the `type` URI of an error answer means',
      params: z.object({ code: z.string().max(100) }),
      response: { 200: problemType, ...problemResponses(404) },
    },
    handler: async (req) => {
      const found = PROBLEM_TYPES.find((t) => t.code === req.params.code);
      if (!found) throw problem.notFound(`No problem type ${req.params.code}.`);
      return describe(found);
    },
  });

  sentryRoutes(app, database, cache);
}
