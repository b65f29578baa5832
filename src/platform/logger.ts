// The process log (pino, also Fastify's logger). What a failed statement was given never reaches a
// log line, a job's error or the job store: Drizzle puts the SQL parameters (password hashes,
// phones, addresses) into the error's message and `params`, and PostgreSQL's `detail` quotes the
// values that broke a constraint. Secret headers are redacted from request lines too.
import { pino, stdSerializers, type DestinationStream, type Logger } from 'pino';

/** Drizzle's "Failed query: <sql>\nparams: <values>" without the values. */
export const withoutParams = (text: string) =>
  text.replace(/\nparams: [\s\S]*?(?=\n {4}at |$)/, '');

const VALUE_FIELDS = ['params', 'detail', 'where', 'internalQuery', 'parameters'];

function scrub(value: Record<string, unknown>, depth = 0): Record<string, unknown> {
  for (const field of VALUE_FIELDS) delete value[field];
  for (const field of ['message', 'stack'])
    if (typeof value[field] === 'string') value[field] = withoutParams(value[field]);
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

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      serializers: { err: safeError, error: safeError },
      redact: { paths: REDACTED, censor: '[redacted]' },
    },
    destination,
  );
}
