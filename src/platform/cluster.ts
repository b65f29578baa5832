// WEB_CONCURRENCY=N: the primary process forks N API processes that share one port (node:cluster
// hands out connections), replaces one that dies, and passes SIGTERM/SIGINT on for a clean stop.
import cluster from 'node:cluster';
import type { Config } from './config.js';
import { ConfigError } from './config.js';
import { servePrimaryMetrics } from './metrics.js';

/** More than one API process needs every shared fact outside the process. */
export function checkConcurrency(
  config: Pick<Config, 'WEB_CONCURRENCY' | 'DATABASE_URL' | 'REDIS_URL'>,
) {
  const n = config.WEB_CONCURRENCY;
  if (n <= 1) return;
  if (!config.DATABASE_URL) {
    throw new ConfigError(
      `Invalid configuration:\n  WEB_CONCURRENCY: ${n} API processes need PostgreSQL (DATABASE_URL); ` +
        'the embedded database serves one process. Set DATABASE_URL or use WEB_CONCURRENCY=1.',
    );
  }
  if (!config.REDIS_URL) {
    throw new ConfigError(
      `Invalid configuration:\n  WEB_CONCURRENCY: ${n} API processes need Redis (REDIS_URL) to share ` +
        'rate limits, the cache and jobs. Set REDIS_URL or use WEB_CONCURRENCY=1.',
    );
  }
}

/** Runs in the primary: forks the API processes and resolves once all have stopped. */
export function runPrimary(
  n: number,
  log: { info(o: object, m: string): void; error(o: object, m: string): void },
) {
  let stopping = false;
  servePrimaryMetrics();
  for (let i = 0; i < n; i++) cluster.fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    log.error({ pid: worker.process.pid, code, signal }, 'API process died; starting another');
    cluster.fork();
  });
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping the API processes');
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill(signal);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  return new Promise<void>((resolve) => {
    cluster.on('exit', () => {
      if (stopping && Object.keys(cluster.workers ?? {}).length === 0) resolve();
    });
  });
}
