// Command-line tasks: `npm run migrate`, `npm run createsuperuser -- --email E --password P`,
// `npm run import-price-list -- --shop-email E FILE`, `npm run media -- regenerate`.
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { createLogger } from './platform/logger.js';
import { emailSchema, upsertStaffUser } from './modules/accounts/index.js';
import { createCatalogService } from './modules/catalog/index.js';
import type { RegenerationResult } from './modules/media/index.js';
import { describeSummary, importPriceListFile } from './modules/partner/index.js';
import { createMedia } from './app.js';
import { createBullQueue } from './platform/bull-queue.js';
import { createMemoryCache, createRedisCache } from './platform/cache.js';
import { ConfigError, loadConfig } from './platform/config.js';
import { createMetrics } from './platform/metrics.js';
import { DatabaseBusyError, openConfiguredDatabase } from './platform/db/open.js';
import { AppError } from './platform/problems.js';
import { createInProcessQueue } from './platform/queue.js';
import { createRedisConnections } from './platform/redis.js';

const USAGE = `Usage:
  npm run migrate
  npm run createsuperuser -- --email E --password P
  npm run import-price-list -- --shop-email E FILE
  npm run media -- regenerate          rebuild every thumbnail (after a change of sizes or MEDIA_URL)`;

async function main(argv: string[]) {
  const [command, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: command === 'import-price-list' || command === 'media',
    options: {
      email: { type: 'string' },
      password: { type: 'string' },
      'shop-email': { type: 'string' },
    },
  });
  if (command === 'import-price-list')
    return importPriceListCommand(values['shop-email'], positionals);
  if (command === 'media') return mediaCommand(positionals);
  if (command !== 'migrate' && command !== 'createsuperuser') throw new UsageError(USAGE);

  let email = '';
  if (command === 'createsuperuser') {
    const parsed = emailSchema.safeParse(values.email ?? '');
    if (!parsed.success || !values.password)
      throw new UsageError(`--email and --password are required.\n${USAGE}`);
    email = parsed.data;
  }

  const database = await openConfiguredDatabase(loadConfig(undefined, { devDefaults: true }));
  try {
    if (command === 'migrate') return console.log('Migrations applied.');
    const { created } = await upsertStaffUser(database.db, email, values.password!);
    console.log(
      created ? `Staff user ${email} created.` : `User ${email} is now an active staff user.`,
    );
  } finally {
    await database.close();
  }
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
