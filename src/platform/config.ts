// The sole reader of process.env: configuration is parsed once, validated, and passed on explicitly.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { isIP } from 'node:net';
import { z } from 'zod';
import { createFileOnce } from './files.js';

const TRUE = ['true', '1', 'yes', 'on'];
const FALSE = ['false', '0', 'no', 'off', ''];

const bool = (fallback: boolean) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return fallback;
      const s = v.trim().toLowerCase();
      if (TRUE.includes(s)) return true;
      if (FALSE.includes(s)) return false;
      ctx.addIssue({ code: 'custom', message: `expected true/false, 1/0 or yes/no, got "${v}"` });
      return z.NEVER;
    });

/** A boolean that may be left unset (undefined), for settings with a third, default behaviour. */
const optionalBool = z
  .string()
  .optional()
  .transform((v, ctx) => {
    if (v === undefined || v.trim() === '') return undefined;
    const s = v.trim().toLowerCase();
    if (TRUE.includes(s)) return true;
    if (FALSE.includes(s)) return false;
    ctx.addIssue({ code: 'custom', message: `expected true/false, 1/0 or yes/no, got "${v}"` });
    return z.NEVER;
  });

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses `90s`, `30m`, `2h`, `1d` or a bare number of seconds into milliseconds. */
export function parseDuration(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/i.exec(text);
  if (!m) return undefined;
  return Math.round(Number(m[1]) * UNIT_MS[(m[2] ?? 's').toLowerCase()]!);
}

const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((v, ctx) => {
      const ms = parseDuration(v);
      if (ms === undefined || ms <= 0) {
        ctx.addIssue({
          code: 'custom',
          message: `expected a duration such as 90s, 30m or 2h, got "${v}"`,
        });
        return z.NEVER;
      }
      return ms;
    });

const PERIOD_MS: Record<string, number> = {
  sec: 1000,
  min: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
};

/** A rate such as `100/day`, `60/min`, `1000/hour` (DRF's notation; `s`, `m`, `h`, `d` work too). */
const rate = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((v, ctx) => {
      const m = /^\s*(\d+)\s*\/\s*(s|sec|second|m|min|minute|h|hour|d|day)\s*$/i.exec(v);
      if (!m || Number(m[1]) < 1) {
        ctx.addIssue({
          code: 'custom',
          message: `expected a rate such as 100/day or 60/min, got "${v}"`,
        });
        return z.NEVER;
      }
      const unit = m[2]!.toLowerCase()[0]!;
      const periodMs = { s: PERIOD_MS.sec, m: PERIOD_MS.min, h: PERIOD_MS.hour, d: PERIOD_MS.day }[
        unit
      ]!;
      return { limit: Number(m[1]), periodMs };
    });

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
const optionalText = z
  .string()
  .optional()
  .transform((v) => (v && v.trim() !== '' ? v.trim() : undefined));

const isHttpUrl = (v: string) => {
  try {
    return ['http:', 'https:'].includes(new URL(v).protocol);
  } catch {
    return false;
  }
};

const PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];
const isProxyEntry = (e: string) => {
  const [address, bits, ...rest] = e.split('/');
  if (rest.length > 0 || !address) return false;
  if (bits === undefined) return isIP(address) !== 0 || PROXY_NAMES.includes(address);
  return isIP(address) !== 0 && /^\d{1,3}$/.test(bits);
};

/**
 * Whose X-Forwarded-For to believe: unset → nobody's (the client's own address counts); else the
 * proxies' addresses, CIDRs or loopback/linklocal/uniquelocal, comma-separated. No hop count:
 * Fastify 5 refuses to trust by hops alone, since a client can send as many hops as it likes.
 */
const trustProxy = optionalText.transform((v, ctx): false | string[] => {
  if (v === undefined) return false;
  const entries = v.split(',').map((e) => e.trim());
  const bad = entries.filter((e) => !isProxyEntry(e));
  if (bad.length > 0) {
    ctx.addIssue({
      code: 'custom',
      message: `expected proxy addresses or CIDRs such as 10.0.0.1,10.1.0.0/16; not ${bad.join(', ')}`,
    });
    return z.NEVER;
  }
  return entries;
});

const LOOPBACK_HOSTS = ['localhost', '[::1]'];
const isLoopbackHost = (host: string) =>
  LOOPBACK_HOSTS.includes(host) || /^127\.\d+\.\d+\.\d+$/.test(host);

