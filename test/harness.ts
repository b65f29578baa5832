// The app as tests meet it: a real database (PGlite golden copy, or PostgreSQL with
// TEST_DATABASE_URL), a real SMTP server, an in-process job queue and a clock tests can move.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DestinationStream } from 'pino';
import { inject } from 'vitest';
import { buildApp } from '../src/app.js';
import type { App } from '../src/platform/http.js';
import { loadConfig } from '../src/platform/config.js';
import { createLogger } from '../src/platform/logger.js';
import { openDatabase, type Database } from '../src/platform/db/client.js';
import { createBullQueue, type BullJobQueue } from '../src/platform/bull-queue.js';
import { createInProcessQueue, type JobQueue } from '../src/platform/queue.js';
import { createRedisConnections, type RedisConnections } from '../src/platform/redis.js';
import { startSmtp, type TestSmtp } from './smtp.js';

export interface TestClock {
  now(): Date;
  advance(ms: number): void;
}

export interface Harness {
  app: App;
  database: Database;
  queue: JobQueue;
  smtp: TestSmtp;
  clock: TestClock;
  dataDir: string;
  /** The harness's own Redis prefix, when TEST_REDIS_URL is set. */
  redis?: RedisConnections;
  /** Waits until the work requests started has ended: detached tasks, then every job. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export const isPostgres = Boolean(process.env.TEST_DATABASE_URL);
export const isRedis = Boolean(process.env.TEST_REDIS_URL);

/**
 * Redis for one harness when TEST_REDIS_URL is set: a key prefix of its own (unless one is given,
 * to stand for another process of the same service), so test files never share counters, cache
 * entries or queues.
 */
export function openTestRedis(
  prefix = `purchases-test:${randomBytes(6).toString('hex')}:`,
): RedisConnections | undefined {
  const url = process.env.TEST_REDIS_URL;
  return url ? createRedisConnections(url, prefix) : undefined;
}

/**
 * Limits far above what any test file sends, and no catalog cache: factories write rows straight
 * to the database, past the services that invalidate it. Tests of limits and cache set their own.
 */
const GENEROUS_LIMITS = {
  CACHE_ENABLED: 'false',
  THROTTLE_ANON: '1000000/day',
  THROTTLE_USER: '1000000/day',
  THROTTLE_BURST: '1000000/min',
  THROTTLE_SUSTAINED: '1000000/hour',
};

/** The migrated embedded database every PGlite test starts from (global-setup.ts), as a dump. */
export const goldenDump = async () => new Blob([await readFile(inject('goldenPath'))]);

export async function openTestDatabase(poolSize?: number): Promise<Database> {
  const url = process.env.TEST_DATABASE_URL;
  if (url) return openDatabase({ url, poolSize });
  return openDatabase({ loadDataDir: await goldenDump() });
}

// Loading the golden copy is most of what a harness costs, so on PGlite the harnesses of one test
// process share one embedded database, as all tests share the PostgreSQL one: no test may count
// on a database of its own. It lives in memory as long as the process; nothing needs flushing.
let sharedPglite: Promise<Database> | undefined;

async function harnessDatabase(): Promise<{ database: Database; release(): Promise<void> }> {
  if (isPostgres) {
    const database = await openTestDatabase();
    return { database, release: () => database.close() };
  }
  sharedPglite ??= openTestDatabase();
  return { database: await sharedPglite, release: async () => {} };
}

export interface HarnessOptions {
  /** Where the app and its queue write their log (as the service does: JSON lines, level info). */
  logTo?: DestinationStream;
  /** Test-only routes and jobs, added before the app is ready. */
  extend?: (app: App, parts: { queue: JobQueue; database: Database }) => void;
}

export async function createHarness(
  env: Record<string, string> = {},
  { logTo, extend }: HarnessOptions = {},
): Promise<Harness> {
  const [{ database, release }, smtp, dataDir] = await Promise.all([
    harnessDatabase(),
    startSmtp(),
    mkdtemp(join(tmpdir(), 'purchases-test-')),
  ]);
  let offset = 0;
  const clock: TestClock = {
    now: () => new Date(Date.now() + offset),
    advance: (ms) => void (offset += ms),
  };
  const config = loadConfig({
    SECRET_KEY: 'test-secret',
    DATA_DIR: dataDir,
    EMAIL_HOST: '127.0.0.1',
    EMAIL_PORT: String(smtp.port),
    EMAIL_USE_SSL: 'false',
    DEFAULT_FROM_EMAIL: 'shop@purchases.test',
    ...GENEROUS_LIMITS,
    ...env,
  });
  const redis = openTestRedis();
  // TEST_LOG=error (or another level) shows the app's log, to see why a test got a 500.
  const logger = logTo
    ? createLogger('info', logTo)
    : process.env.TEST_LOG
      ? createLogger(process.env.TEST_LOG)
      : false;
  const queueLog = logger || silentLog;
  // With Redis, jobs go through BullMQ and a worker in this process runs them.
  const bull: BullJobQueue | undefined =
    redis && createBullQueue({ redis, log: queueLog, backoffMs: 10 });
  const queue = bull ?? createInProcessQueue({ log: queueLog, backoffMs: 10 });
  const app = await buildApp({ config, database, queue, clock, logger, redis });
  extend?.(app, { queue, database });
  await app.ready();
  await bull?.work();
  return {
    app,
    database,
    queue,
    smtp,
    clock,
    dataDir,
    redis,
    async settle() {
      await app.background.drain();
      await queue.drain();
    },
    async close() {
      await app.background.drain();
      await queue.drain();
      await bull?.close();
      await app.close();
      await redis?.close();
      await Promise.all([release(), smtp.close(), rm(dataDir, { recursive: true, force: true })]);
    },
  };
}

const noop = () => {};
export const silentLog = {
  level: 'silent',
  fatal: noop,
  error: noop,
  warn: noop,
  info: noop,
  debug: noop,
  trace: noop,
  silent: noop,
  child: () => silentLog,
} as unknown as import('fastify').FastifyBaseLogger;

export {
  createAccount,
  createUser,
  PASSWORD,
  uniqueEmail,
  type TestAccount,
  type TestUser,
} from './accounts.js';
