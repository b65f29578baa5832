// Who and what a log line is about, added to every line by the logger's mixin (logger.ts): the
// request (request_id, route template, user_id) or the job (job, job_id and the request_id that
// queued it). Lines written through a request's own logger (request.log, reply.log: Fastify's
// lines included) take it from that logger, since Fastify writes its completion line outside the
// request's async context; any other logger (a service's) takes it from the async context.
// Imports nothing of the app: src/instrument.ts loads it before Sentry wraps the clients.
import { AsyncLocalStorage } from 'node:async_hooks';

export interface LogContext {
  request_id?: string;
  /** The route template (`/order/:id/`), null for a path no route has. */
  route?: string | null;
  /** The signed-in account, null when anonymous (or not yet known). */
  user_id?: number | null;
  job?: string;
  job_id?: string;
}

const current = new AsyncLocalStorage<LogContext>();
/** Request loggers and their request's context; Fastify already binds their request_id. */
const requestLoggers = new WeakMap<object, LogContext>();

/** The context of the request or job running now, if any. */
export const currentContext = (): LogContext | undefined => current.getStore();

/** Runs `work` (and everything it starts) in `context`. */
export const runInContext = <T>(context: LogContext, work: () => T): T =>
  current.run(context, work);

/** Ties a request's logger to its context, which later steps fill in (the user, once known). */
export const bindRequestLogger = (logger: object, context: LogContext) =>
  void requestLoggers.set(logger, context);

/** pino's mixin: the fields above for each line (a fresh object: pino merges into it). */
export function logContextMixin(_line: object, _level: number, logger: object): LogContext {
  const own = requestLoggers.get(logger);
  if (own) return { route: own.route, user_id: own.user_id };
  const context = current.getStore();
  return context ? { ...context } : {};
}
