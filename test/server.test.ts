// The service as a new user meets it: `npm start` on the embedded database, the CLI beside it,
// a restart that keeps the data, and a wrong setting that stops the start with its name.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

// Each start opens PGlite from disk and the CLI starts its own process: slow on a busy machine.
vi.setConfig({ testTimeout: 180_000 });

let dataDir: string;
beforeAll(async () => void (dataDir = await mkdtemp(join(tmpdir(), 'purchases-server-'))));
afterAll(() => rm(dataDir, { recursive: true, force: true }));

const env = () => {
  const {
    TEST_DATABASE_URL: _db,
    TEST_REDIS_URL: _redis,
    DATABASE_URL: _url,
    REDIS_URL: _r,
    ...rest
  } = process.env;
  return { ...rest, DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'info' };
};

/** Starts the server as `npm start` does and resolves with its base URL once it listens. */
function startServer(): Promise<{ child: ChildProcess; base: string; output: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts', '--dev'], {
    env: env(),
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (m) resolve({ child, base: m[1]!, output: () => output });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${output}`)));
  });
}

const stop = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    child.removeAllListeners('exit');
    child.on('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });

const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    env: env(),
    encoding: 'utf8',
  });

const post = (base: string, path: string, body: object) =>
  fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('the service on the embedded database', () => {
  it('starts, writes mail to the outbox, keeps data across a restart, and shares nothing unsafely with the CLI', async () => {
    const first = await startServer();
    const account = {
      email: 'new-user@example.com',
      password: 'Sturdy-Lantern-42',
      first_name: 'Иван',
      last_name: 'Петров',
    };
    expect((await post(first.base, '/register/', account)).status).toBe(201);
    expect((await fetch(`${first.base}/ready/`)).status).toBe(200);

    const busy = cli(
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

    const created = cli(
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
  });

  it('refuses to start on a wrong setting, naming it', () => {
    const res = spawnSync(process.execPath, ['--import', 'tsx', 'src/server.ts', '--dev'], {
      env: { ...env(), PORT: 'eighty', EMAIL_USE_SSL: 'perhaps' },
      encoding: 'utf8',
    });
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/PORT/);
    expect(res.stderr).toMatch(/EMAIL_USE_SSL/);
  });

  it('refuses several API processes on the embedded database, saying why', () => {
    const res = spawnSync(process.execPath, ['--import', 'tsx', 'src/server.ts', '--dev'], {
      env: { ...env(), WEB_CONCURRENCY: '2' },
      encoding: 'utf8',
    });
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/WEB_CONCURRENCY: 2 API processes need PostgreSQL/);
  });

  it('refuses a weak password in createsuperuser, saying why', () => {
    const res = cli('createsuperuser', '--email', 'weak@example.com', '--password', '123');
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/at least 8 characters/);
  });
});
