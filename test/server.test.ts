// The service as a new user meets it: `npm start` on the embedded database, the CLI beside it,
// a restart that keeps the data, and a wrong setting that stops the start with its name.
// Every check is a real process. The two refusals of a start run beside the first test (they stop
// before opening the database); the CLI's refusal opens it first, so it runs after them.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { processes } from './processes.js';

let dataDir: string;
const { startServer, stop, run, killAll } = processes(() => dataDir);
beforeAll(async () => void (dataDir = await mkdtemp(join(tmpdir(), 'purchases-server-'))));
afterAll(async () => {
  killAll();
  await rm(dataDir, { recursive: true, force: true });
});

const cli = (...args: string[]) => run('src/cli.ts', args);
const superuser = (args: string[], opts: { input?: string; env?: Record<string, string> } = {}) =>
  run('src/cli.ts', ['createsuperuser', ...args], opts.env, opts.input);

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
      expect(busy.stderr).toMatch(/in use by process \d+ .*Stop that process/);
      expect(busy.stderr).not.toMatch(/HTTP API/);

      expect(await stop(first.child)).toBe(0);
      const outbox = await readdir(join(dataDir, 'outbox'));
      expect(outbox.some((f) => f.endsWith('-new-user@example.com.eml'))).toBe(true);
      expect(first.output()).toMatch(
        /mail to new-user@example.com written to \S+outbox\/\S+-new-user@example.com.eml/,
      );

      // The password from standard input, never in argv.
      const created = await superuser(['--email', 'boss@example.com', '--password-stdin'], {
        input: 'Boss-Password-77\n',
      });
      expect(created.stderr).toBe('');
      expect(created.stdout).toMatch(/Staff user boss@example.com created/);
      // An existing account is promoted and keeps the password its owner chose.
      const promoted = await superuser(['--email', account.email]);
      expect(promoted.stdout).toMatch(
        /User new-user@example.com is now an active staff user; password unchanged/,
      );
      const again = await superuser(['--email', account.email]);
      expect(again.stdout).toMatch(/was already an active staff user; password unchanged/);

      const second = await startServer();
      try {
        expect((await post(second.base, '/register/', account)).status).toBe(409);
        const login = await post(second.base, '/login/', {
          email: 'boss@example.com',
          password: 'Boss-Password-77',
        });
        expect(login.status).toBe(200);
        const kept = await post(second.base, '/login/', {
          email: account.email,
          password: account.password,
        });
        expect(kept.status).toBe(200);
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
    const res = await superuser(['--email', 'weak@example.com'], {
      env: { SUPERUSER_PASSWORD: '123' },
    });
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/at least 8 characters/);
    const none = await superuser(['--email', 'nopassword@example.com']);
    expect(none.status).toBe(1);
    expect(none.stderr).toMatch(
      /There is no account nopassword@example.com; a new staff user needs a password/,
    );
  });
});
