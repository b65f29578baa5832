// buildApp(deps): every platform plugin and module route, wired once; no listen.
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyServerOptions,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import {
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { randomUUID } from 'node:crypto';
import { accountsRoutes } from './modules/accounts/accounts.routes.js';
import { adminRoutes } from './modules/admin/admin.routes.js';
import { installCatalogCache } from './modules/catalog/catalog.cache.js';
import { createAccountsService } from './modules/accounts/accounts.service.js';
import { cartRoutes } from './modules/cart/cart.routes.js';
import { createCartService } from './modules/cart/cart.service.js';
import { catalogRoutes } from './modules/catalog/catalog.routes.js';
import { createCatalogService } from './modules/catalog/catalog.service.js';
import { contactsRoutes } from './modules/contacts/contacts.routes.js';
import { createContactsService } from './modules/contacts/contacts.service.js';
import { ordersRoutes } from './modules/orders/orders.routes.js';
import { createOrdersService } from './modules/orders/orders.service.js';
import { opsRoutes } from './modules/ops/ops.routes.js';
import { partnerRoutes } from './modules/partner/partner.routes.js';
import { createPartnerService } from './modules/partner/partner.service.js';
import { installAuth } from './platform/auth.js';
import { createMemoryCache, createRedisCache } from './platform/cache.js';
import type { Clock } from './platform/clock.js';
import type { Config } from './platform/config.js';
import type { Database } from './platform/db/client.js';
import { installProblemHandling } from './platform/errors.js';
import { createMail, createTransport } from './platform/mailer.js';
import { installMetrics } from './platform/metrics.js';
import { installOpenApi } from './platform/openapi.js';
import type { JobQueue } from './platform/queue.js';
import { createMemoryRateLimitStore, createRedisRateLimitStore } from './platform/rate-limit.js';
import type { RedisConnections } from './platform/redis.js';
import { installRateLimits } from './platform/throttle.js';

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

export interface AppDeps {
  config: Config;
  database: Database;
  queue: JobQueue;
  clock: Clock;
  /** Shared Redis (limits, cache, jobs across processes); absent → in-memory stand-ins. */
  redis?: RedisConnections;
  logger: FastifyServerOptions['logger'] | FastifyBaseLogger;
}

/** The largest JSON body accepted; price lists have their own, larger limit. */
export const BODY_LIMIT = 1024 * 1024;
const LOGIN_FAILURE_WINDOW_MS = 15 * 60_000;

export async function buildApp(deps: AppDeps): Promise<App> {
  const { config, database, queue, clock } = deps;
  const logger = deps.logger;
  const app = Fastify({
    ...(logger && typeof logger === 'object' && 'child' in logger
      ? { loggerInstance: logger as FastifyBaseLogger }
      : { logger: logger as FastifyServerOptions['logger'] }),
    bodyLimit: BODY_LIMIT,
    routerOptions: { ignoreTrailingSlash: true },
    genReqId: () => randomUUID(),
    logController: new LogController({ disableRequestLogging: !config.LOG_REQUESTS }),
    trustProxy: true,
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.addHook('onSend', async (req, reply) => void reply.header('x-request-id', req.id));
  installProblemHandling(app, BODY_LIMIT);
  installAuth(app, database.db);
  const limitStore = deps.redis
    ? createRedisRateLimitStore(deps.redis.client(), deps.redis.prefix, clock)
    : createMemoryRateLimitStore(clock);
  if (config.THROTTLE_ENABLED) {
    installRateLimits(app, { store: limitStore, config, clock, db: database.db });
  }
  const cache = deps.redis
    ? createRedisCache(deps.redis.client(), deps.redis.prefix)
    : createMemoryCache();
  // Writers call this after their commit: cached catalog reads then reload everywhere.
  const catalogChanged = (shopIds: number[] = []) =>
    cache.invalidate(['catalog', ...shopIds.map((id) => `shop:${id}` as const)]);
  await installOpenApi(app);
  installMetrics(app, { queue, cache });

  const mail = createMail(queue, createTransport(config, app.log));
  const accounts = createAccountsService({
    db: database.db,
    mail,
    clock,
    loginFailures: limitStore.windowCounter('login-failures', LOGIN_FAILURE_WINDOW_MS),
    emailTokenTtlMs: config.EMAIL_TOKEN_TTL,
  });

  opsRoutes(app, database, deps.redis);
  accountsRoutes(app, accounts);
  contactsRoutes(app, createContactsService({ db: database.db }));
  adminRoutes(app, { queue, cache });
  const priceListMaxBytes = Math.round(config.PRICE_LIST_MAX_MB * 1024 * 1024);
  partnerRoutes(
    app,
    createPartnerService({
      db: database.db,
      queue,
      fetch: { maxBytes: priceListMaxBytes, allowPrivate: config.IMPORT_ALLOW_PRIVATE_URLS },
      catalogChanged,
    }),
    priceListMaxBytes,
  );
  if (config.CACHE_ENABLED) installCatalogCache(app, cache);
  catalogRoutes(app, createCatalogService({ db: database.db }));
  cartRoutes(app, createCartService({ db: database.db }));
  ordersRoutes(
    app,
    createOrdersService({
      db: database.db,
      mail,
      clock,
      adminEmail: config.ADMIN_EMAIL,
      log: app.log,
      catalogChanged,
    }),
  );
  return app;
}
