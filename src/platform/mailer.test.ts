import { eq } from 'drizzle-orm';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from '../../test/client.js';
import { createHarness, silentLog, uniqueEmail, type Harness } from '../../test/harness.js';
import { loadConfig } from './config.js';
import { outgoingMail } from './mail-outbox.tables.js';
import { createMailer, createTransport } from './mailer.js';
import { createBackground } from './background.js';
import { createInProcessQueue } from './queue.js';

const account = (email: string) => ({
  email,
  password: 'Sturdy-Lantern-42',
  first_name: 'Иван',
  last_name: 'Петров',
});

describe('mail over SMTP', () => {
  let h: Harness;
  beforeAll(async () => void (h = await createHarness()));
  afterAll(() => h.close());

  it('retries with backoff when the SMTP server refuses, without failing the request', async () => {
    const email = uniqueEmail();
    h.smtp.refuseNext(2);
    const res = await client(h).post('/register/', account(email));
    expect(res.statusCode).toBe(201);
    const mail = await h.smtp.waitFor(email, /Подтверждение/);
    expect(h.smtp.refused).toBe(2);
    expect(mail.text).toMatch(/^[A-Za-z0-9_-]{40,}$/m);
    expect(h.smtp.received.filter((m) => m.to.includes(email))).toHaveLength(1);
  });

  it('gives up after its attempts; the account stays and a resend reaches the user', async () => {
    const email = uniqueEmail();
    h.smtp.refuseNext(100);
    try {
      const res = await client(h).post('/register/', account(email));
      expect(res.statusCode).toBe(201);
      await h.settle();
      expect(h.smtp.received.some((m) => m.to.includes(email))).toBe(false);
    } finally {
      h.smtp.refuseNext(0);
    }
    const resend = await client(h).post('/useractivation/resend/', { email });
    expect(resend.statusCode).toBe(202);
    await h.smtp.waitFor(email);
  });
});

describe('mail without SMTP settings', () => {
  let h: Harness;
  beforeAll(async () => void (h = await createHarness({ EMAIL_HOST: '', EMAIL_HOST_USER: '' })));
  afterAll(() => h.close());

  it('writes each message to DATA_DIR/outbox as an .eml file with text and HTML parts', async () => {
    const email = uniqueEmail();
    await client(h).post('/register/', account(email));
    await h.settle();
    const outbox = join(h.dataDir, 'outbox');
    const files = (await readdir(outbox)).filter((f) => f.endsWith(`-${email}.eml`));
    expect(files).toHaveLength(1);
    const eml = await readFile(join(outbox, files[0]!), 'utf8');
    expect(eml).toContain(`To: ${email}`);
    expect(eml).toContain('text/plain');
    expect(eml).toContain('text/html');
    // Readable with `cat`: 8bit UTF-8 parts, the token alone on its line.
    expect(eml).toContain('Content-Transfer-Encoding: 8bit');
    expect(eml).not.toContain('Content-Transfer-Encoding: base64');
    expect(eml).toContain('Вы зарегистрировались в сервисе закупок.');
    expect(eml).toMatch(/^[A-Za-z0-9_-]{40,}\r?$/m);
    expect(h.smtp.received).toHaveLength(0);
  });
});

describe('mail through the outbox table', () => {
  let h: Harness;
  beforeAll(async () => void (h = await createHarness()));
  afterAll(() => h.close());

  const tokenOf = (text: string) => /^([A-Za-z0-9_-]{40,})$/m.exec(text)![1]!;

  it('keeps no message body or token in the job store, nor in the database once sent', async () => {
    const email = uniqueEmail();
    await client(h).post('/register/', account(email));
    const token = tokenOf((await h.smtp.waitFor(email)).text);
    await h.settle();

    const left = await h.database.db
      .select()
      .from(outgoingMail)
      .where(eq(outgoingMail.recipient, email));
    expect(left).toEqual([]);
    if (h.redis) {
      const redis = h.redis.client();
      const keys = await redis.keys(`${h.redis.prefix}*`);
      expect(keys.some((k) => k.includes(':bull:mail:'))).toBe(true);
      const stored = await Promise.all(
        keys.map(async (k) => {
          const type = await redis.type(k);
          if (type === 'hash') return JSON.stringify(await redis.hgetall(k));
          if (type === 'string') return (await redis.get(k)) ?? '';
          if (type === 'list') return JSON.stringify(await redis.lrange(k, 0, -1));
          return '';
        }),
      );
      const all = stored.join('\n');
      expect(all).not.toContain(token);
      expect(all).not.toContain(email);
    }
  });

  it('delivers a message committed but never queued (the process died) when the sweep runs', async () => {
    const email = uniqueEmail();
    // A mailer and queue of its own: the commit happens, then nothing is dispatched, as after a
    // crash.
    const queue = createInProcessQueue({ log: silentLog });
    const mailer = createMailer({
      db: h.database.db,
      queue,
      background: createBackground(silentLog),
      transport: createTransport(
        loadConfig({
          SECRET_KEY: 'x',
          DATA_DIR: h.dataDir,
          EMAIL_HOST: '127.0.0.1',
          EMAIL_PORT: String(h.smtp.port),
          EMAIL_USE_SSL: 'false',
        }),
        silentLog,
      ),
      clock: h.clock,
      log: silentLog,
    });
    try {
      await h.database.db.transaction((tx) =>
        mailer.add(tx, [
          { to: email, subject: 'Осиротевшее письмо', text: 'текст', html: '<p>текст</p>' },
        ]),
      );
      // Too young: its job may still come. (Other tests' orphans may be swept: the database is shared.)
      await mailer.sweep();
      await queue.drain();
      expect(h.smtp.received.some((m) => m.to.includes(email))).toBe(false);
      h.clock.advance(3 * 60_000);
      try {
        expect(await mailer.sweep()).toBeGreaterThanOrEqual(1);
      } finally {
        h.clock.advance(-3 * 60_000);
      }
      expect((await h.smtp.waitFor(email)).subject).toBe('Осиротевшее письмо');
      await queue.drain();
      expect(h.smtp.received.filter((m) => m.to.includes(email))).toHaveLength(1);
    } finally {
      await mailer.close();
    }
  });
});
