// Whether Sentry gets what it should, from staff: a test error (a fault, reported like any other:
// with the user, tags and the event id in the answer) and a traced operation with a few spans.
// Without SENTRY_DSN both say so with a 503.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { currentUser } from '../../platform/auth.js';
import type { Cache } from '../../platform/cache.js';
import type { Database } from '../../platform/db/client.js';
import type { App } from '../../platform/http.js';
import { currentTraceId, sentryEnabled, timedSpan } from '../../platform/observability.js';
import { problem, problemResponses, problemSchema } from '../../platform/problems.js';

const tags = ['operations'];

const testErrorSchema = problemSchema
  .extend({ event_id: z.string().describe('The Sentry event of this error') })
  .meta({
    id: 'SentryTestProblem',
    description: 'The test error, as Sentry received it',
    examples: [
      {
        type: '/problems/internal',
        title: 'Internal server error',
        status: 500,
        detail: 'A fault of ours; quote `request_id` when reporting it.',
        request_id: '0b6a4d5e-3f1c-4d2a-9c8e-7f6b5a4d3c2b',
        event_id: '9f2c6a1e4b7d4c0e8a3f5b6c7d8e9f01',
      },
    ],
  });

const spanSchema = z.object({
  name: z.string(),
  op: z.string().describe('Sentry operation: db.query, cache.get, function'),
  duration_ms: z.number(),
});
const performanceSchema = z
  .object({
    trace_id: z.string().describe('The trace to look for in Sentry'),
    duration_ms: z.number(),
    spans: z.array(spanSchema),
  })
  .meta({
    id: 'SentryPerformanceTest',
    examples: [
      {
        trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
        duration_ms: 6.412,
        spans: [
          { name: 'database round trip', op: 'db.query', duration_ms: 0.912 },
          { name: 'cache lookup', op: 'cache.get', duration_ms: 0.305 },
          { name: 'sha256 chain', op: 'function', duration_ms: 5.101 },
        ],
      },
    ],
  });

/** The error the test raises: its own name, so Sentry groups the tests apart from real faults. */
class SentryTestError extends Error {
  override name = 'SentryTestError';
}

const notConfigured = () =>
  problem.sentryNotConfigured('SENTRY_DSN is not set: nothing can reach Sentry.');

/** A short computation worth a span of its own: hashing a few thousand times. */
function compute(): string {
  let digest = 'purchases';
  for (let i = 0; i < 2000; i++) digest = createHash('sha256').update(digest).digest('hex');
  return digest;
}

export function sentryRoutes(app: App, database: Database, cache: Cache) {
  app.get('/api/sentry/test/', {
    config: { auth: 'staff' },
    schema: {
      tags,
      operationId: 'raiseSentryTestError',
      summary: 'Raise a test error that reaches Sentry',
      description:
        'Always answers 500 with the id of the Sentry event (user, tags, release and environment ' +
        'attached); 503 when SENTRY_DSN is not set.',
      response: { 500: testErrorSchema, ...problemResponses(503) },
    },
    handler: async (req) => {
      if (!sentryEnabled()) throw notConfigured();
      throw new SentryTestError(`Sentry test error raised by staff user ${currentUser(req).id}`);
    },
  });

  app.get('/api/sentry/performance-test/', {
    config: { auth: 'staff' },
    schema: {
      tags,
      operationId: 'runSentryPerformanceTest',
      summary: 'Run a traced operation: a query, a cache call and a computation, each a span',
      description:
        'The spans reach Sentry with the trace when SENTRY_TRACES_SAMPLE_RATE samples it; 503 ' +
        'when SENTRY_DSN is not set.',
      response: { 200: performanceSchema, ...problemResponses(503) },
    },
    handler: async () => {
      if (!sentryEnabled()) throw notConfigured();
      const start = performance.now();
      const spans = [
        await timedSpan('database round trip', 'db.query', () => database.ping()),
        await timedSpan('cache lookup', 'cache.get', () =>
          cache.lookup('sentry-performance-test', ['sentry-test']),
        ),
        await timedSpan('sha256 chain', 'function', async () => compute()),
      ];
      const duration = Math.round((performance.now() - start) * 1000) / 1000;
      return { trace_id: currentTraceId(), duration_ms: duration, spans };
    },
  });
}
