// Sentry: unexpected errors and traces, off unless SENTRY_DSN is set. `@sentry/node` 11.x: the
// Sentry line that runs on Node 20.19+ (OpenTelemetry's current line needs Node 22; this one
// speaks OpenTelemetry's conventions over diagnostics channels). src/instrument.ts calls initSentry
// before the app loads (`node --import`), so that Sentry injects its diagnostics channels into pg,
// ioredis and http as they load: a request's trace then holds its PostgreSQL, Redis and outgoing
// HTTP spans. What is reported, and with which user and tags, is observability.ts's; this file
// decides what may leave the process at all (scrubEvent, scrubSpan).
import * as Sentry from '@sentry/node';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { SentryConfig } from './config.js';
import { withoutSecrets } from './logger.js';
import { useSentry } from './sentry-sdk.js';

type StreamedSpan = Parameters<NonNullable<Sentry.NodeOptions['beforeSendSpan']>>[0];

const root = new URL('../../', import.meta.url);

/** `purchases-api@1.0.0+<commit>`: the package version, with the git commit when it is known. */
export function defaultRelease(): string {
  const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
    name: string;
    version: string;
  };
  let commit = '';
  try {
    commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], {
      cwd: fileURLToPath(root),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 2000,
    }).trim();
  } catch {
    // No git (an image built without .git): the version alone.
  }
  return `${pkg.name}@${pkg.version}${commit ? `+${commit}` : ''}`;
}

/** Root spans worth a trace: requests and jobs; Redis polling and timers outside them are not. */
const TRACED_OPS = new Set(['http.server', 'queue.process']);
/** Headers that say nothing about who sent them. */
const REQUEST_HEADERS = ['accept', 'content-length', 'content-type', 'host', 'user-agent'];
const RESPONSE_HEADERS = ['content-length', 'content-type', 'retry-after', 'x-request-id'];
/** Default integrations left out: local variables (a password in a frame) and console output. */
const LEFT_OUT = new Set(['LocalVariables', 'LocalVariablesAsync', 'Console', 'Fastify']);

export function initSentry(config: SentryConfig) {
  if (!config.dsn) return undefined;
  const rate = config.tracesSampleRate;
  useSentry(Sentry);
  return Sentry.init({
    dsn: config.dsn,
    environment: config.environment,
    release: config.release ?? defaultRelease(),
    // Without a rate nothing is traced at all (no spans are even made).
    tracesSampler:
      rate > 0
        ? ({ attributes }) =>
            TRACED_OPS.has(String(attributes?.[Sentry.SEMANTIC_ATTRIBUTE_SENTRY_OP])) ? rate : 0
        : undefined,
    traceLifecycle: 'stream',
    // Trace headers never go to Google or to a shop's price-list server.
    tracePropagationTargets: [],
    dataCollection: {
      userInfo: false, // observability.ts sets the user: id and type, never email or address
      cookies: false,
      httpHeaders: { request: { allow: REQUEST_HEADERS }, response: { allow: RESPONSE_HEADERS } },
      httpBodies: [], // bodies carry passwords and tokens
      urlQueryParams: true, // scrubbed of secrets below
      databaseQueryData: false,
      queues: false,
      stackFrameVariables: false,
    },
    integrations: (defaults) => [
      ...defaults.filter((i) => !LEFT_OUT.has(i.name)),
      // Its tracing, not its error capture: the error handler reports, 5xx only (observability.ts).
      Sentry.fastifyIntegration({ shouldHandleError: () => false }),
    ],
    beforeSend: scrubEvent,
    beforeSendSpan: scrubSpan,
  });
}

// ---- What may leave: never a token, password, cookie, statement value, email or client address.

const REDACTED = '[redacted]';
/** Keys whose values are secret wherever they appear (headers, query, extra data, attributes). */
const SECRET_KEY =
  /pass(word)?|secret|token|authori[sz]ation|cookie|csrf|api[-_]?key|credential|^code$|^key$|^params$|^detail$/i;
/** Keys that name the client (its address) or carry what it sent: left out. */
const CLIENT_KEY =
  /^(user\.|client\.|network\.peer\.|http\.client_ip|ip_address$|REMOTE_ADDR$|http\.(request|response)\.body|db\.query\.parameter|cache\.key)/;
const EMAIL = /[\w.+-]+@[\w-]+(\.[\w-]+)+/g;

/** Text without statement values, secrets or email addresses. */
export const scrubText = (text: string) => withoutSecrets(text).replace(EMAIL, '[email]');

function scrubDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (depth > 12 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => scrubDeep(v, depth + 1));
  const kept = Object.entries(value).filter(([k]) => !CLIENT_KEY.test(k));
  return Object.fromEntries(
    kept.map(([k, v]) => [k, SECRET_KEY.test(k) ? REDACTED : scrubDeep(v, depth + 1)]),
  );
}

/** What Sentry's event says of the runtime and the machine: kept as it is. */
const RUNTIME_CONTEXTS = new Set(['runtime', 'os', 'device', 'app', 'culture', 'cloud_resource']);
const EVENT_PARTS = ['message', 'logentry', 'exception', 'breadcrumbs', 'extra', 'tags'] as const;

/** beforeSend: the user as id and type only; the request without body, cookies or address. */
export function scrubEvent(event: Sentry.ErrorEvent): Sentry.ErrorEvent {
  const user = event.user;
  event.user = user?.id === undefined ? undefined : { id: user.id, type: user.type as string };
  for (const part of EVENT_PARTS)
    if (event[part] !== undefined)
      (event as unknown as Record<string, unknown>)[part] = scrubDeep(event[part]);
  for (const [name, context] of Object.entries(event.contexts ?? {}))
    if (!RUNTIME_CONTEXTS.has(name)) event.contexts![name] = scrubDeep(context) as typeof context;
  if (event.request) {
    const { url, method, query_string: query, headers = {} } = event.request;
    event.request = {
      url: url && scrubText(url),
      method,
      query_string: typeof query === 'string' ? scrubText(query) : (scrubDeep(query) as undefined),
      headers: Object.fromEntries(
        Object.entries(headers).filter(([name]) => REQUEST_HEADERS.includes(name.toLowerCase())),
      ),
    };
  }
  return event;
}

/** Where the service itself runs and what it runs on: our servers' addresses, versions. */
const INFRASTRUCTURE_KEY =
  /^(sentry\.|server\.|network\.local\.|db\.connection_string|process\.|os\.|device\.|app\.|culture\.)/;

/**
 * beforeSendSpan: no client address, body or secret in a span. A Redis command keeps only its
 * name: our keys hold emails (failed logins), client addresses (limits) and search texts.
 */
export function scrubSpan(span: StreamedSpan): StreamedSpan {
  const attributes: Record<string, unknown> = {};
  const redis = span.attributes?.['db.system.name'] === 'redis';
  for (const [key, value] of Object.entries(span.attributes ?? {})) {
    if (CLIENT_KEY.test(key)) continue;
    if (SECRET_KEY.test(key.split('.').pop()!)) attributes[key] = REDACTED;
    else if (INFRASTRUCTURE_KEY.test(key)) attributes[key] = value;
    else attributes[key] = scrubDeep(value);
  }
  if (redis) attributes['db.query.text'] = span.attributes['db.operation.name'];
  return { ...span, name: withoutSecrets(span.name), attributes };
}
