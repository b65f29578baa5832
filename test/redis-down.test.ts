// Redis unreachable (REDIS_URL pointing at a closed port): every route still answers at once,
// the catalog from the database, what needs Redis with a 503 problem, and the outage is logged
// once. Runs on both databases: it needs no Redis.
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { createBullQueue, type BullJobQueue } from '../src/platform/bull-queue.js';
import { systemClock } from '../src/platform/clock.js';
import { loadConfig } from '../src/platform/config.js';
import type { Database } from '../src/platform/db/client.js';
import type { App } from '../src/platform/http.js';
import { createRedisConnections, type RedisConnections } from '../src/platform/redis.js';
import { client } from './client.js';
import { createUser, openTestDatabase, PASSWORD, silentLog, type TestUser } from './harness.js';

/** A local port nobody listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/** The answer, or a failure naming the request if it takes longer than `ms`. */
async function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

interface DownApp {
  app: App;
  outages: string[];
  close(): Promise<void>;
}

async function appWithoutRedis(database: Database, env: Record<string, string> = {}) {
  const outages: string[] = [];
  const log = { warn: (_o: object, m: string) => outages.push(m), info: () => {} };
  const redis: RedisConnections = createRedisConnections(
    `redis://127.0.0.1:${await closedPort()}`,
    'down-test:',
    log,
  );
  const queue: BullJobQueue = createBullQueue({ redis, log: silentLog });
  const config = loadConfig({ SECRET_KEY: 'test-secret', EMAIL_HOST: '', ...env });
  const app = await buildApp({ config, database, queue, clock: systemClock, logger: false, redis });
  await app.ready();
  return {
    app,
    outages,
    async close() {
      await app.close();
      await queue.close();
      await redis.close();
    },
  } satisfies DownApp;
}

let database: Database;
let down: DownApp;
let buyer: TestUser;
let staff: TestUser;
beforeAll(async () => {
  database = await openTestDatabase();
  down = await appWithoutRedis(database);
  [buyer, staff] = await Promise.all([
    createUser({ database }),
    createUser({ database }, { staff: true }),
  ]);
});
afterAll(async () => {
  await down?.close();
  await database?.close();
});

describe('with Redis unreachable', () => {
  it('answers every route within 3 s, never with a 5xx other than a 503 problem', async () => {
    const routes = down.app.registeredRoutes.filter((r) => r.method !== 'OPTIONS');
    expect(routes.length).toBeGreaterThan(30);
    for (const who of [null, buyer, staff]) {
      for (const r of routes) {
        const url = r.url.replace(/:\w+/g, '1').replace('*', 'x');
        const res = await within(
          3000,
          `${r.method} ${url}`,
          client({ app: down.app }, who).request(
            r.method as 'GET',
            url,
            r.method === 'GET' || r.method === 'DELETE' ? undefined : {},
          ),
        );
        if (res.statusCode < 500) continue;
        expect(`${r.method} ${url} → ${res.statusCode}`).toMatch(/→ 503$/);
        // The staff console answers people, in HTML; the API answers problems.
        if (url.startsWith('/admin/') || url === '/admin') {
          expect(res.headers['content-type']).toContain('text/html');
        } else {
          expect(res.headers['content-type']).toContain('application/problem+json');
          // Features not configured here say so on their own routes, Redis or not.
          const allowed = url.startsWith('/api/auth/google/')
            ? ['/problems/google-not-configured', '/problems/unavailable']
            : url.startsWith('/api/sentry/')
              ? ['/problems/sentry-not-configured']
              : ['/problems/unavailable', '/problems/not-ready'];
          expect(allowed, `${r.method} ${url}`).toContain(res.json().type);
        }
      }
    }
  });

  it('serves the catalog from the database, refuses logins and readiness with 503', async () => {
    const anon = client({ app: down.app });
    expect((await anon.get('/products/')).statusCode).toBe(200);
    expect((await anon.get('/categories/')).statusCode).toBe(200);
    const login = await anon.post('/login/', { email: buyer.email, password: PASSWORD });
    expect(login.statusCode).toBe(503); // the failed-login counter cannot count
    expect(login.json().type).toBe('/problems/unavailable');
    expect(login.headers['retry-after']).toBeDefined();
    expect((await anon.get('/ready/')).statusCode).toBe(503);
    // Signed-in requests count against limits too; those let them through.
    const someone = await createUser({ database });
    expect((await client({ app: down.app }, someone).get('/user/details/')).statusCode).toBe(200);
  });

  it('logs the outage once, however many requests meet it', async () => {
    const anon = client({ app: down.app });
    for (let i = 0; i < 5; i++) await anon.get('/products/');
    expect(down.outages).toHaveLength(1);
  });

  it('lets logins through with THROTTLE_FAIL_OPEN=true', async () => {
    const open = await appWithoutRedis(database, { THROTTLE_FAIL_OPEN: 'true' });
    try {
      const login = await client({ app: open.app }).post('/login/', {
        email: buyer.email,
        password: PASSWORD,
      });
      expect(login.statusCode).toBe(200);
    } finally {
      await open.close();
    }
  });

  it('refuses every limited route with THROTTLE_FAIL_OPEN=false', async () => {
    const closed = await appWithoutRedis(database, { THROTTLE_FAIL_OPEN: 'false' });
    try {
      const res = await client({ app: closed.app }).get('/products/');
      expect(res.statusCode).toBe(503);
      expect((await client({ app: closed.app }).get('/health/')).statusCode).toBe(200);
    } finally {
      await closed.close();
    }
  });
});
