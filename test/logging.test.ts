// What the log keeps of a failed request: enough to find the fault, nothing of the values a
// statement was given (password hashes, phones, addresses) and no secret header.
import { sql } from 'drizzle-orm';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { systemClock } from '../src/platform/clock.js';
import { loadConfig } from '../src/platform/config.js';
import type { Database } from '../src/platform/db/client.js';
import type { App } from '../src/platform/http.js';
import { createLogger } from '../src/platform/logger.js';
import { createInProcessQueue } from '../src/platform/queue.js';
import { client } from './client.js';
import { createUser, openTestDatabase, silentLog, uniqueEmail, type TestUser } from './harness.js';

const lines: string[] = [];
let database: Database;
let app: App;
let user: TestUser;

beforeAll(async () => {
  database = await openTestDatabase();
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  app = await buildApp({
    config: loadConfig({ SECRET_KEY: 'test-secret', EMAIL_HOST: '' }),
    database,
    queue: createInProcessQueue({ log: silentLog }),
    clock: systemClock,
    logger: createLogger('info', sink),
  });
  // A fault of ours with personal data in the statement: a second account on a taken email.
  app.post('/test/fault/', async () => {
    await database.db.execute(
      sql`insert into users (email, password_hash, first_name) values (${user.email}, ${'$argon2id$secret-hash'}, ${'+7 916 555-12-34, Тверская 7'})`,
    );
    return { ok: true };
  });
  await app.ready();
  user = await createUser({ database }, { email: uniqueEmail('logged') });
});
afterAll(async () => {
  await app?.close();
  await database?.close();
});

it('logs a 5xx with the failed statement and the request id, but no statement values or token', async () => {
  const res = await client({ app }, user).post('/test/fault/', {});
  expect(res.statusCode).toBe(500);
  const log = lines.join('');
  const failure = lines.find((l) => l.includes('"request failed"'))!;
  expect(failure).toContain('Failed query: insert into users');
  expect(failure).toContain(res.json().request_id);
  expect(failure).toContain('23505'); // the database's error code stays
  for (const secret of [user.email, 'secret-hash', '916 555', 'Тверская', user.token])
    expect(log).not.toContain(secret);
});
