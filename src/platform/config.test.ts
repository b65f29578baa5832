import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, loadSentryConfig, parseDuration } from './config.js';

const base = { SECRET_KEY: 'k', DATA_DIR: '/tmp/purchases-config-test' };

describe('configuration', () => {
  it('has the documented defaults', () => {
    const c = loadConfig(base);
    expect(c).toMatchObject({
      PORT: 8000,
      HOST: '127.0.0.1',
      DEBUG: false,
      DATABASE_URL: undefined,
      EMAIL_HOST: undefined,
      EMAIL_PORT: 465,
      EMAIL_USE_SSL: true,
      EMAIL_TOKEN_TTL: 2 * 3600_000,
      THROTTLE_ANON: { limit: 100, periodMs: 86_400_000 },
      THROTTLE_BURST: { limit: 60, periodMs: 60_000 },
      PRICE_LIST_MAX_MB: 20,
      MEDIA_STORAGE: 'local',
      MEDIA_ROOT: '/tmp/purchases-config-test/media',
      MEDIA_URL: '/media/',
      MEDIA_MAX_MB: 10,
      MEDIA_MAX_PIXELS: 40_000_000,
      S3_REGION: 'us-east-1',
    });
  });

  it('takes S3 storage only with a bucket, a public MEDIA_URL and both keys or neither', () => {
    const s3 = {
      ...base,
      MEDIA_STORAGE: 's3',
      S3_BUCKET: 'pictures',
      MEDIA_URL: 'https://cdn.example.com/pictures',
    };
    expect(loadConfig(s3)).toMatchObject({
      MEDIA_STORAGE: 's3',
      S3_BUCKET: 'pictures',
      MEDIA_URL: 'https://cdn.example.com/pictures/',
    });
    const refusal = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (err) {
        return (err as Error).message;
      }
      return '';
    };
    expect(refusal({ ...s3, S3_BUCKET: '' })).toMatch(/S3_BUCKET: required/);
    expect(refusal({ ...s3, MEDIA_URL: '/media/' })).toMatch(/MEDIA_URL: with MEDIA_STORAGE=s3/);
    expect(refusal({ ...s3, S3_ACCESS_KEY_ID: 'key' })).toMatch(/S3_SECRET_ACCESS_KEY/);
    expect(refusal({ ...base, MEDIA_URL: 'media files' })).toMatch(/MEDIA_URL/);
    expect(refusal({ ...base, MEDIA_URL: '/' })).toMatch(/MEDIA_URL: local pictures need a path/);
    expect(refusal({ ...base, MEDIA_STORAGE: 'ftp' })).toMatch(/MEDIA_STORAGE/);
    expect(refusal({ ...base, MEDIA_MAX_MB: '0' })).toMatch(/MEDIA_MAX_MB/);
    expect(refusal({ ...base, MEDIA_MAX_PIXELS: 'many' })).toMatch(/MEDIA_MAX_PIXELS/);
    expect(refusal({ ...base, S3_ENDPOINT: 'minio:9000' })).toMatch(/S3_ENDPOINT/);
  });

  it('reads booleans and durations the way the original .env wrote them', () => {
    expect(loadConfig({ ...base, DEBUG: 'True' }).DEBUG).toBe(true);
    expect(loadConfig({ ...base, DEBUG: 'no' }).DEBUG).toBe(false);
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('30m')).toBe(1_800_000);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('soon')).toBeUndefined();
  });

  it('builds a PostgreSQL URL from the POSTGRES_* variables', () => {
    const c = loadConfig({
      ...base,
      POSTGRES_DB: 'shop',
      POSTGRES_USER: 'u',
      POSTGRES_PASSWORD: 'p@ss',
      POSTGRES_HOST: 'db',
    });
    expect(c.DATABASE_URL).toBe('postgres://u:p%40ss@db:5432/shop');
  });

  it('uses SMTP as soon as a host or a user is configured', () => {
    expect(loadConfig({ ...base, EMAIL_HOST_USER: 'me@mail.ru' }).EMAIL_HOST).toBe('smtp.mail.ru');
    expect(loadConfig({ ...base, EMAIL_HOST: 'localhost' }).EMAIL_HOST).toBe('localhost');
  });

  it('trusts forwarded headers from no one unless TRUST_PROXY lists the proxies', () => {
    expect(loadConfig(base).TRUST_PROXY).toBe(false);
    expect(
      loadConfig({ ...base, TRUST_PROXY: '10.0.0.1, 10.1.0.0/16,loopback' }).TRUST_PROXY,
    ).toEqual(['10.0.0.1', '10.1.0.0/16', 'loopback']);
  });

  it('refuses plain-HTTP Google URLs except on loopback addresses (local mocks)', () => {
    expect(loadConfig(base).GOOGLE_ISSUER).toBe('https://accounts.google.com');
    for (const url of ['http://127.0.0.1:8080', 'http://localhost:9000/', 'http://[::1]:1234'])
      expect(loadConfig({ ...base, GOOGLE_ISSUER: url }).GOOGLE_ISSUER).toBe(url);
    for (const [name, url] of [
      ['GOOGLE_ISSUER', 'http://accounts.example.com'],
      ['GOOGLE_ISSUER', 'http://10.0.0.5'],
      ['GOOGLE_ISSUER', 'accounts.google.com'],
      ['GOOGLE_REDIRECT_URI', 'http://shop.example.com/login/google/'],
      ['GOOGLE_REDIRECT_URI', 'https://shop.example.com/login/?from=google'],
    ])
      expect(() => loadConfig({ ...base, [name!]: url }), url).toThrow(
        new RegExp(`${name}: expected an https:// URL`),
      );
  });

  it('reads GOOGLE_HOSTED_DOMAIN as a lower-case domain', () => {
    expect(loadConfig({ ...base, GOOGLE_HOSTED_DOMAIN: 'Example.ORG' }).GOOGLE_HOSTED_DOMAIN).toBe(
      'example.org',
    );
    expect(() => loadConfig({ ...base, GOOGLE_HOSTED_DOMAIN: 'not a domain' })).toThrow(
      /GOOGLE_HOSTED_DOMAIN: expected a domain/,
    );
  });

  it('names the variable of every wrong value', () => {
    const wrong = {
      ...base,
      PORT: 'eighty',
      DEBUG: 'maybe',
      EMAIL_TOKEN_TTL: 'soon',
      THROTTLE_BURST: 'lots',
      DATABASE_URL: 'not-a-url',
      TRUST_PROXY: '10.0.0.1,somewhere',
      SENTRY_DSN: 'https://sentry.example.com/1',
      SENTRY_TRACES_SAMPLE_RATE: '2',
      METRICS_TOKEN: 'short',
    };
    const error = (() => {
      try {
        loadConfig(wrong);
      } catch (err) {
        return err as Error;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    for (const name of [
      'PORT',
      'DEBUG',
      'EMAIL_TOKEN_TTL',
      'THROTTLE_BURST',
      'DATABASE_URL',
      'TRUST_PROXY',
      'SENTRY_DSN',
      'SENTRY_TRACES_SAMPLE_RATE',
      'METRICS_TOKEN',
    ])
      expect(error!.message).toContain(name);
  });

  it('reads Sentry’s settings alone, before the app (src/instrument.ts)', () => {
    expect(loadSentryConfig({})).toEqual({
      dsn: undefined,
      environment: 'production',
      release: undefined,
      tracesSampleRate: 0,
    });
    const env = {
      SENTRY_DSN: 'https://0123abcd@o0.ingest.sentry.io/42',
      SENTRY_ENVIRONMENT: 'staging',
      SENTRY_RELEASE: 'purchases-api@2.0.0',
      SENTRY_TRACES_SAMPLE_RATE: '0.25',
      // Whatever else is wrong is the start's to say, not the instrument file's.
      PORT: 'eighty',
    };
    expect(loadSentryConfig(env)).toEqual({
      dsn: env.SENTRY_DSN,
      environment: 'staging',
      release: 'purchases-api@2.0.0',
      tracesSampleRate: 0.25,
    });
    expect(() => loadSentryConfig({ SENTRY_DSN: 'sentry' })).toThrow(/SENTRY_DSN/);
  });

  it('requires SECRET_KEY unless DEBUG is true', () => {
    expect(() => loadConfig({ DATA_DIR: base.DATA_DIR })).toThrow(/SECRET_KEY/);
    const debug = loadConfig({ DATA_DIR: base.DATA_DIR, DEBUG: 'true' });
    expect(debug.SECRET_KEY.length).toBeGreaterThan(20);
    expect(loadConfig({ DATA_DIR: base.DATA_DIR, DEBUG: 'true' }).SECRET_KEY).toBe(
      debug.SECRET_KEY,
    );
    expect(loadConfig({ DATA_DIR: base.DATA_DIR }, { devDefaults: true }).DEBUG).toBe(true);
    expect(() =>
      loadConfig({ DATA_DIR: base.DATA_DIR, DEBUG: 'false' }, { devDefaults: true }),
    ).toThrow(/SECRET_KEY/);
  });
});
