// A password reset tells nobody whether an account exists.
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