/**
 * An absolute https URL without query or fragment; plain http only on a loopback address (a local
 * mock of Google in tests and development), since anything else would carry codes and tokens in
 * clear text. Without query and fragment, the redirect URI the token request repeats is exact.
 */
const secureUrl = optionalText.transform((v, ctx) => {
  if (v === undefined) return undefined;
  const url = URL.canParse(v) ? new URL(v) : undefined;
  const secure =
    url?.protocol === 'https:' || (url?.protocol === 'http:' && isLoopbackHost(url.hostname));
  if (!url || !secure || url.search || url.hash) {
    ctx.addIssue({
      code: 'custom',
      message: `expected an https:// URL without ? or # (http:// only on loopback addresses such as 127.0.0.1), got "${v}"`,
    });
    return z.NEVER;
  }
  return v;
});

const domain = optionalText.transform((v, ctx) => {
  if (v === undefined) return undefined;
  if (!/^(?!-)[a-z0-9-]{1,63}(\.(?!-)[a-z0-9-]{1,63})+$/i.test(v)) {
    ctx.addIssue({ code: 'custom', message: `expected a domain such as example.com, got "${v}"` });
    return z.NEVER;
  }
  return v.toLowerCase();
});

/** A DSN as Sentry shows it: `https://<public key>@<host>/<project id>`. */
const sentryDsn = optionalText.refine(
  (v) => v === undefined || /^https?:\/\/\w+(:\w*)?@[\w.-]+(:\d+)?\/(.+\/)?\d+$/.test(v),
  { message: 'expected a Sentry DSN such as https://<key>@o0.ingest.sentry.io/<project id>' },
);

/** Sentry's settings, read by src/instrument.ts before anything else (see loadSentryConfig). */
const sentryFields = {
  /** Unset: nothing is sent to Sentry. */
  SENTRY_DSN: sentryDsn,
  SENTRY_ENVIRONMENT: z.string().trim().min(1).default('production'),
  /** Unset: the package version, plus the git commit when it is known (see platform/sentry.ts). */
  SENTRY_RELEASE: optionalText,
  /** Share of requests and jobs traced (0 to 1); errors are reported whatever it is. */
  SENTRY_TRACES_SAMPLE_RATE: z.coerce.number().min(0).max(1).default(0),
};

