// The job worker (`npm run worker`): builds the same app and services as the API, so every job
// handler is registered by name, then runs jobs from Redis until SIGTERM/SIGINT. Never listens.
import { createLogger } from './platform/logger.js';
import { buildApp } from './app.js';
import { createBullQueue } from './platform/bull-queue.js';
import { systemClock } from './platform/clock.js';
import { ConfigError, loadConfig } from './platform/config.js';
import { DatabaseBusyError, openConfiguredDatabase } from './platform/db/open.js';
import { createRedisConnections } from './platform/redis.js';

async function main() {
  // `npm run worker` passes --dev like `npm start`: the same development defaults (DEBUG, and so
  // the SECRET_KEY kept in DATA_DIR), so the two run side by side on a fresh clone.
  const config = loadConfig(undefined, { devDefaults: process.argv.includes('--dev') });
  if (!config.REDIS_URL) {
    throw new ConfigError(
      'Invalid configuration:\n  REDIS_URL: the worker takes jobs from Redis; without REDIS_URL the API ' +
        'process (npm start) runs its jobs itself and no worker is needed.',
    );
  }
  const log = createLogger(config.LOG_LEVEL);
  const database = await openConfiguredDatabase(config);
  const redis = createRedisConnections(config.REDIS_URL, config.REDIS_PREFIX, log);
  const queue = createBullQueue({ redis, log });
  const app = await buildApp({
    config,
    database,
    queue,
    clock: systemClock,
    logger: log,
    redis,
    runsJobs: true,
  });
  await app.ready();
  await queue.work({ concurrency: config.WORKER_CONCURRENCY });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'worker shutting down: finishing the jobs it holds');
    await queue.close(); // waits for running jobs; unstarted ones stay in Redis for another worker
    await app.close();
    await redis.close();
    await database.close();
    process.exit(0);
  };
  process.on('SIGTERM', (s) => void stop(s));
  process.on('SIGINT', (s) => void stop(s));
  log.info({ database: database.kind, pid: process.pid }, 'Purchases worker running jobs');
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof DatabaseBusyError) console.error(err.message);
  else console.error('Worker failed to start:', err);
  process.exit(1);
});
