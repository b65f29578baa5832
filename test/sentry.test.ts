// What reaches Sentry, read off a local ingest (test/sentry-ingest.ts): the app runs in a process
// of its own started as in production, Sentry loaded first with `--import ./src/instrument.ts`
// (test/sentry-app.ts), on the test's database and Redis. Faults arrive with user, tags, release
// and environment; 4xx answers send no event; a crashed job arrives with its job tags; requests
// arrive as traces with their spans (in plain or gzip envelopes); and no token, password, email
// or client address leaves.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { shopYaml } from '../src/modules/partner/partner.test-helpers.js';
import type { TestUser } from './accounts.js';
import { isPostgres, isRedis, PASSWORD } from './harness.js';
import { startSentryIngest, type IngestedSpan, type SentryIngest } from './sentry-ingest.js';

/** The client's address as the proxy in front reports it (TRUST_PROXY=loopback in the app). */
const CLIENT_ADDRESS = '203.0.113.77';

interface Ready {
  port: number;
  staff: TestUser;
  buyer: TestUser;
  shop: TestUser;
  victim: string;
}

let ingest: SentryIngest;
let child: ChildProcess;
let dataDir: string;
let app: Ready;
let base: string;
const lines: Record<string, unknown>[] = [];

beforeAll(async () => {
  [ingest, dataDir] = await Promise.all([
    startSentryIngest(),
    mkdtemp(join(tmpdir(), 'purchases-sentry-')),
  ]);
  const { DATABASE_URL: _d, REDIS_URL: _r, ...env } = process.env;
  child = spawn(
    process.execPath,
    ['--import', 'tsx', '--import', './src/instrument.ts', 'test/sentry-app.ts'],
    {
      env: {
        ...env,
        GOLDEN_PATH: inject('goldenPath'),
        DATA_DIR: dataDir,
        SENTRY_DSN: ingest.dsn,
        SENTRY_ENVIRONMENT: 'sentry-test',
        SENTRY_TRACES_SAMPLE_RATE: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    },
  );
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    const complete = output.split('\n');
    output = complete.pop()!;
    for (const line of complete) if (line.startsWith('{')) lines.push(JSON.parse(line));
  });
  let errors = '';
  child.stderr!.on('data', (chunk: Buffer) => void (errors += chunk.toString()));
  app = await new Promise<Ready>((resolve, reject) => {
    child.once('message', (m) => resolve(m as Ready));
    child.once('exit', (code) => reject(new Error(`the app exited with ${code}: ${errors}`)));
  });
  base = `http://127.0.0.1:${app.port}`;
}, 120_000);