const schema = z.object({
  PORT: port(8000),
  HOST: z.string().default('127.0.0.1'),
  DATA_DIR: z.string().default('./data'),
  SECRET_KEY: optionalText,
  DEBUG: bool(false),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /**
   * False drops Fastify's two info lines per request (about 0.25 ms of CPU a request, a third of a
   * catalog page's cost in the API process); failures (5xx) are still logged.
   */
  LOG_REQUESTS: bool(true),
  DATABASE_URL: optionalText.refine(
    (v) => v === undefined || /^postgres(ql)?:\/\/[^/]/.test(v),
    'expected a PostgreSQL URL such as postgres://user:password@host:5432/database',
  ),
  POSTGRES_DB: optionalText,
  POSTGRES_USER: optionalText,
  POSTGRES_PASSWORD: optionalText,
  POSTGRES_HOST: optionalText,
  POSTGRES_PORT: port(5432),
  REDIS_URL: optionalText,
  /** Namespace of every Redis key (cache, limits, queues), so apps or test runs can share one Redis. */
  REDIS_PREFIX: z.string().min(1).default('purchases:'),
  WEB_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(1),
  /** Jobs one worker process runs at once (per queue). */
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(4),
  EMAIL_HOST: z.string().default('smtp.mail.ru'),
  EMAIL_PORT: port(465),
  EMAIL_USE_SSL: bool(true),
  EMAIL_USE_TLS: bool(false),
  EMAIL_HOST_USER: optionalText,
  EMAIL_HOST_PASSWORD: optionalText,
  DEFAULT_FROM_EMAIL: optionalText,
  ADMIN_EMAIL: optionalText,
  /** The password `createsuperuser` sets when neither --password-stdin nor --password gives one. */
  SUPERUSER_PASSWORD: optionalText,
  EMAIL_TOKEN_TTL: duration('2h'),
  THROTTLE_ANON: rate('100/day'),
  THROTTLE_USER: rate('1000/day'),
  THROTTLE_BURST: rate('60/min'),
  THROTTLE_SUSTAINED: rate('1000/hour'),
  TRUST_PROXY: trustProxy,
  /**
   * What limits do while Redis does not answer. Unset: the limits that guard passwords and mail
   * (login, registration, activation, password reset) refuse with 503, the others let requests
   * through. true: everything is let through. false: everything is refused with 503.
   */
  THROTTLE_FAIL_OPEN: optionalBool,
  /** False turns request limits off (e.g. behind a gateway that limits; benchmarks). */
  THROTTLE_ENABLED: bool(true),
  /** False answers the public catalog reads from the database every time. */
  CACHE_ENABLED: bool(true),
  ...sentryFields,
  /**
   * The Bearer token Prometheus sends to GET /metrics. Unset: /metrics answers anyone in DEBUG and
   * nobody otherwise.
   */
  METRICS_TOKEN: optionalText.refine((v) => v === undefined || v.length >= 16, {
    message: 'expected at least 16 characters (a random token, such as `openssl rand -hex 32`)',
  }),
  GOOGLE_CLIENT_ID: optionalText,
  GOOGLE_CLIENT_SECRET: optionalText,
  GOOGLE_REDIRECT_URI: secureUrl,
  GOOGLE_ISSUER: secureUrl.transform((v) => v ?? 'https://accounts.google.com'),
  /** When set, only Google accounts of this Workspace domain (the ID token's `hd`) may log in. */
  GOOGLE_HOSTED_DOMAIN: domain,
  /** Where pictures are kept: `local` (MEDIA_ROOT, served by the app) or `s3` (any S3-compatible store). */
  MEDIA_STORAGE: z.enum(['local', 's3']).default('local'),
  MEDIA_ROOT: optionalText,
  /** The base of picture URLs: a path the app serves (local), or the public URL of the bucket (s3). */
  MEDIA_URL: z
    .string()
    .trim()
    .default('/media/')
    .refine((v) => /^\/[^\s?#]*$/.test(v) || isHttpUrl(v), {
      message:
        'expected a path such as /media/ or an http(s) URL such as https://cdn.example.com/media/',
    })
    .transform((v) => (v.endsWith('/') ? v : `${v}/`)),
  /** Largest picture accepted, in megabytes (10 → 413 past 10 MB). */
  MEDIA_MAX_MB: z.coerce.number().positive().max(1024).default(10),
  /** Largest picture accepted in pixels, every frame of an animation counted (422 past it). */
  MEDIA_MAX_PIXELS: z.coerce.number().int().positive().default(40_000_000),
  S3_ENDPOINT: optionalText.refine((v) => v === undefined || isHttpUrl(v), {
    message: 'expected an http(s) URL such as https://s3.example.com',
  }),
  S3_BUCKET: optionalText,
  S3_REGION: z.string().trim().min(1).default('us-east-1'),
  S3_ACCESS_KEY_ID: optionalText,
  S3_SECRET_ACCESS_KEY: optionalText,
  IMPORT_ALLOW_PRIVATE_URLS: bool(false),
  PRICE_LIST_MAX_MB: z.coerce.number().positive().max(1024).default(20),
});

type RawConfig = z.output<typeof schema>;

export type Config = Omit<RawConfig, 'SECRET_KEY' | 'DATABASE_URL' | 'EMAIL_HOST' | 'DATA_DIR'> & {
  DATA_DIR: string;
  SECRET_KEY: string;
  /** PostgreSQL server to use; undefined means the embedded PGlite database in DATA_DIR. */
  DATABASE_URL: string | undefined;
  /** SMTP host; undefined means mail goes to DATA_DIR/outbox. */
  EMAIL_HOST: string | undefined;
  MEDIA_ROOT: string;
};

export class ConfigError extends Error {}

/** Every wrong variable, each named with what it expects. */
function invalid(error: z.ZodError): ConfigError {
  const lines = error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
  return new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
}

/** Reads the environment, then `.env` in the working directory for what the environment lacks. */
export function readEnv(cwd = process.cwd()): Record<string, string | undefined> {
  const file = join(cwd, '.env');
  const fromFile = existsSync(file) ? parseEnv(readFileSync(file, 'utf8')) : {};
  return { ...fromFile, ...process.env };
}

