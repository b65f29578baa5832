// What the log keeps: every line of a request names the request, its route template and its user
// (Fastify's own lines too), every line of a job names the job and the request that queued it,
// and no line holds what a statement was given (password hashes, phones, addresses), a token or
// a secret of the URL.
import { sql } from 'drizzle-orm';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobDefinition } from '../src/platform/queue.js';
import { client } from './client.js';
import { createHarness, createUser, uniqueEmail, type Harness, type TestUser } from './harness.js';

const lines: string[] = [];
let h: Harness;
let user: TestUser;
let logged: JobDefinition<{ note: string }>;

beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  h = await createHarness(
    {},
    {
      logTo: sink,
      extend(app, { queue, database }) {
        // A fault of ours with personal data in the statement: a second account on a taken email.
        app.post('/test/fault/', async () => {
          await database.db.execute(
            sql`insert into users (email, password_hash, first_name) values (${user.email}, ${'$argon2id$secret-hash'}, ${'+7 916 555-12-34, Тверская 7'})`,
          );
          return { ok: true };
        });
        // A service writing through the app's logger (not the request's) while a request runs.
        app.get('/test/service-log/', async () => {
          app.log.info('a service at work');
          return { ok: true };
        });
        // A job that logs, fails its first attempt and succeeds on the second.
        logged = queue.register({
          name: 'test.logged',
          queue: 'mail',
          attempts: 2,
          handler: async (payload: { note: string }, ctx) => {
            app.log.info({ note: payload.note }, 'the job at work');
            if (ctx.attempt === 1) throw new Error('the first attempt fails');
          },
        });
        app.post('/test/queue/', async (_req, reply) =>
          reply.code(202).send({ job_id: await queue.enqueue(logged, { note: 'hello' }) }),
        );
      },
    },
  );
  user = await createUser(h, { email: uniqueEmail('logged') });
});
afterAll(() => h?.close());

const parsed = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
const linesOf = (requestId: unknown) => parsed().filter((l) => l.request_id === requestId);

describe('request lines', () => {
  it('name the request id, route template and user on every line, Fastify’s own included', async () => {
    const res = await client(h, user).get('/user/details/');
    expect(res.statusCode).toBe(200);
    const own = linesOf(res.headers['x-request-id']);
    expect(own.map((l) => l.msg)).toEqual(['incoming request', 'request completed']);
    for (const line of own)
      expect(line).toMatchObject({ route: '/user/details/', user_id: user.id });
  });

  it('name them on lines a service writes through its own logger during the request', async () => {
    const res = await client(h, user).get('/test/service-log/');
    const own = linesOf(res.headers['x-request-id']);
    expect(own.map((l) => l.msg)).toEqual([
      'incoming request',
      'a service at work',
      'request completed',
    ]);
    for (const line of own)
      expect(line).toMatchObject({ route: '/test/service-log/', user_id: user.id });
  });

  it('say user_id null for an anonymous request, and route null for a path no route has', async () => {
    const anonymous = await client(h).get('/products/');
    for (const line of linesOf(anonymous.headers['x-request-id']))
      expect(line).toMatchObject({ route: '/products/', user_id: null });
    const nowhere = await client(h, user).get('/no/such/page/');
    const own = linesOf(nowhere.headers['x-request-id']);
    expect(own).toHaveLength(2);
    for (const line of own) expect(line).toMatchObject({ route: null, user_id: user.id });
  });

  it('keep a 5xx with the failed statement and the request id, but no statement values or token', async () => {
    const res = await client(h, user).post('/test/fault/', {});
    expect(res.statusCode).toBe(500);
    const failure = linesOf(res.json().request_id).find((l) => l.msg === 'request failed')!;
    expect(failure).toMatchObject({ route: '/test/fault/', user_id: user.id });
    const text = JSON.stringify(failure);
    expect(text).toContain('Failed query: insert into users');
    expect(text).toContain('23505'); // the database's error code stays
    const log = lines.join('\n');
    for (const secret of [user.email, 'secret-hash', '916 555', 'Тверская', user.token])
      expect(log).not.toContain(secret);
  });

  it('keep Google’s code and state out of the request line', async () => {
    const code = '4/0google-code-of-the-log-test';
    const state = 'google-state-of-the-log-test-1234567890';
    const res = await client(h).get(`/api/auth/google/callback/?code=${code}&state=${state}`);
    const incoming = linesOf(res.headers['x-request-id']).find(
      (l) => l.msg === 'incoming request',
    )!;
    expect((incoming.req as { url: string }).url).toBe(
      '/api/auth/google/callback/?code=[redacted]&state=[redacted]',
    );
    expect(lines.join('\n')).not.toMatch(/google-(code|state)-of-the-log-test/);
  });
});

describe('job lines', () => {
  it('name the job, its id and the request that queued it, on every attempt', async () => {
    const res = await client(h, user).post('/test/queue/', {});
    expect(res.statusCode).toBe(202);
    const { job_id } = res.json<{ job_id: string }>();
    await h.settle();
    const own = parsed().filter((l) => l.job_id === job_id);
    expect(own.map((l) => l.msg)).toEqual(['the job at work', 'job will retry', 'the job at work']);
    for (const line of own)
      expect(line).toMatchObject({ job: 'test.logged', request_id: res.headers['x-request-id'] });
    expect((await h.queue.status(job_id))?.state).toBe('completed');
  });
});
