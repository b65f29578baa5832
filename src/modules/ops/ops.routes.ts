import { z } from 'zod';
import type { App } from '../../app.js';
import type { Database } from '../../platform/db/client.js';
import { AppError, problems } from '../../platform/errors.js';
import type { RedisConnections } from '../../platform/redis.js';

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

export function opsRoutes(app: App, database: Database, redis?: RedisConnections) {
  const dependencies: [string, () => Promise<unknown>][] = [['database', () => database.ping()]];
  if (redis) dependencies.push(['Redis', () => redis.client().ping()]);

  app.get('/health/', {
    schema: { tags, summary: 'Liveness: the process answers', response: { 200: status } },
    handler: async () => ({ status: 'ok' as const }),
  });

  app.get('/ready/', {
    schema: {
      tags,
      summary: 'Readiness: the database (and Redis, where configured) answer',
      response: { 200: status, ...problems(503) },
    },
    handler: async (req) => {
      for (const [name, check] of dependencies) {
        try {
          await withinTime(check);
        } catch (err) {
          req.log.warn({ err, dependency: name }, 'readiness check failed');
          throw new AppError(503, 'not-ready', `The ${name} does not answer.`);
        }
      }
      return { status: 'ok' as const };
    },
  });
}
