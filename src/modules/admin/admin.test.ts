import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from '../../../test/client.js';
import {
  createHarness,
  createUser,
  uniqueEmail,
  type Harness,
  type TestUser,
} from '../../../test/harness.js';

describe('staff view of background jobs', () => {
  let h: Harness;
  let staff: TestUser;
  beforeAll(async () => {
    h = await createHarness();
    staff = await createUser(h, { staff: true });
  });
  afterAll(() => h.close());

  const register = (email: string) =>
    client(h).post('/register/', {
      email,
      password: 'Sturdy-Lantern-42',
      first_name: 'Анна',
      last_name: 'Орлова',
    });

  it('lists a mail job that kept failing with its error, and a retry delivers it', async () => {
    const email = uniqueEmail();
    h.smtp.refuseNext(100);
    try {
      expect((await register(email)).statusCode).toBe(201);
      await h.settle();
    } finally {
      h.smtp.refuseNext(0);
    }
    const list = await client(h, staff).get('/api/admin/jobs/?state=failed');
    expect(list.statusCode).toBe(200);
    const failed = list.json().results.find((j: { name: string }) => j.name === 'mail.deliver');
    expect(failed).toMatchObject({ queue: 'mail', state: 'failed', attempts: 6 });
    expect(failed.error).toBeTruthy();
    expect(JSON.stringify(list.json())).not.toContain(email); // payloads stay out

    const retry = await client(h, staff).post(`/api/admin/jobs/${failed.id}/retry/`);
    expect(retry.statusCode).toBe(200);
    await h.smtp.waitFor(email);
    await h.settle();

    const again = await client(h, staff).post(`/api/admin/jobs/${failed.id}/retry/`);
    expect(again.statusCode).toBe(409);
    const done = await client(h, staff).get('/api/admin/jobs/?state=completed');
    expect(done.json().results.map((j: { id: string }) => j.id)).toContain(failed.id);
  });

  it('answers 404 for an unknown job, 400 for an unknown state and 403 to non-staff', async () => {
    const res = await client(h, staff).post('/api/admin/jobs/mail-unknown/retry/');
    expect(res.statusCode).toBe(404);
    const bad = await client(h, staff).get('/api/admin/jobs/?state=lost');
    expect(bad.statusCode).toBe(400);
    const buyer = await createUser(h);
    const denied = await client(h, buyer).get('/api/admin/jobs/');
    expect(denied.statusCode).toBe(403);
  });
});
