// Command-line tasks: `npm run migrate`, `npm run createsuperuser -- --email E [--password-stdin]`,
// `npm run import-price-list -- --shop-email E FILE`, `npm run media -- regenerate`.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { createLogger } from './platform/logger.js';
import { emailSchema, upsertStaffUser } from './modules/accounts/index.js';
import { createCatalogService } from './modules/catalog/index.js';
import type { RegenerationResult } from './modules/media/index.js';
import { describeSummary, importPriceListFile } from './modules/partner/index.js';
import { buildApp, createMedia } from './app.js';
import { createBullQueue } from './platform/bull-queue.js';
import { createMemoryCache, createRedisCache } from './platform/cache.js';
import { createMetrics } from './platform/metrics.js';
import { ConfigError, loadConfig, type Config } from './platform/config.js';
import { openDatabase } from './platform/db/client.js';
import { DatabaseBusyError, openConfiguredDatabase } from './platform/db/open.js';
import { systemClock } from './platform/clock.js';
import { AppError } from './platform/problems.js';
import { createInProcessQueue } from './platform/queue.js';
import { createRedisConnections } from './platform/redis.js';

const USAGE = `Usage:
  npm run migrate
  npm run createsuperuser -- --email E [--password-stdin | --password P]
                                       make E an active staff user; the password (needed for a new
                                       account, else the old one stays) comes from standard input,
                                       SUPERUSER_PASSWORD or --password
  npm run import-price-list -- --shop-email E FILE
  npm run media -- regenerate          rebuild every thumbnail (after a change of sizes or MEDIA_URL)
  npm run openapi -- [FILE]             write the OpenAPI document (JSON) to FILE or stdout`;

async function main(argv: string[]) {
  const [command, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: ['import-price-list', 'media', 'openapi'].includes(command ?? ''),
    options: {
      email: { type: 'string' },
      password: { type: 'string' },
      'password-stdin': { type: 'boolean' },
      'shop-email': { type: 'string' },
    },
  });
  if (command === 'import-price-list')
    return importPriceListCommand(values['shop-email'], positionals);
  if (command === 'media') return mediaCommand(positionals);
  if (command === 'openapi') return openApiCommand(positionals);
  if (command !== 'migrate' && command !== 'createsuperuser') throw new UsageError(USAGE);

  const config = loadConfig(undefined, { devDefaults: true });
  if (command === 'migrate') {
    const database = await openConfiguredDatabase(config);
    await database.close();
    return console.log('Migrations applied: the database is up to date.');
  }
  const parsed = emailSchema.safeParse(values.email ?? '');
  if (!parsed.success) throw new UsageError(`--email is required.\n${USAGE}`);
  const password = values['password-stdin']
    ? await readStdinLine()
    : (values.password ?? config.SUPERUSER_PASSWORD);
  await createSuperuser(config, parsed.data, password);
}

async function createSuperuser(config: Config, email: string, password: string | undefined) {
  const database = await openConfiguredDatabase(config);
  try {
    const r = await upsertStaffUser(database.db, email, password);
    if (r.created) return console.log(`Staff user ${email} created.`);
    const what = r.promoted ? 'is now an active staff user' : 'was already an active staff user';
    console.log(
      `User ${email} ${what}; ` +
        (r.passwordChanged
          ? 'password changed (its tokens and console sessions are signed out).'
          : 'password unchanged.'),
    );
  } finally {
    await database.close();
  }
}

/** The first line of standard input (`--password-stdin`), kept out of argv and shell history. */
async function readStdinLine(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const line = Buffer.concat(chunks).toString('utf8').split(/\r?\n/, 1)[0] ?? '';
  if (!line) throw new UsageError('--password-stdin: standard input holds no password.');
  return line;
}

class UsageError extends Error {}

