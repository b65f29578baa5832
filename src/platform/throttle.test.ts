import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from '../../test/client.js';
import {
  createHarness,
  createUser,
  isRedis,
  openTestRedis,
  type Harness,
} from '../../test/harness.js';
import { systemClock } from './clock.js';
import {
  createMemoryRateLimitStore,
  createRedisRateLimitStore,
  type RateLimitStore,
} from './rate-limit.js';

describe('request limits behind a configured proxy (TRUST_PROXY)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ THROTTLE_ANON: '2/day', TRUST_PROXY: '10.9.0.0/16' });
  });
  afterAll(() => h.close());

  it('counts the address the proxy forwarded, and only from that proxy', async () => {
    const via = (proxy: string, clientIp: string) =>
      client(h).get('/user/details/', {
        headers: { 'x-forwarded-for': clientIp },
        remoteAddress: proxy,
      });
    for (let i = 0; i < 2; i++) expect((await via('10.9.0.1', '192.0.2.10')).statusCode).toBe(401);
    expect((await via('10.9.0.1', '192.0.2.10')).statusCode).toBe(429);
    // Another client behind the same proxy has its own allowance...
    expect((await via('10.9.0.1', '192.0.2.11')).statusCode).toBe(401);
    // ...and a peer that is not the proxy is counted by its own address.
    for (let i = 0; i < 2; i++)
      expect((await via('10.8.0.1', `192.0.2.${20 + i}`)).statusCode).toBe(401);
    expect((await via('10.8.0.1', '192.0.2.30')).statusCode).toBe(429);
  });
});

describe('request limits', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({
      THROTTLE_ANON: '4/day',
      THROTTLE_BURST: '5/min',
      THROTTLE_USER: '1000/day',
    });
  });
  afterAll(() => h.close());

  const get = (url: string, headers: Record<string, string> = {}, ip = '10.0.0.1') =>
    client(h).get(url, { headers, remoteAddress: ip });

  it('counts anonymous requests per IP and refuses with 429, Retry-After and RateLimit headers', async () => {
    const ip = '10.0.0.2';
    for (let i = 1; i <= 4; i++) {
      const res = await get('/user/details/', {}, ip);
      expect(res.statusCode).toBe(401);
      expect(res.headers['ratelimit-policy']).toBe(
        '"anon";q=4;w=86400, "burst";q=5;w=60, "sustained";q=1000000;w=3600',
      );
      expect(res.headers['ratelimit']).toMatch(
        new RegExp(`^"anon";r=${4 - i};t=\\d+, "burst";r=${5 - i};t=\\d+,`),
      );
    }
    const refused = await get('/user/details/', {}, ip);
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.headers['ratelimit']).toMatch(/^"anon";r=0;/);
    expect(refused.json()).toMatchObject({
      status: 429,
      type: '/problems/throttled',
      limit: 'anon',
    });
    expect(refused.json().detail).toMatch(/anon limit of 4 requests per day/);

    // Another address has its own allowance.
    expect((await get('/user/details/', {}, '10.0.0.3')).statusCode).toBe(401);
  });

  it("counts a client's own address whatever X-Forwarded-For it sends (no TRUST_PROXY)", async () => {
    const ip = '10.0.0.15';
    const spoofed = (n: number) => get('/user/details/', { 'x-forwarded-for': `192.0.2.${n}` }, ip);
    for (let i = 1; i <= 4; i++) expect((await spoofed(i)).statusCode).toBe(401);
    expect((await spoofed(5)).statusCode).toBe(429);
  });

  it('limits a signed-in user per account, apart from the IP, and frees the window when it ends', async () => {
    const ip = '10.0.0.4';
    const user = await createUser(h);
    for (let i = 0; i < 5; i++)
      expect((await get('/user/details/', user.auth, ip)).statusCode).toBe(200);
    const refused = await get('/user/details/', user.auth, ip);
    expect(refused.statusCode).toBe(429);
    expect(refused.json().limit).toBe('burst');
    expect(refused.headers['ratelimit-policy']).toContain('"user";q=1000;w=86400');
    const wait = Number(refused.headers['retry-after']);
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(60);

    // The same IP without the token is a different subject; so is another account.
    expect((await get('/user/details/', {}, ip)).statusCode).toBe(401);
    const other = await createUser(h);
    expect((await get('/user/details/', other.auth, ip)).statusCode).toBe(200);

    h.clock.advance(wait * 1000);
    expect((await get('/user/details/', user.auth, ip)).statusCode).toBe(200);
  });

  it('counts a made-up token as anonymous, so it cannot buy a larger allowance', async () => {
    const ip = '10.0.0.5';
    for (let i = 0; i < 4; i++) {
      const res = await get('/user/details/', { authorization: `Token made-up-${i}` }, ip);
      expect(res.statusCode).toBe(401);
    }
    expect((await get('/user/details/', { authorization: 'Token made-up-9' }, ip)).statusCode).toBe(
      429,
    );
  });

  it('never limits health, readiness and the documentation', async () => {
    const ip = '10.0.0.6';
    for (let i = 0; i < 8; i++) {
      for (const url of ['/health/', '/ready/', '/api/schema/']) {
        const res = await get(url, {}, ip);
        expect(res.statusCode).toBe(200);
        expect(res.headers['ratelimit']).toBeUndefined();
      }
    }
  });

  it('documents the 429 answer in the OpenAPI schema', async () => {
    const doc = (await get('/api/schema/')).json();
    expect(doc.paths['/user/details/'].get.responses['429']).toBeDefined();
    expect(doc.paths['/health/'].get.responses['429']).toBeUndefined();
  });
});

describe.each([
  ['memory', () => ({ store: createMemoryRateLimitStore(systemClock), close: async () => {} })],
  ...(isRedis
    ? [
        [
          'redis',
          () => {
            const redis = openTestRedis()!;
            return {
              store: createRedisRateLimitStore(redis, systemClock),
              close: redis.close,
            };
          },
        ] as const,
      ]
    : []),
] as const)('%s rate limit store', (_name, open) => {
  let store: RateLimitStore;
  let close: () => Promise<void>;
  beforeAll(() => void ({ store, close } = open()));
  afterAll(() => close());

  it('lets exactly the limit through when requests race', async () => {
    const limits = [
      { name: 'burst', limit: 10, periodMs: 60_000 },
      { name: 'day', limit: 1000, periodMs: 86_400_000 },
    ];
    const now = Date.UTC(2030, 0, 1, 12, 0, 30);
    const results = await Promise.all(
      Array.from({ length: 40 }, () => store.consume('race', limits, now)),
    );
    expect(results.filter((r) => r.allowed)).toHaveLength(10);
    // Refused requests used up nothing of the other limit.
    const after = await store.consume('race', [limits[1]!], now);
    expect(after.states[0]!.remaining).toBe(1000 - 11);
    // The next minute is a new window that resets in exactly 60 s.
    const next = await store.consume('race', limits, now + 30_000);
    expect(next.allowed).toBe(true);
    expect(next.states[0]).toMatchObject({ remaining: 9, resetMs: 60_000 });
  });

  it('keeps failed-login events in a sliding window', async () => {
    const counter = store.windowCounter('login-failures', 60_000);
    await counter.hit('a@example.com');
    await counter.hit('a@example.com');
    const { count, resetAt } = await counter.count('a@example.com');
    expect(count).toBe(2);
    expect(resetAt!.getTime()).toBeGreaterThan(Date.now());
    await counter.reset('a@example.com');
    expect((await counter.count('a@example.com')).count).toBe(0);
  });
});
