// Request rate limits (anonymous per IP; user, burst and sustained per account) with the IETF
// RateLimit-Policy / RateLimit headers on every answer and 429 problem+json when one is used up.
//
// Limiting runs in an application-wide onRequest hook, i.e. before the route's own auth hook, so
// refused requests cost no route work. The account is found from the token by `identify()`, which
// the auth check then reuses; an unknown or revoked token counts as anonymous (by IP), so made-up
// tokens cannot buy the larger per-user allowance.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Identify } from './auth.js';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import { problem, problemSchema, type AppError } from './problems.js';
import type { Limit, LimitState, RateLimitStore } from './rate-limit.js';
import { isOutage } from './redis.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** `false` exempts a route from request limits (health checks, metrics). */
    rateLimit?: false;
    /**
     * The route guards passwords or sends mail (login, registration, password reset): while Redis
     * does not answer, its limits refuse with 503 rather than let requests through, unless
     * THROTTLE_FAIL_OPEN=true.
     */
    failClosed?: true;
  }
}

/** Paths never limited: probes, metrics and the documentation. */
const EXEMPT = /^\/(health|ready|metrics)(\/|$)|^\/api\/(docs|redoc|schema)(\/|$)/;

type ThrottleConfig = Pick<
  Config,
  'THROTTLE_ANON' | 'THROTTLE_USER' | 'THROTTLE_BURST' | 'THROTTLE_SUSTAINED' | 'THROTTLE_FAIL_OPEN'
>;

export function limitsFromConfig(config: ThrottleConfig) {
  const burst = { name: 'burst', ...config.THROTTLE_BURST };
  const sustained = { name: 'sustained', ...config.THROTTLE_SUSTAINED };
  return {
    // Burst and sustained apply to everyone (an anonymous client by IP), like DRF's throttles.
    anonymous: [{ name: 'anon', ...config.THROTTLE_ANON }, burst, sustained] as Limit[],
    user: [{ name: 'user', ...config.THROTTLE_USER }, burst, sustained] as Limit[],
  };
}

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/** `"burst";q=60;w=60, "user";q=1000;w=86400` (draft-ietf-httpapi-ratelimit-headers). */
export function policyHeader(limits: Limit[]): string {
  return limits.map((l) => `"${l.name}";q=${l.limit};w=${seconds(l.periodMs)}`).join(', ');
}

/** `"burst";r=59;t=12, ...`: what is left of each policy and seconds until its window ends. */
export function stateHeader(states: LimitState[]): string {
  return states.map((s) => `"${s.name}";r=${s.remaining};t=${seconds(s.resetMs)}`).join(', ');
}

const PERIOD_WORDS: Record<number, string> = {
  1000: 'second',
  60_000: 'minute',
  3_600_000: 'hour',
  86_400_000: 'day',
};

function refusal(states: LimitState[]): AppError {
  const used = states.filter((s) => s.remaining === 0);
  const wait = Math.max(...used.map((s) => seconds(s.resetMs)));
  const first = used[0]!;
  const per = PERIOD_WORDS[first.periodMs] ?? `${seconds(first.periodMs)} s`;
  return problem.throttled(
    `Request was throttled: the ${first.name} limit of ${first.limit} requests per ${per} is used up; try again in ${wait} s.`,
    { extra: { limit: first.name, retry_after: wait }, headers: { 'Retry-After': String(wait) } },
  );
}

export interface ThrottleDeps {
  store: RateLimitStore;
  config: ThrottleConfig;
  clock: Clock;
  identify: Identify;
}

/**
 * Counts one request of `subject` against the anonymous or user limits, writes the RateLimit
 * headers and throws the 429 when a limit is used up. The app-wide hook below uses it, and so
 * does the staff console for requests without a session (its routes are exempt from the hook).
 */
export type RequestLimiter = (
  reply: FastifyReply,
  kind: 'anonymous' | 'user',
  subject: string,
) => Promise<void>;

export function createRequestLimiter({
  store,
  config,
  clock,
}: Omit<ThrottleDeps, 'identify'>): RequestLimiter {
  const limits = limitsFromConfig(config);
  const policies = { anonymous: policyHeader(limits.anonymous), user: policyHeader(limits.user) };
  return async (reply, kind, subject) => {
    const { allowed, states } = await store.consume(subject, limits[kind], clock.now().getTime());
    void reply.header('RateLimit-Policy', policies[kind]).header('RateLimit', stateHeader(states));
    if (!allowed) throw refusal(states);
  };
}

export function installRateLimits(app: FastifyInstance, deps: ThrottleDeps) {
  const limit = createRequestLimiter(deps);
  const exempt = (url: string | undefined, request?: FastifyRequest) =>
    request?.routeOptions.config.rateLimit === false || (url !== undefined && EXEMPT.test(url));
  const failsClosed = (request: FastifyRequest) =>
    deps.config.THROTTLE_FAIL_OPEN === false ||
    (deps.config.THROTTLE_FAIL_OPEN === undefined &&
      request.routeOptions.config.failClosed === true);

  // Documents the 429 on every limited route, and the 503 of a limit that cannot count.
  app.addHook('onRoute', (route) => {
    if (exempt(route.url) || route.config?.rateLimit === false || !route.schema?.response) return;
    route.schema = {
      ...route.schema,
      response: { ...(route.schema.response as object), 429: problemSchema, 503: problemSchema },
    };
  });

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.routeOptions.url ?? request.url.split('?')[0]!;
    if (exempt(path, request)) return;
    const user = request.headers.authorization ? await deps.identify(request) : null;
    try {
      await limit(reply, user ? 'user' : 'anonymous', user ? `u${user.id}` : `ip${request.ip}`);
    } catch (err) {
      // Redis does not answer (logged once by redis.ts): refuse or let through, as configured.
      if (isOutage(err) && !failsClosed(request)) return;
      throw err;
    }
  });
}
