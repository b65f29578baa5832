import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from '../../test/client.js';
import { createHarness, uniqueEmail, type Harness } from '../../test/harness.js';

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
      await h.queue.drain();
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
    await h.queue.drain();
    const outbox = join(h.dataDir, 'outbox');
    const files = (await readdir(outbox)).filter((f) => f.endsWith(`-${email}.eml`));
    expect(files).toHaveLength(1);
    const eml = await readFile(join(outbox, files[0]!), 'utf8');
    expect(eml).toContain(`To: ${email}`);
    expect(eml).toContain('text/plain');
    expect(eml).toContain('text/html');
    expect(h.smtp.received).toHaveLength(0);
  });
});
