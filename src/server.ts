// Starts the API: config → database → app → listen; closes everything cleanly on SIGTERM/SIGINT.
// WEB_CONCURRENCY > 1 makes this the cluster primary that forks that many API processes.
import cluster from 'node:cluster';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createLogger } from './platform/logger.js';
import { checkConcurrency, runPrimary } from './platform/cluster.js';
import { ConfigError, loadConfig, type Config } from './platform/config.js';
import { DatabaseBusyError, openConfiguredDatabase } from './platform/db/open.js';

async function main() {
  const config = loadConfig(undefined, { devDefaults: process.argv.includes('--dev') });
  const log = createLogger(config.LOG_LEVEL);
  checkConcurrency(config);
  if (cluster.isPrimary && config.WEB_CONCURRENCY > 1) {
    await runPrimary(config.WEB_CONCURRENCY, log);
    return process.exit(0);
  }
  // The database opens (PGlite compiles and starts PostgreSQL) while the app's modules load: the
  // two together were most of a first start.
  const [database, { buildApp }, { createInProcessQueue }, { systemClock }, jobs] =
    await Promise.all([
      openConfiguredDatabase(config, log),
      import('./app.js'),
      import('./platform/queue.js'),
      import('./platform/clock.js'),
      // BullMQ only with Redis.
      config.REDIS_URL ? import('./platform/bull-queue.js') : undefined,
    ]);
  const redis = config.REDIS_URL
    ? (await import('./platform/redis.js')).createRedisConnections(
        config.REDIS_URL,
        config.REDIS_PREFIX,
        log,
      )
    : undefined;
  // With Redis the API only enqueues; `npm run worker` runs the jobs.
  const bull = redis && jobs?.createBullQueue({ redis, log });
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

  log.info(whereThingsAre(config));
  await app.listen({ port: config.PORT, host: config.HOST });
  const base = baseUrl(app.server.address(), config.HOST);
  log.info(
    { database: database.kind, dataDir: config.DATA_DIR, debug: config.DEBUG },
    `Purchases API on ${base}/`,
  );
  log.info(`Docs at ${base}/api/docs/ (Swagger UI), ${base}/api/redoc/ and ${base}/api/schema/`);
}

/** Where the data and the mail go, in one line. */
function whereThingsAre(config: Config): string {
  const mail = config.EMAIL_HOST
    ? `mail goes through SMTP at ${config.EMAIL_HOST}:${config.EMAIL_PORT}`
    : `mail goes to ${join(config.DATA_DIR, 'outbox')} as .eml files (no SMTP configured)`;
  return `Data in ${config.DATA_DIR}; pictures in ${
    config.MEDIA_STORAGE === 's3' ? `S3 bucket ${config.S3_BUCKET}` : config.MEDIA_ROOT
  }; ${mail}`;
}

/** The URL a person opens: the port actually bound (PORT=0 picks one). */
function baseUrl(address: string | AddressInfo | null, host: string): string {
  const port = typeof address === 'object' && address ? address.port : '';
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}`;
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof DatabaseBusyError) {
    console.error(err.message);
  } else {
    console.error('Failed to start:', err);
  }
  process.exit(1);
});
