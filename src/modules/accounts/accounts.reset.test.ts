// A password reset tells nobody whether an account exists.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { client } from '../../../test/client.js';
import { createHarness, createUser, uniqueEmail, type Harness } from '../../../test/harness.js';

let h: Harness;
beforeAll(async () => void (h = await createHarness()));
afterAll(() => h.close());

it('answers a weak password with a wrong token alike for a real and an unknown email', async () => {
  const account = await createUser(h);
  const anonymous = client(h);
  const attempt = (email: string) =>
    anonymous.post('/password/reset/confirm/', { email, token: 'not-the-token', password: '1234' });
  const [real, ghost] = await Promise.all([attempt(account.email), attempt(uniqueEmail())]);
  expect(real.statusCode).toBe(400);
  expect(ghost.statusCode).toBe(400);
  expect(real.json().detail).toBe(ghost.json().detail);
  expect(real.json().errors).toEqual(ghost.json().errors);
  expect(real.json().errors).toEqual([{ field: 'token', message: expect.any(String) }]);
});

it('answers /password/reset/ and /useractivation/resend/ before looking the account up', async () => {
  const account = await createUser(h);
  // The users table is held locked: a request that looked the account up before answering would
  // wait for it, so an answer now proves the answer cannot depend on (or take the time of) it.
  let locked!: () => void;
  let release!: () => void;
  const held = new Promise<void>((r) => (locked = r));
  const gate = new Promise<void>((r) => (release = r));
  const holder = h.database.db.transaction(async (tx) => {
    await tx.execute(sql`lock table users in access exclusive mode`);
    locked();
    await gate;
  });
  await held;
  try {
    for (const email of [account.email, uniqueEmail()]) {
      expect((await client(h).post('/password/reset/', { email })).statusCode).toBe(202);
      expect((await client(h).post('/useractivation/resend/', { email })).statusCode).toBe(202);
    }
  } finally {
    release();
    await holder;
  }
  await h.settle();
  const mails = h.smtp.received.filter((m) => m.to.includes(account.email));
  expect(mails.map((m) => m.subject)).toEqual([expect.stringMatching(/Сброс пароля/)]);
});
