// Requests that cannot be what the client meant get a 4xx problem that says what to fix, never a
// 500, and change nothing.
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from './client.js';
import { createHarness, createUser, type Harness } from './harness.js';

let h: Harness;
let port: number;
beforeAll(async () => {
  h = await createHarness();
  await h.app.listen({ port: 0, host: '127.0.0.1' });
  port = (h.app.server.address() as AddressInfo).port;
});

/** Sends raw bytes to the listening app and resolves with everything it answers. */
function raw(request: string): Promise<{ head: string; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    let answer = '';
    socket.on('data', (chunk) => void (answer += chunk.toString()));
    socket.on('error', reject);
    socket.on('close', () => {
      const [head = '', body = ''] = answer.split('\r\n\r\n');
      resolve({ head, body });
    });
  });
}
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

  it.each([
    ['an unknown method', 'BREW /products/ HTTP/1.1\r\nHost: x\r\n\r\n'],
    [
      'a header that breaks the syntax',
      'GET /products/ HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n',
    ],
  ])('%s, refused by Node itself → 400 problem+json with a request id', async (_, request) => {
    const { head, body } = await raw(request);
    expect(head).toMatch(/^HTTP\/1\.1 400 /);
    expect(head).toMatch(/^content-type: application\/problem\+json/im);
    const id = /^x-request-id: (\S+)$/im.exec(head)?.[1];
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(body)).toMatchObject({
      status: 400,
      type: '/problems/bad-request',
      request_id: id,
    });
  });

  it('a body of a type the route does not read → 415 naming what it reads', async () => {
    const me = client(h, await createUser(h));
    const res = await me.post('/contacts/add/', undefined, {
      payload: JSON.stringify({ phone: '+7 916 123-45-67', city: 'Москва', street: 'Тверская' }),
      contentType: 'text/plain',
    });
    expect(res.statusCode).toBe(415);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json().detail).toBe('The body is text/plain; this route reads application/json.');
    expect((await me.get('/contacts/')).json().count).toBe(0);
  });

  it('every 401 says how to authenticate (WWW-Authenticate), the login refusal too', async () => {
    const login = await client(h).post('/login/', { email: 'nobody@example.com', password: 'x' });
    const anonymous = await client(h).get('/cart/');
    for (const res of [login, anonymous]) {
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Token');
    }
  });
});
