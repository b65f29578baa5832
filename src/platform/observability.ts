// What requests and jobs carry into the log and to Sentry. Every log line of a request names its
// request_id, route template and user_id (log-context.ts), Fastify's own lines included; a job's
// lines name the job, its id and the request that queued it. Sentry gets the user (id and type),
// the tags route, method, status and request_id (job and job_id for jobs), and only unexpected
// errors: a request answered 5xx because of a fault, a job whose last attempt failed.
import { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { performance } from 'node:perf_hooks';
import type { Identify } from './auth.js';
import { bindRequestLogger, runInContext, type LogContext } from './log-context.js';
import { sentry } from './sentry-sdk.js';

const contexts = new WeakMap<FastifyRequest, LogContext>();

/**
 * Fastify's request lines, each with the request's context. The "incoming request" line waits
 * until the caller is known (the first onRequest hook, below), so that it names the user too.
 */
export class RequestLog extends LogController {
  override incomingRequest(request: FastifyRequest) {
    const context: LogContext = {
      request_id: String(request.id),
      route: request.routeOptions.url ?? null,
      user_id: null,
    };
    contexts.set(request, context);
    bindRequestLogger(request.log, context);
  }

  callerKnown(request: FastifyRequest, reply: FastifyReply) {
    super.incomingRequest(request, reply);
  }
}

/** The account a request acts for, for its log lines and its Sentry events. */
export function setCaller(request: FastifyRequest, user: { id: number; type: string } | null) {
  const context = contexts.get(request);
  if (context) context.user_id = user?.id ?? null;
  sentry()
    ?.getIsolationScope()
    .setUser(user && { id: String(user.id), type: user.type });
}

/**
 * The first hook of every request: runs the rest of it in its log context and finds the caller
 * (the token lookup is shared with the limits and the route's auth check). Routes that opt out of
 * limits (`rateLimit: false`: probes, metrics with their own token) never look anyone up.
 */
export function installRequestContext(app: FastifyInstance, log: RequestLog, identify: Identify) {
  app.addHook('onRequest', (request, reply, done) => {
    const context = contexts.get(request) ?? { request_id: String(request.id), user_id: null };
    sentry()
      ?.getIsolationScope()
      .setTags({
        route: context.route ?? 'unmatched',
        method: request.method,
        request_id: context.request_id,
      });
    const anyone =
      !request.headers.authorization || request.routeOptions.config.rateLimit === false;
    runInContext(context, () => {
      (anyone ? Promise.resolve(null) : identify(request))
        .then((user) => setCaller(request, user))
        .finally(() => log.callerKnown(request, reply))
        .then(() => done(), done);
    });
  });
}

/**
 * Reports an unexpected error: one a request answers with `status` (5xx), or one of work done after
 * the answer. The Sentry event's id, when Sentry is on.
 */
export function reportFault(err: unknown, status?: number): string | undefined {
  return sentry()?.captureException(err, status === undefined ? undefined : { tags: { status } });
}

export interface JobAttempt {
  name: string;
  id: string;
  /** The request that queued the job, if a request did. */
  requestId: string | null;
  attempt: number;
  /** No retry follows if this attempt fails. */
  final: boolean;
}

/**
 * Runs one attempt of a job in the job's context: its log lines name the job and the request
 * that queued it; with Sentry, it is a trace of its own (when sampled) and the failure of its
 * last attempt is reported with the tags job, job_id and request_id.
 */
export function observeJob<T>(
  log: FastifyBaseLogger,
  job: JobAttempt,
  work: () => Promise<T>,
): Promise<T> {
  const context: LogContext = { job: job.name, job_id: job.id };
  if (job.requestId) context.request_id = job.requestId;
  const failed = (err: unknown) => {
    if (job.final) log.error({ attempt: job.attempt, err }, 'job failed');
    else log.warn({ attempt: job.attempt, err }, 'job will retry');
    if (job.final) sentry()?.captureException(err);
    throw err;
  };
  return runInContext(context, () => {
    const Sentry = sentry();
    if (!Sentry) return work().catch(failed);
    // A scope of its own: a job queued by a request must not carry that request's user and tags.
    return Sentry.withIsolationScope(new Sentry.Scope(), (scope) => {
      scope.setTags({ job: job.name, job_id: job.id, request_id: job.requestId ?? undefined });
      return Sentry.startNewTrace(() =>
        Sentry.startSpan({ name: job.name, op: 'queue.process' }, () => work().catch(failed)),
      );
    });
  });
}

export const sentryEnabled = () => sentry() !== undefined;

/** Runs `work` as a span of the current trace; how long it took, in milliseconds. */
export async function timedSpan(name: string, op: string, work: () => Promise<unknown>) {
  const start = performance.now();
  const Sentry = sentry();
  await (Sentry ? Sentry.startSpan({ name, op }, work) : work());
  return { name, op, duration_ms: Math.round((performance.now() - start) * 1000) / 1000 };
}

/** The id of the trace a request runs in; empty without Sentry. */
export function currentTraceId(): string {
  const Sentry = sentry();
  if (!Sentry) return '';
  const span = Sentry.getActiveSpan();
  return span
    ? span.spanContext().traceId
    : Sentry.getCurrentScope().getPropagationContext().traceId;
}