afterAll(async () => {
  if (child?.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const stuck = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(stuck);
  }
  await ingest?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

interface Call {
  user?: TestUser;
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

const call = (path: string, { user, method = 'GET', body, headers = {} }: Call = {}) =>
  fetch(base + path, {
    method,
    headers: {
      'x-forwarded-for': CLIENT_ADDRESS,
      ...(user ? { authorization: `Token ${user.token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

/** Resolves once the app has sent Sentry everything it captured so far. */
const flush = () =>
  new Promise<void>((resolve) => {
    child.once('message', () => resolve());
    child.send('flush');
  });

const eventOf = (requestId: string | null) =>
  ingest.events().filter((e) => e.tags?.request_id === requestId);
const attribute = (span: IngestedSpan, name: string) => span.attributes[name]?.value;

/** The release Sentry is told when SENTRY_RELEASE is unset: version, and commit when known. */
function expectedRelease(): string {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { name: string; version: string };
  let commit = '';
  try {
    commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    // not a git checkout
  }
  return `${pkg.name}@${pkg.version}${commit ? `+${commit}` : ''}`;
}

describe('Sentry', { timeout: 60_000 }, () => {
  it('receives the test error with user, tags, release and environment, and its id in the answer', async () => {
    const res = await call('/api/sentry/test/', { user: app.staff });
    expect(res.status).toBe(500);
    const problem = (await res.json()) as { type: string; event_id: string; request_id: string };
    expect(problem).toMatchObject({
      type: '/problems/internal',
      event_id: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
    const event = await ingest.waitFor('the test error', () =>
      ingest.events().find((e) => e.event_id === problem.event_id),
    );
    expect(event.exception?.values[0]).toMatchObject({ type: 'SentryTestError' });
    expect(event.user).toEqual({ id: String(app.staff.id), type: 'buyer' });
    expect(event.tags).toMatchObject({
      route: '/api/sentry/test/',
      method: 'GET',
      request_id: problem.request_id,
    });
    expect(String(event.tags?.status)).toBe('500');
    expect(event.environment).toBe('sentry-test');
    expect(event.release).toBe(expectedRelease());
  });

  it('reports a failed statement without the values it was given', async () => {
    const res = await call('/test/fault/', { user: app.buyer });
    expect(res.status).toBe(500);
    const { event_id } = (await res.json()) as { event_id: string };
    const event = await ingest.waitFor('the failed statement', () =>
      ingest.events().find((e) => e.event_id === event_id),
    );
    expect(JSON.stringify(event.exception)).toContain('Failed query: insert into users');
    expect(event.user).toEqual({ id: String(app.buyer.id), type: 'buyer' });
    expect(event.tags).toMatchObject({ route: '/test/fault/', method: 'GET' });
    const sent = ingest.raw().find((r) => r.includes(event_id))!;
    for (const value of [app.victim, 'secret-hash', '916 555', 'Тверская'])
      expect(sent).not.toContain(value);
  });

  it('sends no event for a 404 or any other 4xx', async () => {
    const answers = await Promise.all([
      call('/no/such/page/', { user: app.buyer }),
      call('/api/sentry/test/', { user: app.buyer }),
      call('/login/', {
        method: 'POST',
        body: { email: app.buyer.email, password: 'Wrong-Pass-99' },
      }),
    ]);
    expect(answers.map((r) => r.status)).toEqual([404, 403, 401]);
    await flush();
    for (const res of answers) expect(eventOf(res.headers.get('x-request-id'))).toEqual([]);
  });

  it('reports a job whose last attempt fails, with its job tags and the request that queued it', async () => {
    const res = await call('/test/crash-job/', { method: 'POST', user: app.buyer, body: {} });
    expect(res.status).toBe(202);
    const requestId = res.headers.get('x-request-id')!;
    const { job_id } = (await res.json()) as { job_id: string };
    const event = await ingest.waitFor('the crashed job', () =>
      ingest.events().find((e) => e.tags?.job_id === job_id),
    );
    expect(event.tags).toMatchObject({ job: 'test.crash', job_id, request_id: requestId });
    expect(event.tags?.route).toBeUndefined(); // the job's own scope, not the request's
    expect(JSON.stringify(event.exception)).toContain('Failed query: insert into users');
    expect(JSON.stringify(event)).not.toContain(app.victim);
    await flush();
    // Its first attempt failed too, but a retry followed: only the last failure is a crash.
    expect(ingest.events().filter((e) => e.tags?.job_id === job_id)).toHaveLength(1);
    // The job's log lines name the job and the request that queued it.
    const jobLines = await ingest.waitFor('the job log lines', () => {
      const found = lines.filter((l) => l.job_id === job_id);
      return found.some((l) => l.msg === 'job failed') ? found : undefined;
    });
    expect(jobLines.map((l) => l.msg)).toEqual(['job will retry', 'job failed']);
    for (const line of jobLines)
      expect(line).toMatchObject({ job: 'test.crash', request_id: requestId });
  });

  it('receives the performance test as a trace with its spans', async () => {
    const res = await call('/api/sentry/performance-test/', { user: app.staff });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { trace_id: string; spans: { name: string }[] };
    expect(body.trace_id).toMatch(/^[0-9a-f]{32}$/);
    const names = ['database round trip', 'cache lookup', 'sha256 chain'];
    expect(body.spans.map((s) => s.name)).toEqual(names);
    await flush();
    const trace = ingest.spans().filter((s) => s.trace_id === body.trace_id);
    const segment = trace.find((s) => s.is_segment)!;
    expect(segment.name).toBe('GET /api/sentry/performance-test/');
    expect(attribute(segment, 'sentry.op')).toBe('http.server');
    expect(trace.map((s) => s.name)).toEqual(expect.arrayContaining(names));
    const systems = trace.map((s) => attribute(s, 'db.system.name'));
    if (isPostgres) expect(systems).toContain('postgresql');
    if (isRedis) expect(systems).toContain('redis');
  });

  it('traces a request with its outgoing HTTP call', async () => {
    const yaml = shopYaml('Sentry');
    const server = createServer((_req, res) => res.end(yaml));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as { port: number };
      const url = `http://127.0.0.1:${port}/price-list.yaml`;
      const res = await call('/partner/update/', { method: 'POST', user: app.shop, body: { url } });
      expect(res.status).toBe(200);
      await flush();
      const segment = ingest
        .spans()
        .find((s) => s.is_segment && s.name === 'POST /partner/update/')!;
      const trace = ingest.spans().filter((s) => s.trace_id === segment.trace_id);
      const outgoing = trace.find((s) => attribute(s, 'sentry.op') === 'http.client')!;
      expect(outgoing).toBeDefined();
      expect(attribute(outgoing, 'http.response.status_code')).toBe(200);
    } finally {
      server.close();
    }
  });

  it('takes envelopes plain and, past 32 KB, gzip-compressed, as the SDK sends them', async () => {
    const res = await call('/test/many-spans/', { user: app.buyer });
    const { trace_id } = (await res.json()) as { trace_id: string };
    await flush();
    const carrying = ingest.envelopes.filter((e) => e.text.includes(trace_id));
    expect(carrying.map((e) => e.encoding)).toContain('gzip');
    const steps = ingest.spans().filter((s) => s.trace_id === trace_id && /^step /.test(s.name));
    expect(steps).toHaveLength(80);
    // The error events are small: they came plain.
    expect(ingest.envelopes.filter((e) => e.encoding === 'identity').length).toBeGreaterThan(0);
  });

  it('lets no token, password, cookie, email or client address leave', async () => {
    const login = await call('/login/', {
      method: 'POST',
      body: { email: app.buyer.email, password: PASSWORD },
    });
    expect(login.status).toBe(200);
    const { token: newToken } = (await login.json()) as { token: string };
    const secrets = {
      resetToken: 'reset-token-that-must-stay-home-1234567890',
      activationToken: 'activation-token-that-must-stay-home-12345',
      googleCode: '4/0google-code-that-must-stay-home',
      googleState: 'google-state-that-must-stay-home-1234567890',
      cookie: 'cookie-session-that-must-stay-home',
    };
    await call('/password/reset/confirm/', {
      method: 'POST',
      body: { email: app.buyer.email, token: secrets.resetToken, password: 'New-Password-4242' },
    });
    await call('/useractivation/', {
      method: 'POST',
      body: { email: app.buyer.email, token: secrets.activationToken },
    });
    await call(
      `/api/auth/google/callback/?code=${encodeURIComponent(secrets.googleCode)}&state=${secrets.googleState}`,
      { headers: { cookie: `console_session=${secrets.cookie}` } },
    );
    // A fault in a signed-in request, with the cookie: an event with a request.
    await call('/test/fault/', {
      user: app.staff,
      headers: { cookie: `console_session=${secrets.cookie}` },
    });
    await flush();

    const everything = ingest.raw().join('\n');
    const accounts = [app.staff, app.buyer, app.shop];
    for (const secret of [
      ...accounts.flatMap((a) => [a.token, a.email]),
      newToken,
      app.victim,
      PASSWORD,
      'New-Password-4242',
      'Wrong-Pass-99',
      CLIENT_ADDRESS,
      ...Object.values(secrets),
    ])
      expect(everything, `${secret} reached Sentry`).not.toContain(secret);
    for (const event of ingest.events()) {
      expect(Object.keys(event.user ?? {}).sort()).toEqual(event.user ? ['id', 'type'] : []);
      expect(event.request?.cookies).toBeUndefined();
      expect(event.request?.data).toBeUndefined();
    }
    const keys = new Set(ingest.spans().flatMap((s) => Object.keys(s.attributes)));
    for (const key of keys) expect(key).not.toMatch(/^(client\.|user\.|http\.request\.body)/);
  });
});
