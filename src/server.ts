// Starts the API: config → database → app → listen; closes everything cleanly on SIGTERM/SIGINT.
// WEB_CONCURRENCY > 1 makes this the cluster primary that forks that many API processes.
import cluster from 'node:cluster';
import { createLogger } from './platform/logger.js';
import { buildApp } from './app.js';
import { createBullQueue } from './platform/bull-queue.js';
import { systemClock } from './platform/clock.js';
import { checkConcurrency, runPrimary } from './platform/cluster.js';
import { ConfigError, loadConfig } from './platform/config.js';
import { DatabaseBusyError, openConfiguredDatabase } from './platform/db/open.js';
import { createInProcessQueue } from './platform/queue.js';
import { createRedisConnections } from './platform/redis.js';

async function main() {
  const config = loadConfig(undefined, { devDefaults: process.argv.includes('--dev') });
  const log = createLogger(config.LOG_LEVEL);
  checkConcurrency(config);
  if (cluster.isPrimary && config.WEB_CONCURRENCY > 1) {
    await runPrimary(config.WEB_CONCURRENCY, log);
    return process.exit(0);
  }
  const database = await openConfiguredDatabase(config);
  const redis = config.REDIS_URL
    ? createRedisConnections(config.REDIS_URL, config.REDIS_PREFIX, log)
    : undefined;
  // With Redis the API only enqueues; `npm run worker` runs the jobs.
  const bull = redis && createBullQueue({ redis, log });
  const queue = bull ?? createInProcessQueue({ log });
  const app = await buildApp({
    config,
    database,
    queue,
    clock: systemClock,
    logger: log,
    redis,
    runsJobs: !bull,
  });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: finishing requests and jobs');
    await app.close(); // stops accepting, lets in-flight requests finish
    if (bull) await bull.close();
    else await queue.drain();
    await redis?.close();
    await database.close(); // PGlite flushes its files here
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', (s) => void stop(s));
  process.on('SIGINT', (s) => void stop(s));

  await app.listen({ port: config.PORT, host: config.HOST });
  log.info(
    { database: database.kind, dataDir: config.DATA_DIR, debug: config.DEBUG },
    `Purchases API on http://${config.HOST}:${config.PORT} (docs at /api/docs/)`,
  );
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof DatabaseBusyError) {
    console.error(err.message);
  } else {
    console.error('Failed to start:', err);
  }
  process.exit(1);
});
