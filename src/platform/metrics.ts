// Prometheus metrics at GET /metrics, for the questions operators ask: how fast and how well
// each route answers (http_request_duration_seconds by method, route template and status class),
// how many orders are placed and canceled, how imports go (count, duration, goods written), what
// the cache saves (hits and misses by scope), who the limits refuse (by limit) and how the job
// queues stand. Counted in each process and summed over the API processes of a cluster by the
// primary; jobs are read from the shared store at scrape time. Prometheus sends
// `Authorization: Bearer <METRICS_TOKEN>`; without a token, /metrics answers anyone only in DEBUG.
import type { FastifyInstance } from 'fastify';
import cluster from 'node:cluster';
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import {
  AggregatorRegistry,
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  Registry,
} from 'prom-client';
import { z } from 'zod';
import type { Config } from './config.js';
import { AppError, problem, problemSchema } from './problems.js';
import type { JobQueue } from './queue.js';

/** What an import wrote, as catalog imports count it. */
interface GoodsWritten {
  created: number;
  updated: number;
  withdrawn: number;
}

/** The app's counters, made before its services, which each get their part. */
export function createMetrics() {
  // A registry per app: tests build many apps in one process.
  const registry = new Registry();
  const registers = [registry];
  const placed = new Counter({
    name: 'purchases_orders_placed_total',
    help: 'Orders placed (carts confirmed)',
    registers,
  });
  const canceled = new Counter({
    name: 'purchases_orders_canceled_total',
    help: 'Orders canceled, by their buyer or by staff',
    registers,
  });
  const imports = new Counter({
    name: 'purchases_price_list_imports_total',
    help: 'Price-list imports by outcome: ok, refused (the list breaks a rule), failed (a fault)',
    labelNames: ['outcome'],
    registers,
  });
  const importSeconds = new Histogram({
    name: 'purchases_price_list_import_duration_seconds',
    help: 'Time to write a price list to the catalog',
    labelNames: ['outcome'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers,
  });
  const goods = new Counter({
    name: 'purchases_price_list_goods_written_total',
    help: 'Goods price-list imports created, updated or withdrawn',
    labelNames: ['change'],
    registers,
  });
  const lookups = (name: string, help: string) =>
    new Counter({ name, help, labelNames: ['scope'], registers });
  const hits = lookups('purchases_cache_hits_total', 'Cache reads answered from the cache');
  const misses = lookups('purchases_cache_misses_total', 'Cache reads that went to the database');
  const refusals = new Counter({
    name: 'purchases_rate_limit_refusals_total',
    help: 'Requests refused with 429, by limit (anon, user, burst, sustained, failed logins, imports)',
    labelNames: ['limit'],
    registers,
  });

  return {
    registry,
    refusals,
    orders: { placed: () => placed.inc(), canceled: () => canceled.inc() },
    imports: {
      /** Runs an import, counting it by outcome with its duration and the goods it wrote. */
      async measure<T extends GoodsWritten>(work: () => Promise<T>): Promise<T> {
        const end = importSeconds.startTimer();
        let outcome = 'failed';
        try {
          const written = await work();
          outcome = 'ok';
          for (const change of ['created', 'updated', 'withdrawn'] as const)
            goods.inc({ change }, written[change]);
          return written;
        } catch (err) {
          if (err instanceof AppError && err.status < 500) outcome = 'refused';
          throw err;
        } finally {
          imports.inc({ outcome });
          end({ outcome });
        }
      },
    },
    cache: {
      lookup: (scope: string, hit: boolean) => (hit ? hits : misses).inc({ scope }),
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
export type OrderMetrics = Metrics['orders'];
export type ImportMetrics = Metrics['imports'];
export type CacheMetrics = Metrics['cache'];

const sha256 = (text: string) => createHash('sha256').update(text).digest();

/** Whether the request may read the metrics (the comparison takes the same time for any token). */
function allowed(header: string | undefined, token: string | undefined, debug: boolean) {
  if (!token) return debug;
  const presented = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1] ?? '';
  return timingSafeEqual(sha256(presented), sha256(token));
}

export function installMetrics(
  app: FastifyInstance,
  {
    metrics,
    queue,
    config,
  }: { metrics: Metrics; queue: JobQueue; config: Pick<Config, 'METRICS_TOKEN' | 'DEBUG'> },
) {
  const { registry } = metrics;
  collectDefaultMetrics({ register: registry, prefix: 'purchases_' });
  const durations = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer HTTP requests, by method, route template and status class (2xx, 4xx, ...)',
    labelNames: ['method', 'route', 'status_class'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  new Gauge({
    name: 'purchases_jobs',
    help: 'Background jobs by queue and state (waiting, active, completed, failed)',
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

  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, not the URL, keeps the label set small; unknown paths share one label.
    durations.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status_class: `${Math.floor(reply.statusCode / 100)}xx`,
      },
      reply.elapsedTime / 1000,
    );
  });
  // Every 429, whichever limit answered it: the request limits name theirs in `limit`.
  app.addHook('onError', async (_request, _reply, err) => {
    if (err instanceof AppError && err.status === 429)
      metrics.refusals.inc({ limit: String(err.extra?.limit ?? err.code) });
  });

  app.get('/metrics', {
    config: { rateLimit: false },
    schema: {
      operationId: 'getMetrics',
      description:
        'Prometheus metrics in the text exposition format: request durations by route and status class, ' +
        'orders, imports, jobs by queue and state, cache hits and misses, rate-limit refusals. ' +
        'Send `Authorization: Bearer <METRICS_TOKEN>`; without METRICS_TOKEN set, open only in DEBUG.',
      tags: ['operations'],
      summary: 'Prometheus metrics (text exposition format)',
      response: {
        200: {
          description: 'The metrics',
          content: {
            'text/plain; version=0.0.4; charset=utf-8': {
              schema: z.string().meta({
                examples: [
                  '# HELP purchases_orders_placed_total Orders placed (carts confirmed)\n# TYPE purchases_orders_placed_total counter\npurchases_orders_placed_total 1027\n',
                ],
              }),
            },
          },
        },
        401: problemSchema,
      },
    },
    handler: async (req, reply) => {
      if (!allowed(req.headers.authorization, config.METRICS_TOKEN, config.DEBUG)) {
        throw problem.notAuthenticated(
          config.METRICS_TOKEN
            ? 'Send Authorization: Bearer <METRICS_TOKEN>.'
            : 'Metrics are closed: set METRICS_TOKEN and send it as Authorization: Bearer <token>.',
          { headers: { 'WWW-Authenticate': 'Bearer' } },
        );
      }
      return reply
        .type(registry.contentType)
        .send(cluster.isWorker ? await clusterMetrics() : await registry.metrics());
    },
  });
  // Under WEB_CONCURRENCY the primary sums every API process's metrics (see servePrimaryMetrics).
  if (cluster.isWorker) {
    // Constructing one is what makes prom-client answer the primary's requests in this process.
    new AggregatorRegistry();
    AggregatorRegistry.setRegistries([registry]);
  }
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
