// The staff console at /admin/: server-rendered pages (eta), their CSS and script served from
// here, a cookie session per browser, a CSRF token on every form and the headers that keep the
// pages private (strict CSP, no framing, no caching). Everything is confined to this plugin's
// scope: the JSON API parses no forms and reads no cookies.
// @fastify/cookie is pinned to 11.1.0: from 11.1.1 it needs `cookie` 2, which needs Node 22.
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import view from '@fastify/view';
import { Eta } from 'eta';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { App } from '../../platform/http.js';
import type { SessionUser } from '../accounts/index.js';
import { installAssets } from './console.assets.js';
import { consoleErrorHandler } from './console.errors.js';
import type { ConsoleDeps } from './console.deps.js';
import { sessionHook } from './console.session.js';
import { authRoutes } from './routes/auth.routes.js';
import { dashboardRoutes } from './routes/dashboard.routes.js';
import { jobsRoutes } from './routes/jobs.routes.js';
import { ordersRoutes } from './routes/orders.routes.js';
import { outboxRoutes } from './routes/outbox.routes.js';
import { shopsRoutes } from './routes/shops.routes.js';
import { usersRoutes } from './routes/users.routes.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in staff user of a console request (null on the sign-in page). */
    staff: SessionUser | null;
  }
}

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

const views = fileURLToPath(new URL('./views', import.meta.url));

/** A key of its own for console cookies, derived from SECRET_KEY. */
const cookieSecret = (secret: string) =>
  createHash('sha256').update(`console-cookies:${secret}`).digest('base64url');

export function consoleRoutes(app: App, deps: ConsoleDeps) {
  app.register(async (plain) => {
    const scope = plain.withTypeProvider<ZodTypeProvider>();
    const secure = !deps.config.DEBUG;
    await scope.register(cookie, { secret: cookieSecret(deps.config.SECRET_KEY) });
    await scope.register(formbody, { bodyLimit: 64 * 1024 });
    // Upload forms: the file arrives as text beside the CSRF field, both parsed before preHandler.
    await scope.register(multipart, {
      attachFieldsToBody: 'keyValues',
      limits: { fileSize: deps.priceListMaxBytes, files: 1, fields: 5, parts: 6 },
      onFile: async (part) => {
        (part as unknown as { value: string }).value = (await part.toBuffer()).toString('utf8');
      },
    });
    await scope.register(csrf, {
      cookieKey: 'console_csrf',
      cookieOpts: { path: '/admin', httpOnly: true, sameSite: 'strict', secure, signed: true },
    });
    await scope.register(view, {
      engine: { eta: new Eta({ views, autoEscape: true }) },
      root: views,
      production: !deps.config.DEBUG,
    });

    scope.decorateRequest('staff', null);
    scope.addHook('onRequest', sessionHook(deps));
    // preHandler, not onRequest: the token travels in the form body, parsed by then.
    scope.addHook('preHandler', (req, reply, done) => {
      if (req.method === 'POST') return scope.csrfProtection(req, reply, done);
      done();
    });
    scope.addHook('onSend', async (_req, reply) => {
      void reply.header('content-security-policy', CSP).header('x-frame-options', 'DENY');
      if (!reply.hasHeader('cache-control')) void reply.header('cache-control', 'no-store');
    });
    scope.setErrorHandler(consoleErrorHandler(deps.config.DEBUG));

    installAssets(scope);
    const ctx = { ...deps, secure };
    authRoutes(scope, ctx);
    dashboardRoutes(scope, ctx);
    ordersRoutes(scope, ctx);
    shopsRoutes(scope, ctx);
    usersRoutes(scope, ctx);
    jobsRoutes(scope, ctx);
    if (deps.config.DEBUG) outboxRoutes(scope, ctx);
  });
}
