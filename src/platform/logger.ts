// The process log (pino, also Fastify's logger). What a failed statement was given never reaches a
// log line, a job's error or the job store: Drizzle puts the SQL parameters (password hashes,
// phones, addresses) into the error's message and `params`, and PostgreSQL's `detail` quotes the
// values that broke a constraint. Secret headers are redacted from request lines too. Each line
// says which request or job it belongs to (log-context.ts).
import type { FastifyRequest } from 'fastify';
import { pino, stdSerializers, type DestinationStream, type Logger } from 'pino';
import { logContextMixin } from './log-context.js';

/** Drizzle's "Failed query: <sql>\nparams: <values>" without the values. */
export const withoutParams = (text: string) =>
  text.replace(/\nparams: [\s\S]*?(?=\n {4}at |$)/, '');

/**
 * Query parameters that carry secrets: Google's code and state (a state as long as a token: order
 * filters use `state=new`), tokens, keys, passwords.
 */
const SECRET_QUERY =
  /((?:^|[?&;])(?:code|token|access_token|id_token|key|api_key|password|secret|signature|session)=)[^&#\s"']*|((?:^|[?&;])state=)[^&#\s"']{20,}/gi;
/** `Token <key>`, `Bearer <key>`, `Basic <credentials>` as an Authorization header carries them. */
const CREDENTIALS = /\b(Token|Bearer|Basic) [\w.~+/=-]{20,}/g;
/** The password of `scheme://user:password@host`. */
const URL_PASSWORD = /(\/\/[^/\s:@]+):[^/\s@]+@/g;

/** Text (a URL, a message) without statement values, secret query parameters or credentials. */
export const withoutSecrets = (text: string) =>
  withoutParams(text)
    .replace(SECRET_QUERY, (_all, name?: string, state?: string) => `${name ?? state}[redacted]`)
    .replace(CREDENTIALS, '$1 [redacted]')
    .replace(URL_PASSWORD, '$1:[redacted]@');

const VALUE_FIELDS = ['params', 'detail', 'where', 'internalQuery', 'parameters'];

function scrub(value: Record<string, unknown>, depth = 0): Record<string, unknown> {
  for (const field of VALUE_FIELDS) delete value[field];
  for (const field of ['message', 'stack'])
    if (typeof value[field] === 'string') value[field] = withoutSecrets(value[field]);
  if (value.cause && typeof value.cause === 'object' && depth < 5)
    value.cause = scrub({ ...(value.cause as Record<string, unknown>) }, depth + 1);
  return value;
}

const DATABASE_FIELDS = ['code', 'constraint', 'table', 'column', 'routine'] as const;

/**
 * pino's error serializer, scrubbed of statement values (see above); a database error's code and
 * the constraint, table and column it names are kept, as `db`.
 */
export function safeError(err: unknown) {
  if (!(err instanceof Error)) return err;
  const out = scrub(stdSerializers.err(err) as unknown as Record<string, unknown>);
  const cause = err.cause as Record<string, unknown> | undefined;
  if (cause && typeof cause === 'object' && typeof cause.code === 'string') {
    out.db = Object.fromEntries(
      DATABASE_FIELDS.filter((f) => cause[f] !== undefined).map((f) => [f, cause[f]]),
    );
  }
  return out;
}

/** An error as one line for a job's record: its message without statement values. */
export const describeError = (err: unknown) =>
  withoutParams(err instanceof Error ? err.message : String(err));

export const REDACTED = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
];

/** Fastify's request serializer, with the URL's secrets (Google's `code`, `state`) redacted. */
function requestLine(req: FastifyRequest) {
  return {
    method: req.method,
    url: withoutSecrets(req.url),
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      serializers: { err: safeError, error: safeError, req: requestLine },
      redact: { paths: REDACTED, censor: '[redacted]' },
      mixin: logContextMixin,
    },
    destination,
  );
}
