import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from '../../test/client.js';
import { createHarness, type Harness } from '../../test/harness.js';

let h: Harness;
beforeAll(async () => void (h = await createHarness()));
afterAll(() => h.close());

function expectProblem(
  res: { statusCode: number; headers: Record<string, unknown>; json(): any },
  status: number,
) {
  expect(res.statusCode).toBe(status);
  expect(res.headers['content-type']).toContain('application/problem+json');
  const body = res.json();
  expect(body).toMatchObject({
    status,
    type: expect.stringMatching(/^\/problems\//),
    title: expect.any(String),
  });
  expect(body.detail.length).toBeGreaterThan(5);
  expect(body.request_id).toBe(res.headers['x-request-id']);
  return body;
}

describe('problem+json for every error', () => {
  it('unknown route → 404', async () => {
    expectProblem(await client(h).get('/no/such/thing/'), 404);
  });

  it('wrong method on a known route → 405 with Allow', async () => {
    const res = await client(h).delete('/login');
    expectProblem(res, 405);
    expect(res.headers.allow).toBe('POST');
  });

  it('malformed JSON → 400', async () => {
    const res = await client(h).post('/login/', undefined, {
      payload: '{"email": "a@b.c", ',
      contentType: 'application/json',
    });
    expect(expectProblem(res, 400).detail).toMatch(/JSON/);
  });

  it('a body over 1 MB → 413', async () => {
    const res = await client(h).post('/register/', undefined, {
      payload: JSON.stringify({ email: 'a@example.com', password: 'x'.repeat(1024 * 1024) }),
      contentType: 'application/json',
    });
    expectProblem(res, 413);
  });

  it('an unsupported content type → 415', async () => {
    const res = await client(h).post('/login/', undefined, {
      payload: 'a,b',
      contentType: 'text/csv',
    });
    expectProblem(res, 415);
  });

  it('unknown body fields → 400 naming each', async () => {
    const res = await client(h).post('/login/', {
      email: 'a@example.com',
      password: 'x',
      is_staff: true,
      extra: 1,
    });
    const body = expectProblem(res, 400);
    expect(body.errors).toEqual(
      expect.arrayContaining([
        { field: 'is_staff', message: 'unknown field' },
        { field: 'extra', message: 'unknown field' },
      ]),
    );
  });

  it('validation → 400 with every field error', async () => {
    const res = await client(h).post('/register/', {
      email: 'not-an-email',
      password: 12,
      type: 'admin',
    });
    const fields = expectProblem(res, 400).errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(
      expect.arrayContaining(['email', 'password', 'first_name', 'last_name', 'type']),
    );
  });

  it('a prototype-poisoning body is refused, not applied', async () => {
    const res = await client(h).post('/login/', undefined, {
      payload: '{"email":"a@example.com","password":"x","__proto__":{"admin":true}}',
      contentType: 'application/json',
    });
    expectProblem(res, 400);
  });

  it('liveness and readiness answer', async () => {
    expect((await client(h).get('/health')).json()).toEqual({ status: 'ok' });
    expect((await client(h).get('/ready/')).json()).toEqual({ status: 'ok' });
  });
});

describe('readiness', () => {
  it('answers 503 problem+json when Redis is configured but does not answer', async () => {
    const { buildApp } = await import('../app.js');
    const { createRedisConnections } = await import('./redis.js');
    const { loadConfig } = await import('./config.js');
    const { createInProcessQueue } = await import('./queue.js');
    const { silentLog } = await import('../../test/harness.js');
    // Port 1 on loopback: nothing listens there, so every Redis command fails or hangs.
    const redis = createRedisConnections('redis://127.0.0.1:1', 'ready-test:');
    const app = await buildApp({
      config: loadConfig({
        SECRET_KEY: 'k',
        DATA_DIR: h.dataDir,
        THROTTLE_ENABLED: 'false',
        CACHE_ENABLED: 'false',
      }),
      database: h.database,
      queue: createInProcessQueue({ log: silentLog }),
      clock: h.clock,
      logger: false,
      redis,
    });
    try {
      const res = await client({ app }).get('/ready/');
      expect(res.statusCode).toBe(503);
      expect(res.json().detail).toMatch(/Redis/);
    } finally {
      await app.close();
      await redis.close();
    }
  });
});
