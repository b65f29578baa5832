// Prometheus metrics at GET /metrics: requests by route and status with their durations (this
// process), jobs by queue and state and cache hits/misses (read from the shared store at scrape
// time, so with Redis they are the whole service's). Not rate limited; no auth, like /health.
import type { FastifyInstance } from 'fastify';
import cluster from 'node:cluster';
import { randomUUID } from 'node:crypto';
import {
  AggregatorRegistry,
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  Registry,
} from 'prom-client';
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
    // Read from the shared store by every process: summing them over a cluster would count N times.
    aggregator: 'first',
    async collect() {
      // Unreadable while Redis is down: the series is left out rather than the whole answer.
      const counts = await queue.counts().catch(() => undefined);
      if (!counts) return this.reset();
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
      aggregator: 'first',
      async collect() {
        const stats = await cache.stats().catch(() => undefined);
        if (stats) this.set(pick(stats));
        else this.reset();
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
    handler: async (_req, reply) =>
      reply
        .type(registry.contentType)
        .send(cluster.isWorker ? await clusterMetrics() : await registry.metrics()),
  });
  // Under WEB_CONCURRENCY the primary sums every API process's metrics (see servePrimaryMetrics).
  if (cluster.isWorker) {
    // Constructing one is what makes prom-client answer the primary's requests in this process.
    new AggregatorRegistry();
    AggregatorRegistry.setRegistries([registry]);
  }
  return registry;
}

const REQUEST = 'purchases:metrics';

/** In an API process of a cluster: the whole cluster's metrics, gathered by the primary. */
function clusterMetrics(): Promise<string> {
  const id = randomUUID();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error('the primary did not send the metrics')), 5000);
    const onMessage = (m: { type?: string; id?: string; text?: string; error?: string }) => {
      if (m?.type === `${REQUEST}:done` && m.id === id)
        done(m.error ? new Error(m.error) : null, m.text);
    };
    const done = (err: Error | null, text?: string) => {
      clearTimeout(timer);
      process.off('message', onMessage);
      if (err) reject(err);
      else resolve(text!);
    };
    process.on('message', onMessage);
    process.send!({ type: REQUEST, id });
  });
}

/** In the cluster primary: answers the API processes' requests for the summed metrics. */
export function servePrimaryMetrics() {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, m: { type?: string; id?: string }) => {
    if (m?.type !== REQUEST) return;
    aggregator.clusterMetrics().then(
      (text) => worker.send({ type: `${REQUEST}:done`, id: m.id, text }),
      (err: Error) => worker.send({ type: `${REQUEST}:done`, id: m.id, error: err.message }),
    );
  });
}
