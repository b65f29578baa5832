// Prometheus metrics at GET /metrics: requests by route and status with their durations (this
// process), jobs by queue and state and cache hits/misses (read from the shared store at scrape
// time, so with Redis they are the whole service's). Not rate limited; no auth, like /health.
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { z } from 'zod';
import type { Cache } from './cache.js';
import type { JobQueue } from './queue.js';

export function installMetrics(
  app: FastifyInstance,
  { queue, cache }: { queue: JobQueue; cache: Cache },
) {
  // A registry per app: tests build many apps in one process.
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'purchases_' });
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new Counter({
    name: 'purchases_http_requests_total',
    help: 'HTTP requests answered',
    labelNames,
    registers: [registry],
  });
  const durations = new Histogram({
    name: 'purchases_http_request_duration_seconds',
    help: 'Time to answer HTTP requests',
    labelNames,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  new Gauge({
    name: 'purchases_jobs',
    help: 'Background jobs by queue and state',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      const counts = await queue.counts();
      for (const [q, states] of Object.entries(counts)) {
        for (const [state, n] of Object.entries(states)) this.set({ queue: q, state }, n);
      }
    },
  });
  const cacheStat = (
    name: string,
    help: string,
    pick: (s: Awaited<ReturnType<Cache['stats']>>) => number,
  ) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        this.set(pick(await cache.stats()));
      },
    });
  cacheStat(
    'purchases_cache_hits',
    'Cache reads answered from the cache (all processes)',
    (s) => s.hits,
  );
  cacheStat(
    'purchases_cache_misses',
    'Cache reads that went to the database (all processes)',
    (s) => s.misses,
  );

  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, not the URL, keeps the label set small; unknown paths share one label.
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status: String(reply.statusCode),
    };
    requests.inc(labels);
    durations.observe(labels, reply.elapsedTime / 1000);
  });

  app.get('/metrics', {
    config: { rateLimit: false },
    schema: {
      tags: ['operations'],
      summary: 'Prometheus metrics (text exposition format)',
      response: { 200: z.string() },
    },
    handler: async (_req, reply) => reply.type(registry.contentType).send(await registry.metrics()),
  });
  return registry;
}
