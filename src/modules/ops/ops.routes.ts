import { z } from 'zod';
import type { App } from '../../app.js';
import type { Database } from '../../platform/db/client.js';
import { AppError, problems } from '../../platform/errors.js';

const tags = ['operations'];
const status = z.object({ status: z.literal('ok') });

export function opsRoutes(app: App, database: Database) {
  app.get('/health/', {
    schema: { tags, summary: 'Liveness: the process answers', response: { 200: status } },
    handler: async () => ({ status: 'ok' as const }),
  });

  app.get('/ready/', {
    schema: {
      tags,
      summary: 'Readiness: the database answers',
      response: { 200: status, ...problems(503) },
    },
    handler: async (req) => {
      try {
        await database.ping();
      } catch (err) {
        req.log.warn({ err }, 'readiness check failed');
        throw new AppError(503, 'not-ready', 'The database does not answer.');
      }
      return { status: 'ok' as const };
    },
  });
}
