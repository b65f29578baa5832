import { z } from 'zod';
import type { App } from '../../platform/http.js';
import type { Cache } from '../../platform/cache.js';
import type { Database } from '../../platform/db/client.js';
import { PROBLEM_TYPES, problem, problemResponses } from '../../platform/problems.js';
import { SERVICE } from '../../platform/openapi.js';
import { onRedis, type RedisConnections } from '../../platform/redis.js';
import { sentryRoutes } from './ops.sentry.js';
import type { WorkerWatch } from '../../platform/worker-watch.js';

const tags = ['operations'];
const status = z.object({ status: z.literal('ok') }).meta({ examples: [{ status: 'ok' }] });

const LINKS = {
  docs: '/api/docs/',
  redoc: '/api/redoc/',
  schema: '/api/schema/',
  health: '/health/',
  ready: '/ready/',
  problems: '/problems/',
};
const serviceIndex = z
  .object({
    name: z.string(),
    version: z.string(),
    links: z
      .object(Object.fromEntries(Object.keys(LINKS).map((k) => [k, z.string()])))
      .describe('Paths of this service: Swagger UI, ReDoc, the OpenAPI document, the probes.'),
  })
  .meta({ id: 'ServiceIndex', examples: [{ ...SERVICE, links: LINKS }] });

const readiness = status
  .extend({
    warnings: z
      .array(z.string())
      .optional()
      .describe('What needs attention although the API answers (no worker runs waiting jobs).'),
  })
  .meta({
    examples: [
      {
        status: 'ok',
        warnings: [
          '3 background job(s) (mail, imports) wait in Redis and no worker has been seen for 5 min: start one with `npm run worker`.',
        ],
      },
    ],
  });

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
  /** Watches that a worker runs the jobs this process queues (with Redis). */
  workers?: WorkerWatch;
}

export function opsRoutes(app: App, { database, redis, cache, workers }: OpsDeps) {
  const dependencies: [string, () => Promise<unknown>][] = [['database', () => database.ping()]];
  if (redis) dependencies.push(['Redis', () => onRedis(redis, () => redis.client().ping())]);

  app.get('/', {
    schema: {
      operationId: 'getServiceIndex',
      description:
        "The service's name and version, and links to its documentation (Swagger UI, ReDoc, the OpenAPI document) and probes.",
      tags,
      summary: 'What this service is, and where its documentation is',
      response: { 200: serviceIndex },
    },
    handler: async () => ({ ...SERVICE, links: LINKS }),
  });

  // Probes never look up who calls (rateLimit: false), so a database outage leaves /health/ alone.
  app.get('/health/', {
    config: { rateLimit: false },
    schema: {
      tags,
      operationId: 'getHealth',
      summary: 'Liveness: the process answers',
      description: 'Liveness: 200 as long as the process answers; it checks no dependency.',
      response: { 200: status },
    },
    handler: async () => ({ status: 'ok' as const }),
  });

  app.get('/ready/', {
    config: { rateLimit: false },
    schema: {
      operationId: 'getReadiness',
      tags,
      summary: 'Readiness: the database (and Redis, where configured) answer',
      description:
        'A 503 when the database or Redis does not answer. Jobs waiting with no worker to run ' +
        'them (Redis set, `npm run worker` not started) do not make the API unready, since it ' +
        'still answers; `warnings` says so.',
      response: { 200: readiness, ...problemResponses(503) },
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
      const warning = workers && (await withinTime(() => workers.check()).catch(() => undefined));
      return { status: 'ok' as const, ...(warning ? { warnings: [String(warning)] } : {}) };
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
    .meta({
      id: 'ProblemType',
      examples: [
        {
          type: '/problems/insufficient-stock',
          code: 'insufficient-stock',
          status: 409,
          title: 'Not enough in stock',
          description:
            '`items` lists each short line: `product_info`, `name`, `shop`, `requested`, `available`.',
        },
      ],
    });
  const describe = (t: (typeof PROBLEM_TYPES)[number]) => ({ type: `/problems/${t.code}`, ...t });

  app.get('/problems/', {
    schema: {
      operationId: 'listProblemTypes',
      description:
        'Every `type` an error answer (RFC 9457 problem details) can carry, with its status, title and what a client should do.',
      tags,
      summary: 'Every problem type an error answer can have (its `type` URI), with what to do',
      response: {
        200: z.array(problemType).meta({ examples: [PROBLEM_TYPES.slice(0, 2).map(describe)] }),
      },
    },
    handler: async () => PROBLEM_TYPES.map(describe),
  });

  app.get('/problems/:code/', {
    schema: {
      operationId: 'getProblemType',
      description:
        'What one problem `type` (`/problems/<code>`) means and what to do about it; an unknown code is 404.',
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