/**
 * `devDefaults` (the `--dev` flag of `npm start`) makes DEBUG default to true, so a fresh clone
 * starts without a SECRET_KEY; an explicit DEBUG in the environment or `.env` still wins.
 */
export function loadConfig(
  env: Record<string, string | undefined> = readEnv(),
  { devDefaults = false } = {},
): Config {
  const parsed = schema.safeParse(
    devDefaults && env.DEBUG === undefined ? { ...env, DEBUG: 'true' } : env,
  );
  if (!parsed.success) throw invalid(parsed.error);
  const c = parsed.data;
  const mediaProblems = s3Problems(c);
  if (mediaProblems.length > 0)
    throw new ConfigError(`Invalid configuration:\n${mediaProblems.join('\n')}`);
  const dataDir = resolve(c.DATA_DIR);
  return {
    ...c,
    DATA_DIR: dataDir,
    SECRET_KEY: c.SECRET_KEY ?? debugSecret(c.DEBUG, dataDir),
    DATABASE_URL: c.DATABASE_URL ?? postgresUrl(c),
    // With neither an SMTP host nor a user configured, a new user gets the outbox, not mail.ru.
    EMAIL_HOST: env.EMAIL_HOST?.trim() || c.EMAIL_HOST_USER ? c.EMAIL_HOST : undefined,
    MEDIA_ROOT: resolve(c.MEDIA_ROOT ?? join(dataDir, 'media')),
  };
}

export interface SentryConfig {
  dsn: string | undefined;
  environment: string;
  release: string | undefined;
  tracesSampleRate: number;
}

/**
 * Only Sentry's settings: src/instrument.ts reads them before the app loads (so that Sentry can
 * wrap the database and Redis clients), and leaves every other setting to the start that follows.
 */
export function loadSentryConfig(
  env: Record<string, string | undefined> = readEnv(),
): SentryConfig {
  const parsed = z.object(sentryFields).safeParse(env);
  if (!parsed.success) throw invalid(parsed.error);
  const c = parsed.data;
  return {
    dsn: c.SENTRY_DSN,
    environment: c.SENTRY_ENVIRONMENT,
    release: c.SENTRY_RELEASE,
    tracesSampleRate: c.SENTRY_TRACES_SAMPLE_RATE,
  };
}

/** What picture storage needs that each variable alone cannot tell. */
function s3Problems(c: RawConfig): string[] {
  const problems: string[] = [];
  if (!c.S3_ACCESS_KEY_ID !== !c.S3_SECRET_ACCESS_KEY)
    problems.push(
      '  S3_SECRET_ACCESS_KEY: give both S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, or neither',
    );
  if (c.MEDIA_STORAGE !== 's3') {
    if (new URL(c.MEDIA_URL, 'http://localhost').pathname === '/')
      problems.push('  MEDIA_URL: local pictures need a path of their own, such as /media/');
    return problems;
  }
  if (!c.S3_BUCKET) problems.push('  S3_BUCKET: required with MEDIA_STORAGE=s3');
  if (!isHttpUrl(c.MEDIA_URL))
    problems.push(
      '  MEDIA_URL: with MEDIA_STORAGE=s3, the public http(s) URL of the bucket (pictures are not served by the app)',
    );
  return problems;
}

function postgresUrl(c: RawConfig): string | undefined {
  if (!c.POSTGRES_DB) return undefined;
  const auth = c.POSTGRES_USER
    ? `${encodeURIComponent(c.POSTGRES_USER)}${c.POSTGRES_PASSWORD ? ':' + encodeURIComponent(c.POSTGRES_PASSWORD) : ''}@`
    : '';
  return `postgres://${auth}${c.POSTGRES_HOST ?? '127.0.0.1'}:${c.POSTGRES_PORT}/${encodeURIComponent(c.POSTGRES_DB)}`;
}

/** In DEBUG a secret is generated once and kept in DATA_DIR so sessions survive restarts. */
function debugSecret(debug: boolean, dataDir: string): string {
  if (!debug)
    throw new ConfigError('Invalid configuration:\n  SECRET_KEY: required unless DEBUG is true');
  const file = join(dataDir, 'secret_key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  // The API and the worker may start together: the first to make the file gives both the secret.
  createFileOnce(file, randomBytes(32).toString('base64url'), 0o600);
  return readFileSync(file, 'utf8').trim();
}
