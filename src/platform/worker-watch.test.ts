// With Redis the API leaves jobs to `npm run worker`; without one running, it says so.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from '../../test/client.js';
import {
  createHarness,
  isRedis,
  openTestRedis,
  silentLog,
  uniqueEmail,
  type Harness,
} from '../../test/harness.js';
import { buildApp } from '../app.js';
import { createBullQueue, type BullJobQueue } from './bull-queue.js';
import { loadConfig } from './config.js';
import type { App } from './http.js';
import type { RedisConnections } from './redis.js';

describe.runIf(isRedis)('jobs without a worker', () => {
  let h: Harness;
  let app: App;
  let redis: RedisConnections;
  let queue: BullJobQueue;

  beforeAll(async () => {
    redis = openTestRedis()!;
    queue = createBullQueue({ redis, log: silentLog, backoffMs: 10 });
    h = await createHarness();
    // An API process of its own (its own Redis prefix) whose jobs no worker runs yet.
    const config = loadConfig({
      SECRET_KEY: 'test-secret',
      DATA_DIR: h.dataDir,
      EMAIL_HOST: '127.0.0.1',
      EMAIL_PORT: String(h.smtp.port),
      EMAIL_USE_SSL: 'false',
      THROTTLE_ENABLED: 'false',
    });
    app = await buildApp({
      config,
      database: h.database,
      queue,
      clock: h.clock,
      logger: false,
      redis,
    });
    await app.ready();
  });
  afterAll(async () => {
    await queue.close();
    await app.close();
    await redis.close();
    await h.close();
  });

  it('/ready/ says jobs wait with no worker, and stops saying it once one runs them', async () => {
    const ready = () => client({ app }).get('/ready/');
    expect((await ready()).json()).toEqual({ status: 'ok' });

    const email = uniqueEmail();
    const registered = await client({ app }).post('/register/', {
      email,
      password: 'Sturdy-Lantern-42',
      first_name: 'Иван',
      last_name: 'Петров',
    });
    expect(registered.statusCode).toBe(201);
    await app.background.drain(); // the mail is queued a moment after the answer
    const waiting = await ready();
    expect(waiting.statusCode).toBe(200);
    expect(waiting.json().warnings).toEqual([
      expect.stringMatching(
        /^1 background job\(s\) .* no worker has been seen yet: start one with `npm run worker`/,
      ),
    ]);

    await queue.work();
    await h.smtp.waitFor(email);
    expect((await ready()).json()).toEqual({ status: 'ok' });
  });
});
