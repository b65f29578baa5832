// The app in a process of its own, with Sentry set up as in production (`node --import tsx
// --import ./src/instrument.ts test/sentry-app.ts`), for test/sentry.test.ts: Sentry is global to
// a process, so it cannot share a test process with the other tests. The test's database (the
// PGlite golden copy, or PostgreSQL) and Redis, when set; it says over IPC where it listens and
// which accounts it made, and flushes Sentry when asked.
import * as Sentry from '@sentry/node';
import { sql } from 'drizzle-orm';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { buildApp } from '../src/app.js';
import { createBullQueue } from '../src/platform/bull-queue.js';
import { systemClock } from '../src/platform/clock.js';
import { loadConfig } from '../src/platform/config.js';
import { openDatabase } from '../src/platform/db/client.js';
import { createLogger } from '../src/platform/logger.js';
import { createInProcessQueue } from '../src/platform/queue.js';
import { createRedisConnections } from '../src/platform/redis.js';
import { createUser } from './accounts.js';

const env = process.env;
const database = env.TEST_DATABASE_URL
  ? await openDatabase({ url: env.TEST_DATABASE_URL })
  : await openDatabase({ loadDataDir: new Blob([await readFile(env.GOLDEN_PATH!)]) });
// Lines go to stdout, where the test reads them.
const log = createLogger('info');
const redis = env.TEST_REDIS_URL
  ? createRedisConnections(
      env.TEST_REDIS_URL,
      `purchases-sentry:${randomBytes(6).toString('hex')}:`,
    )
  : undefined;
const bull = redis && createBullQueue({ redis, log, backoffMs: 10 });
const queue = bull ?? createInProcessQueue({ log, backoffMs: 10 });
const config = loadConfig({
  SECRET_KEY: 'sentry-test-secret',
  DATA_DIR: env.DATA_DIR,
  EMAIL_HOST: '',
  // The test stands for the proxy in front, so its X-Forwarded-For is the client's address.
  TRUST_PROXY: 'loopback',
  IMPORT_ALLOW_PRIVATE_URLS: 'true',
  THROTTLE_ANON: '1000000/day',
  THROTTLE_USER: '1000000/day',
  THROTTLE_BURST: '1000000/min',
  THROTTLE_SUSTAINED: '1000000/hour',
});
const app = await buildApp({
  config,
  database,
  queue,
  clock: systemClock,
  logger: log,
  redis,
  runsJobs: !bull,
});

// A fault of ours with personal data in the statement (a second account on a taken email), met
// by a request and by a job (two attempts: only the last one is a crash).
const victim = await createUser({ database });
const faultyInsert = () =>
  database.db.execute(
    sql`insert into users (email, password_hash, first_name) values (${victim.email}, ${'$argon2id$secret-hash'}, ${'+7 916 555-12-34, Тверская 7'})`,
  );
const crash = queue.register({
  name: 'test.crash',
  queue: 'mail',
  attempts: 2,
  handler: async () => void (await faultyInsert()),
});
app.get('/test/fault/', async () => {
  await faultyInsert();
  return { ok: true };
});
// A request with more spans than fit in 32 KB: the SDK sends its trace gzip-compressed.
app.get('/test/many-spans/', async () => {
  for (let i = 0; i < 80; i++)
    await Sentry.startSpan({ name: `step ${i}`, op: 'function' }, () => database.ping());
  return { trace_id: Sentry.getActiveSpan()!.spanContext().traceId };
});
app.post('/test/crash-job/', async (_req, reply) =>
  reply.code(202).send({ job_id: await queue.enqueue(crash, {}) }),
);
await app.ready();
await bull?.work();
await app.listen({ port: 0, host: '127.0.0.1' });

const [staff, buyer, shop] = await Promise.all([
  createUser({ database }, { staff: true }),
  createUser({ database }),
  createUser({ database }, { type: 'shop' }),
]);
const { port } = app.server.address() as { port: number };
process.send!({ port, staff, buyer, shop, victim: victim.email });

process.on('message', (message) => {
  if (message === 'flush') void Sentry.flush(10_000).then(() => process.send!('flushed'));
});
process.on('SIGTERM', () => {
  void (async () => {
    await app.close();
    await bull?.close();
    await redis?.close();
    await database.close();
    process.exit(0);
  })();
});
