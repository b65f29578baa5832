// The service as several processes: two API processes and one worker, each on its own, against
// the machine's PostgreSQL and Redis (TEST_DATABASE_URL, TEST_REDIS_URL; skipped without them).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../src/platform/db/client.js';
import { uniqueTag } from './catalog-factory.js';
import { eq } from 'drizzle-orm';
import { createBullQueue } from '../src/platform/bull-queue.js';
import { outgoingMail } from '../src/platform/mail-outbox.tables.js';
import { createUser, openTestRedis, silentLog, uniqueEmail } from './harness.js';
import { startSmtp, type TestSmtp } from './smtp.js';

const enabled = Boolean(process.env.TEST_DATABASE_URL && process.env.TEST_REDIS_URL);

interface Proc {
  child: ChildProcess;
  base: string;
}

/** Starts `script` and resolves when its log line matching `ready` appears. */
function start(script: string, env: Record<string, string>, ready: RegExp): Promise<Proc> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    env: { ...process.env, ...env },
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = ready.exec(output);
      if (m) resolve({ child, base: m[1] ?? '' });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`${script} exited with ${code}: ${output}`)));
  });
}

const stop = (p: Proc) =>
  new Promise<void>((resolve) => {
    p.child.removeAllListeners('exit');
    if (p.child.exitCode !== null) return resolve();
    p.child.on('exit', () => resolve());
    p.child.kill('SIGTERM');
  });

