// buildApp(deps): every platform plugin and module route, wired once; no listen.
import Fastify, { type FastifyBaseLogger, type FastifyServerOptions } from 'fastify';
import {
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { randomUUID } from 'node:crypto';
import {
  accountsRoutes,
  createAccountsService,
  createTokenLookup,
} from './modules/accounts/index.js';
import { adminRoutes } from './modules/admin/index.js';
import {
  catalogRoutes,
  createCatalogService,
  installCatalogCache,
} from './modules/catalog/index.js';
import { consoleRoutes } from './modules/console/index.js';
import { contactsRoutes, createContactsService } from './modules/contacts/index.js';
import { createGoogleLogin, oauthRoutes } from './modules/oauth/index.js';
import {
  createMediaService,
  createPictureProcessor,
  mediaFilesRoute,
  mediaRoutes,
  type OfferOwners,
} from './modules/media/index.js';
import { opsRoutes } from './modules/ops/index.js';
import {
  cartRoutes,
  createCartService,
  createOrdersService,
  ordersRoutes,
} from './modules/orders/index.js';
import { createPartnerService, partnerRoutes } from './modules/partner/index.js';
import { createIdentify, installAuth } from './platform/auth.js';
import { createBackground } from './platform/background.js';
import { createMemoryCache, createRedisCache } from './platform/cache.js';
import type { Clock } from './platform/clock.js';
import type { Config } from './platform/config.js';
import type { Database } from './platform/db/client.js';
import { answerClientError, frameworkErrors, installProblemHandling } from './platform/errors.js';
import type { App } from './platform/http.js';
import { createMailer, createTransport } from './platform/mailer.js';
import { createMetrics, installMetrics } from './platform/metrics.js';
import { installRequestContext, RequestLog } from './platform/observability.js';
import { installOpenApi } from './platform/openapi.js';
import type { JobQueue } from './platform/queue.js';
import {
  createMemoryRateLimitStore,
  createRedisRateLimitStore,
  failingOpen,
} from './platform/rate-limit.js';
import type { RedisConnections } from './platform/redis.js';
import { installSecurityHeaders } from './platform/security-headers.js';
import { createStorage } from './platform/storage.js';
import { installTextChecks } from './platform/text-input.js';
import { createWorkerWatch } from './platform/worker-watch.js';
import { createRequestLimiter, installRateLimits } from './platform/throttle.js';

export interface AppDeps {
  config: Config;
  database: Database;
  queue: JobQueue;
  clock: Clock;
  /** Shared Redis (limits, cache, jobs across processes); absent → in-memory stand-ins. */
  redis?: RedisConnections;
  logger: FastifyServerOptions['logger'] | FastifyBaseLogger;
  /**
   * This process runs jobs (the API without Redis, or the worker): it also sweeps the mail that
   * no job holds (see platform/mailer.ts).
   */
  runsJobs?: boolean;
}

/** Pictures: their storage and the media service (the app and `npm run media` share it). */
export function createMedia(deps: {
  config: Config;
  db: Database['db'];
  queue: JobQueue;
  catalog: OfferOwners;
  log: FastifyBaseLogger;
}) {
  const storage = createStorage(deps.config);
  const processor = createPictureProcessor({ maxPixels: deps.config.MEDIA_MAX_PIXELS });
  return { storage, media: createMediaService({ ...deps, storage, processor }) };
}

/** The largest JSON body accepted; price lists have their own, larger limit. */
export const BODY_LIMIT = 1024 * 1024;
const LOGIN_FAILURE_WINDOW_MS = 15 * 60_000;

export async function buildApp(deps: AppDeps): Promise<App> {
  const { config, database, queue, clock, redis } = deps;
  const db = database.db;
  const logger = deps.logger;
  const requestLog = new RequestLog({
    disableRequestLogging: !config.LOG_REQUESTS,
    requestIdLogLabel: 'request_id',
  });

  // Node's parser refusals arrive on the server, outside any request: logged by the app's logger.
  const clientErrorLog = (): FastifyBaseLogger => app.log;
  const app: App = Fastify({
    ...(logger && typeof logger === 'object' && 'child' in logger
      ? { loggerInstance: logger as FastifyBaseLogger }
      : { logger: logger as FastifyServerOptions['logger'] }),
    bodyLimit: BODY_LIMIT,
    routerOptions: { ignoreTrailingSlash: true },
    genReqId: () => randomUUID(),
    logController: requestLog,
    // Forwarded headers count only from the proxies configured (TRUST_PROXY), never any client's.
    trustProxy: config.TRUST_PROXY,
    frameworkErrors,
    clientErrorHandler: (err, socket) => answerClientError(err, socket, clientErrorLog()),
  }).withTypeProvider<ZodTypeProvider>();
  // Bodies are JSON unless a route reads more (price lists, pictures, console forms): a text/plain
  // body is 415 like any other type no route reads, not a string that fails validation.
  app.removeContentTypeParser('text/plain');

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  const identify = createIdentify(createTokenLookup(db));
  // First of all hooks: every later step runs in the request's log context.
  installRequestContext(app, requestLog, identify);
  app.addHook('onSend', async (req, reply) => void reply.header('x-request-id', req.id));
  installProblemHandling(app, BODY_LIMIT);
  installTextChecks(app);
  installSecurityHeaders(app);
  installAuth(app, identify);
  const limitStore = redis
    ? createRedisRateLimitStore(redis, clock)
    : createMemoryRateLimitStore(clock);
  // Failed logins and mailed tokens are counted in the same store; they guard passwords and
  // mailboxes, so a Redis outage refuses them (503) unless THROTTLE_FAIL_OPEN=true.
  const guardStore = config.THROTTLE_FAIL_OPEN === true ? failingOpen(limitStore) : limitStore;
  if (config.THROTTLE_ENABLED) {
    installRateLimits(app, { store: limitStore, config, clock, identify });
  }
  const metrics = createMetrics();
  const cache = redis
    ? createRedisCache(redis, { clock, onLookup: metrics.cache.lookup })
    : createMemoryCache({ clock, onLookup: metrics.cache.lookup });
  await installOpenApi(app);
  installMetrics(app, { metrics, queue, config });

  const background = createBackground(app.log);
  app.decorate('background', background);
  const mail = createMailer({
    db,
    queue,
    background,
    transport: createTransport(config, app.log),
    clock,
    log: app.log,
  });
  if (deps.runsJobs) mail.startSweeping();
  // Work still running may send mail: it ends before the SMTP pool closes.
  app.addHook('onClose', async () => {
    await background.drain();
    if (queue.kind === 'in-process') await queue.drain();
    await mail.close();
  });
  const accounts = createAccountsService({
    db,
    mail,
    clock,
    loginFailures: guardStore.windowCounter('login-failures', LOGIN_FAILURE_WINDOW_MS),
    limits: guardStore,
    emailTokenTtlMs: config.EMAIL_TOKEN_TTL,
  });
  const googleLogin = createGoogleLogin({
    db,
    clock,
    log: app.log,
    config,
    // The failed-login limit covers the callback too, counted per address (no email is known yet).
    failures: guardStore.windowCounter('google-login-failures', LOGIN_FAILURE_WINDOW_MS),
  });
  const catalog = createCatalogService({ db, cache, log: app.log, imports: metrics.imports });
  const orders = createOrdersService({
    db,
    mail,
    clock,
    adminEmail: config.ADMIN_EMAIL,
    metrics: metrics.orders,
    log: app.log,
  });
  app.addHook('onReady', () => orders.warnIfNobodyInvoiced().catch(() => {}));
  const { storage, media } = createMedia({ config, db, queue, catalog, log: app.log });
  app.addHook('onClose', async () => storage.close());
  const priceListMaxBytes = Math.round(config.PRICE_LIST_MAX_MB * 1024 * 1024);
  const partner = createPartnerService({
    db,
    clock,
    catalog,
    orders,
    queue,
    fetch: { maxBytes: priceListMaxBytes, allowPrivate: config.IMPORT_ALLOW_PRIVATE_URLS },
  });

  // Jobs this process leaves to workers: it watches that one runs them.
  const workerSeenAt = deps.runsJobs ? undefined : queue.workerSeenAt;
  const workerWatch =
    workerSeenAt &&
    createWorkerWatch({
      queue: { counts: () => queue.counts(), workerSeenAt },
      clock,
      log: app.log,
    });
  if (workerWatch) {
    app.addHook('onReady', async () => workerWatch.start());
    app.addHook('onClose', async () => workerWatch.stop());
  }

  opsRoutes(app, { database, redis, cache, workers: workerWatch });
  accountsRoutes(app, accounts, background);
  oauthRoutes(app, googleLogin);
  contactsRoutes(app, createContactsService({ db }));
  adminRoutes(app, { orders, queue, cache });
  consoleRoutes(app, {
    accounts,
    orders,
    catalog,
    partner,
    queue,
    clock,
    limiter: config.THROTTLE_ENABLED
      ? createRequestLimiter({ store: limitStore, config, clock })
      : undefined,
    config,
    priceListMaxBytes,
  });
  partnerRoutes(app, partner, priceListMaxBytes);
  if (config.CACHE_ENABLED) installCatalogCache(app, cache);
  catalogRoutes(app, catalog);
  cartRoutes(app, createCartService({ db }));
  ordersRoutes(app, orders);
  mediaRoutes(app, media, Math.round(config.MEDIA_MAX_MB * 1024 * 1024));
  if (storage.kind === 'local') await mediaFilesRoute(app, config.MEDIA_ROOT, config.MEDIA_URL);
  return app;
}
