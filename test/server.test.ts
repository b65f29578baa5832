// The service as a new user meets it: `npm start` on the embedded database, the CLI beside it,
// a restart that keeps the data, and a wrong setting that stops the start with its name.
// Every check is a real process. The two refusals of a start run beside the first test (they stop
// before opening the database); the CLI's refusal opens it first, so it runs after them.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';

let dataDir: string;
/** Processes started here, so a failed test leaves none running. */
const started = new Set<ChildProcess>();
beforeAll(async () => void (dataDir = await mkdtemp(join(tmpdir(), 'purchases-server-'))));
afterAll(async () => {
  for (const child of started) if (child.exitCode === null) child.kill('SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
});

const env = (extra: Record<string, string> = {}) => {
  const {
    TEST_DATABASE_URL: _db,
    TEST_REDIS_URL: _redis,
    DATABASE_URL: _url,
    REDIS_URL: _r,
    ...rest
  } = process.env;
  return { ...rest, DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'info', ...extra };
};

function node(script: string, args: string[], extra?: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { env: env(extra) });
  started.add(child);
  return child;
}

/** Starts the server as `npm start` does and resolves with its base URL once it listens. */
function startServer(): Promise<{ child: ChildProcess; base: string; output: () => string }> {
  const child = node('src/server.ts', ['--dev']);
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (m) resolve({ child, base: m[1]!, output: () => output });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${output}`)));
  });
}

const stop = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    child.removeAllListeners('exit');
    child.on('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });

/** Runs `script` to its end and resolves with its exit code and what it wrote. */
function run(script: string, args: string[], extra?: Record<string, string>) {
  const child = node(script, args, extra);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => void (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
  return new Promise<{ status: number | null; stdout: string; stderr: string }>(
    (resolve, reject) => {
      child.on('error', reject);
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    },
  );
}

const cli = (...args: string[]) => run('src/cli.ts', args);

const post = (base: string, path: string, body: object) =>
  fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

// Each start opens PGlite from disk and the CLI starts its own process: slow on a busy machine.
describe('the service on the embedded database', { timeout: 180_000 }, () => {
  it.concurrent(
    'starts, writes mail to the outbox, keeps data across a restart, and shares nothing unsafely with the CLI',
    async ({ expect }) => {
      const first = await startServer();
      const account = {
        email: 'new-user@example.com',
        password: 'Sturdy-Lantern-42',
        first_name: 'Иван',
        last_name: 'Петров',
      };
      expect((await post(first.base, '/register/', account)).status).toBe(201);
      expect((await fetch(`${first.base}/ready/`)).status).toBe(200);

      const busy = await cli(
        'createsuperuser',
        '--email',
        'boss@example.com',
        '--password',
        'Boss-Password-77',
      );
      expect(busy.status).toBe(1);
      expect(busy.stderr).toMatch(/in use by process/);

      expect(await stop(first.child)).toBe(0);
      const outbox = await readdir(join(dataDir, 'outbox'));
      expect(outbox.some((f) => f.endsWith('-new-user@example.com.eml'))).toBe(true);
      expect(first.output()).toMatch(/mail written to the outbox/);

      const created = await cli(
        'createsuperuser',
        '--email',
        'boss@example.com',
        '--password',
        'Boss-Password-77',
      );
      expect(created.stderr).toBe('');
      expect(created.stdout).toMatch(/Staff user boss@example.com created/);

      const second = await startServer();
      try {
        expect((await post(second.base, '/register/', account)).status).toBe(409);
        const login = await post(second.base, '/login/', {
          email: 'boss@example.com',
          password: 'Boss-Password-77',
        });
        expect(login.status).toBe(200);
      } finally {
        expect(await stop(second.child)).toBe(0);
      }
    },
  );

  it.concurrent('refuses to start on a wrong setting, naming it', async ({ expect }) => {
    const res = await run('src/server.ts', ['--dev'], {
      PORT: 'eighty',
      EMAIL_USE_SSL: 'perhaps',
    });
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/PORT/);
    expect(res.stderr).toMatch(/EMAIL_USE_SSL/);
  });

  it.concurrent(
    'refuses several API processes on the embedded database, saying why',
    async ({ expect }) => {
      const res = await run('src/server.ts', ['--dev'], {
        WEB_CONCURRENCY: '2',
      });
      expect(res.status).toBe(1);
      expect(res.stderr).toMatch(/WEB_CONCURRENCY: 2 API processes need PostgreSQL/);
    },
  );

  // Not beside the first test: the CLI opens the database before it looks at the password.
  it('refuses a weak password in createsuperuser, saying why', async ({ expect }) => {
    const res = await cli('createsuperuser', '--email', 'weak@example.com', '--password', '123');
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/at least 8 characters/);
  });
});
