// Requests that cannot be what the client meant get a 4xx problem that says what to fix, never a
// 500, and change nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from './client.js';
import { createHarness, createUser, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => void (h = await createHarness()));
afterAll(() => h.close());

describe('malformed requests', () => {
  it('PATCH /user/details/ that changes nothing → 400 naming what can change', async () => {
    const me = client(h, await createUser(h));
    for (const body of [{}, { current_password: 'whatever-it-is' }]) {
      const res = await me.patch('/user/details/', body);
      expect(res.statusCode).toBe(400);
      expect(res.json().errors[0].message).toMatch(/first_name, last_name, company, position/);
    }
    expect((await me.get('/user/details/')).json()).toMatchObject({ first_name: 'Test' });
  });

  it('a multipart price list without a boundary, or cut short → 400, nothing imported', async () => {
    const shop = client(h, await createUser(h, { type: 'shop' }));
    const noBoundary = await shop.post('/partner/update/', undefined, {
      payload: 'shop: x\n',
      contentType: 'multipart/form-data',
    });
    expect(noBoundary.statusCode).toBe(400);
    expect(noBoundary.json().detail).toMatch(/multipart body cannot be read/);
    const truncated = await shop.post('/partner/update/', undefined, {
      payload:
        '--XX\r\nContent-Disposition: form-data; name="file"; filename="list.yaml"\r\n\r\nshop: x\n',
      contentType: 'multipart/form-data; boundary=XX',
    });
    expect(truncated.statusCode).toBe(400);
    expect(truncated.headers['content-type']).toContain('application/problem+json');
    expect((await shop.get('/partner/state/')).statusCode).toBe(404);
  });
});