async function importPriceListCommand(email: string | undefined, files: string[]) {
  if (!email || files.length !== 1)
    throw new UsageError(`--shop-email and one FILE are required.\n${USAGE}`);
  const config = loadConfig(undefined, { devDefaults: true });
  const database = await openConfiguredDatabase(config);
  // API processes cache catalog pages; with Redis they share the cache, which the import drops.
  // Without Redis an API process beside this command serves its own entries until they expire.
  const redis = config.REDIS_URL && createRedisConnections(config.REDIS_URL, config.REDIS_PREFIX);
  const cache = redis ? createRedisCache(redis) : createMemoryCache();
  const log = createLogger(config.LOG_LEVEL);
  try {
    const catalog = createCatalogService({
      db: database.db,
      cache,
      log,
      imports: createMetrics().imports,
    });
    const maxBytes = Math.round(config.PRICE_LIST_MAX_MB * 1024 * 1024);
    const summary = await importPriceListFile(
      { db: database.db, catalog },
      email,
      files[0]!,
      maxBytes,
    );
    console.log(describeSummary(summary));
  } finally {
    if (redis) await redis.close();
    await database.close();
  }
}

/**
 * Rebuilds every thumbnail as a job. With Redis it is queued for the workers (`npm run worker`);
 * without, this process runs it and reports.
 */
async function mediaCommand(args: string[]) {
  if (args.length !== 1 || args[0] !== 'regenerate') throw new UsageError(USAGE);
  const config = loadConfig(undefined, { devDefaults: true });
  const log = createLogger(config.LOG_LEVEL);
  const database = await openConfiguredDatabase(config);
  const redis = config.REDIS_URL
    ? createRedisConnections(config.REDIS_URL, config.REDIS_PREFIX, log)
    : undefined;
  const bull = redis && createBullQueue({ redis, log });
  const queue = bull ?? createInProcessQueue({ log });
  const cache = redis ? createRedisCache(redis) : createMemoryCache();
  const catalog = createCatalogService({
    db: database.db,
    cache,
    log,
    imports: createMetrics().imports,
  });
  const { storage, media } = createMedia({ config, db: database.db, queue, catalog, log });
  try {
    const id = await media.startRegeneration();
    if (bull) return console.log(`Queued job ${id}; a worker (npm run worker) runs it.`);
    await queue.drain();
    const job = await queue.status(id);
    if (job?.state !== 'completed') throw new Error(`Thumbnails not rebuilt: ${job?.error}`);
    const r = job.result as RegenerationResult;
    console.log(
      `${r.pictures} pictures: ${r.rebuilt} rebuilt (${r.changed} with new URLs), ${r.failed} failed.`,
    );
    if (r.failed > 0) process.exitCode = 1;
  } finally {
    storage.close();
    await bull?.close();
    await redis?.close();
    await database.close();
  }
}

/**
 * The OpenAPI document the API serves at /api/schema/, without a database: the app is built over a
 * PostgreSQL pool that never connects (building it runs no query), so `npm run check` can lint it.
 */
async function openApiCommand(args: string[]) {
  if (args.length > 1) throw new UsageError(USAGE);
  const config = loadConfig({ SECRET_KEY: 'openapi', DATA_DIR: tmpdir(), LOG_LEVEL: 'silent' });
  const database = await openDatabase({ url: 'postgres://openapi@127.0.0.1:1/openapi' });
  const app = await buildApp({
    config,
    database,
    queue: createInProcessQueue({ log: createLogger('silent') }),
    clock: systemClock,
    logger: false,
  });
  try {
    await app.ready();
    const text = `${JSON.stringify(app.swagger(), null, 2)}\n`;
    if (args[0]) {
      await mkdir(dirname(args[0]), { recursive: true });
      await writeFile(args[0], text);
    } else process.stdout.write(text);
  } finally {
    await app.close();
    await database.close();
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof AppError) {
    const reasons = err.errors?.map((e) => `  ${e.field}: ${e.message}`).join('\n') ?? '';
    console.error(`${err.detail}\n${reasons}`);
  } else if (
    err instanceof UsageError ||
    err instanceof ConfigError ||
    err instanceof DatabaseBusyError
  ) {
    console.error(err.message);
  } else if (err instanceof z.ZodError || err instanceof TypeError) {
    console.error(String(err));
  } else {
    console.error(err);
  }
  process.exit(1);
});
