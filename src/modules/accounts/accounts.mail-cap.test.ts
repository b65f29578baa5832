// No one can flood a mailbox with activation or reset mail, from however many addresses.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { client } from '../../../test/client.js';
import { createHarness, createUser, type Harness } from '../../../test/harness.js';
import { MAILS_PER_RECIPIENT } from './accounts.service.js';

let h: Harness;
beforeAll(async () => void (h = await createHarness()));
afterAll(() => h.close());

it('sends an address at most 5 emailed tokens an hour, answering 202 to every ask', async () => {
  const account = await createUser(h);
  const asks = await Promise.all(
    Array.from({ length: MAILS_PER_RECIPIENT + 3 }, (_, i) =>
      client(h).post(
        '/password/reset/',
        { email: account.email },
        { remoteAddress: `10.66.0.${i + 1}` },
      ),
    ),
  );
  expect(asks.map((r) => r.statusCode)).toEqual(asks.map(() => 202));
  await h.settle();
  const mails = h.smtp.received.filter((m) => m.to.includes(account.email));
  expect(mails).toHaveLength(MAILS_PER_RECIPIENT);

  // An hour later the address may be mailed again.
  h.clock.advance(3_600_000 + 1000);
  expect((await client(h).post('/password/reset/', { email: account.email })).statusCode).toBe(202);
  await h.settle();
  expect(h.smtp.received.filter((m) => m.to.includes(account.email))).toHaveLength(
    MAILS_PER_RECIPIENT + 1,
  );
});