describe.skipIf(!enabled)('two API processes and a worker on PostgreSQL and Redis', () => {
  let smtp: TestSmtp;
  let database: Database;
  let dataDir: string;
  let a: Proc;
  let b: Proc;
  let worker: Proc;
  let env: Record<string, string>;

  beforeAll(async () => {
    [smtp, dataDir] = await Promise.all([startSmtp(), mkdtemp(join(tmpdir(), 'purchases-mp-'))]);
    database = await openDatabase({ url: process.env.TEST_DATABASE_URL! });
    env = {
      DATABASE_URL: process.env.TEST_DATABASE_URL!,
      REDIS_URL: process.env.TEST_REDIS_URL!,
      REDIS_PREFIX: `purchases-mp:${randomBytes(6).toString('hex')}:`,
      SECRET_KEY: 'multiprocess-secret',
      DATA_DIR: dataDir,
      PORT: '0',
      LOG_LEVEL: 'info',
      EMAIL_HOST: '127.0.0.1',
      EMAIL_PORT: String(smtp.port),
      EMAIL_USE_SSL: 'false',
      // Windows are aligned to the clock: an hour makes it unlikely that part (a) straddles two.
      THROTTLE_BURST: '10/hour',
      // The test stands for the proxy in front, so its X-Forwarded-For counts.
      TRUST_PROXY: 'loopback',
      WEB_CONCURRENCY: '1',
    };
    const listening = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/;
    [a, b, worker] = await Promise.all([
      start('src/server.ts', env, listening),
      start('src/server.ts', env, listening),
      start('src/worker.ts', env, /worker running jobs/),
    ]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([a, b, worker].filter(Boolean).map(stop));
    await Promise.all([
      smtp?.close(),
      database?.close(),
      rm(dataDir, { recursive: true, force: true }),
    ]);
  });

  // Every request comes from 127.0.0.1; X-Forwarded-For (trusted from loopback) gives each
  // part of the test an address of its own, so only part (a) meets the burst limit.
  let ipSeq = 0;
  const freshIp = () => `10.77.${Math.floor(++ipSeq / 250)}.${(ipSeq % 250) + 1}`;
  const call = async (
    p: Proc,
    method: string,
    path: string,
    opts: { token?: string; body?: unknown; ip?: string; type?: string } = {},
  ) => {
    const res = await fetch(p.base + path, {
      method,
      headers: {
        'x-forwarded-for': opts.ip ?? freshIp(),
        ...(opts.token ? { authorization: `Token ${opts.token}` } : {}),
        ...(opts.body !== undefined ? { 'content-type': opts.type ?? 'application/json' } : {}),
      },
      body:
        opts.body === undefined
          ? undefined
          : typeof opts.body === 'string'
            ? opts.body
            : JSON.stringify(opts.body),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, json: () => JSON.parse(text) };
  };

  /** The API token of a new account, made directly in the shared database. */
  const user = async (type: 'buyer' | 'shop' = 'buyer') =>
    (await createUser({ database }, { type })).token;

  const priceList = (shop: string, price: number, quantity: number) =>
    `shop: ${shop}\ncategories:\n  - id: 1\n    name: Процессы ${shop}\ngoods:\n  - id: 1\n    category: 1\n` +
    `    model: mp/one\n    name: Товар ${shop}\n    price: ${price}\n    price_rrc: ${price}\n    quantity: ${quantity}\n    parameters:\n      Цвет: белый\n`;
  const upload = async (token: string, shop: string, price: number, quantity: number) => {
    const res = await call(a, 'POST', '/partner/update/', {
      token,
      body: priceList(shop, price, quantity),
      type: 'application/yaml',
    });
    expect(res.status).toBe(200);
    return res.json().shop.id as number;
  };

  it('(a) counts one burst limit over both processes', async () => {
    const ip = freshIp();
    const statuses: number[] = [];
    for (let i = 0; i < 14; i++)
      statuses.push((await call(i % 2 ? b : a, 'GET', '/categories/', { ip })).status);
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(200));
    expect(statuses.slice(10)).toEqual([429, 429, 429, 429]);
  });

  it('(b) shows an import made through A at once through B, whose cache was warm', async () => {
    const shop = await user('shop');
    const shopId = await upload(shop, `MP ${uniqueTag()}`, 500, 3);
    const page = `/products/?shop_id=${shopId}`;
    expect((await call(b, 'GET', page)).json().results[0].price).toBe(500);
    expect((await call(b, 'GET', page)).json().results[0].price).toBe(500); // now warm on B
    await upload(shop, (await call(a, 'GET', page)).json().results[0].shop.name, 700, 3);
    expect((await call(b, 'GET', page)).json().results[0].price).toBe(700);
  });

  it('(c) sends a mail queued by A exactly once, through the worker', async () => {
    const email = uniqueEmail('mp');
    const res = await call(a, 'POST', '/register/', {
      body: { email, password: 'Sturdy-Lantern-42', first_name: 'Пётр', last_name: 'Иванов' },
    });
    expect(res.status).toBe(201);
    await smtp.waitFor(email, /Подтверждение/, 30_000);
    // The API processes only queue (they run no workers), so this came from the worker. Once no
    // job is waiting or running and the message has left the outbox table, nothing more can send it.
    const observer = createBullQueue({ redis: openTestRedis(env.REDIS_PREFIX)!, log: silentLog });
    try {
      await observer.drain();
    } finally {
      await observer.close();
    }
    const left = await database.db
      .select()
      .from(outgoingMail)
      .where(eq(outgoingMail.recipient, email));
    expect(left).toEqual([]);
    expect(smtp.received.filter((m) => m.to.includes(email))).toHaveLength(1);
  });

  it('(d) sells exactly the stock when confirmations race over both processes', async () => {
    const shop = await user('shop');
    const shopId = await upload(shop, `MP ${uniqueTag()}`, 100, 5);
    const offer = (await call(b, 'GET', `/products/?shop_id=${shopId}`)).json().results[0];
    const buyers = await Promise.all(Array.from({ length: 12 }, () => user('buyer')));
    await Promise.all(
      buyers.map(async (token, i) => {
        const p = i % 2 ? b : a;
        const add = await call(p, 'POST', '/cart/add/', {
          token,
          body: { items: [{ product_info: offer.id, quantity: 1 }] },
        });
        expect(add.status).toBe(201);
      }),
    );
    const contacts = await Promise.all(
      buyers.map(async (token) => {
        const c = await call(a, 'POST', '/contacts/add/', {
          token,
          body: { phone: '+7 999 123-45-67', city: 'Москва', street: 'Тверская' },
        });
        expect(c.status).toBe(201);
        return c.json().id as number;
      }),
    );
    const results = await Promise.all(
      buyers.map((token, i) =>
        call(i % 2 ? b : a, 'POST', '/order/confirm/', { token, body: { contact: contacts[i] } }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(5);
    expect(statuses.filter((s) => s === 409)).toHaveLength(7);
    // Both processes show the sold-out offer at once.
    for (const p of [a, b])
      expect((await call(p, 'GET', `/products/${offer.id}/`)).json().quantity).toBe(0);
  });
});

describe.skipIf(!enabled)('WEB_CONCURRENCY=2: one port, two API processes under a primary', () => {
  let primary: ChildProcess;
  let output = '';
  let dataDir: string;

  /** Resolves when the primary's output (its own and its API processes') matches `re`. */
  const seen = (re: RegExp) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const m = re.exec(output);
        if (m) {
          primary.stdout!.off('data', check);
          resolve(m);
        }
      };
      primary.stdout!.on('data', check);
      primary.once('exit', (code) =>
        reject(new Error(`the primary exited with ${code}: ${output}`)),
      );
      check();
    });
  /** The pids that have logged "Server listening", in order. */
  const listening = () =>
    [...output.matchAll(/"pid":(\d+)[^\n]*Server listening at (http:\/\/[\d.:]+)/g)].map((m) => ({
      pid: Number(m[1]),
      base: m[2]!,
    }));

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'purchases-cluster-'));
    primary = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      env: {
        ...process.env,
        DATABASE_URL: process.env.TEST_DATABASE_URL!,
        REDIS_URL: process.env.TEST_REDIS_URL!,
        REDIS_PREFIX: `purchases-cluster:${randomBytes(6).toString('hex')}:`,
        SECRET_KEY: 'cluster-secret',
        DATA_DIR: dataDir,
        PORT: '0',
        LOG_LEVEL: 'info',
        WEB_CONCURRENCY: '2',
      },
    });
    primary.stdout!.on('data', (c: Buffer) => void (output += c.toString()));
    primary.stderr!.on('data', (c: Buffer) => void (output += c.toString()));
    await seen(/Server listening[\s\S]*Server listening/);
  }, 120_000);

  afterAll(async () => {
    if (primary && primary.exitCode === null) {
      primary.kill('SIGKILL');
      for (const { pid } of listening()) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    await rm(dataDir, { recursive: true, force: true });
  });

  it('replaces an API process that dies, keeps answering, and stops cleanly on SIGTERM', async () => {
    const [first, second] = listening();
    expect(first!.pid).not.toBe(second!.pid);
    expect(first!.base).toBe(second!.base); // one shared port
    const health = async () => (await fetch(`${first!.base}/health/`)).status;
    expect(await Promise.all(Array.from({ length: 10 }, health))).toEqual(Array(10).fill(200));

    process.kill(first!.pid, 'SIGKILL');
    await seen(/API process died; starting another/);
    await seen(new RegExp(`Server listening[\\s\\S]*Server listening[\\s\\S]*Server listening`));
    const third = listening()[2]!;
    expect([first!.pid, second!.pid]).not.toContain(third.pid);
    expect(await Promise.all(Array.from({ length: 10 }, health))).toEqual(Array(10).fill(200));

    const exited = new Promise<number | null>((r) => primary.once('exit', (code) => r(code)));
    primary.kill('SIGTERM');
    expect(await exited).toBe(0);
    for (const pid of [second!.pid, third.pid]) expect(() => process.kill(pid, 0)).toThrow();
  }, 60_000);
});
