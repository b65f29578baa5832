// The one way tests call the API: requests through app.inject, signed in as a test user or not.
//
//   const buyer = client(h, user);                       // client(h) calls anonymously
//   await buyer.post('/cart/add/', { items: [{ product_info: offer.id, quantity: 2 }] });
//   const res = await buyer.get(`/products/${offer.id}/`);
//   res.statusCode; res.headers; res.body; res.json<OfferDto>(); // DTOs from a module's index.ts
//   await buyer.get('/contacts/', { headers: { 'x-forwarded-for': '10.0.0.9' } });
//   await buyer.post('/partner/update/', undefined, { payload: yaml, contentType: 'application/yaml' });
import type { LightMyRequestResponse } from 'fastify';
import type { Harness } from './harness.js';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type TestResponse = LightMyRequestResponse;

export interface RequestOptions {
  /** Extra headers; they win over the user's Authorization and the content type. */
  headers?: Record<string, string>;
  /** A body sent as it is instead of JSON: malformed JSON, YAML, multipart bytes. */
  payload?: string | Buffer;
  /** The Content-Type of `payload`. */
  contentType?: string;
  /** The caller's IP address (limits count per address); 127.0.0.1 otherwise. */
  remoteAddress?: string;
}

export interface TestClient {
  get(url: string, opts?: RequestOptions): Promise<TestResponse>;
  /** `body` goes as JSON. */
  post(url: string, body?: object, opts?: RequestOptions): Promise<TestResponse>;
  put(url: string, body?: object, opts?: RequestOptions): Promise<TestResponse>;
  patch(url: string, body?: object, opts?: RequestOptions): Promise<TestResponse>;
  delete(url: string, body?: object, opts?: RequestOptions): Promise<TestResponse>;
  request(method: Method, url: string, body?: object, opts?: RequestOptions): Promise<TestResponse>;
}

/** Calls the app of `h` as `user` (its API token in Authorization), or anonymously. */
export function client(
  h: Pick<Harness, 'app'>,
  user?: { auth: { authorization: string } } | null,
): TestClient {
  const request: TestClient['request'] = (method, url, body, opts = {}) => {
    if (body !== undefined && opts.payload !== undefined)
      throw new Error('a request has either a JSON body or a raw payload, not both');
    return h.app.inject({
      method,
      url,
      headers: {
        ...user?.auth,
        ...(opts.contentType ? { 'content-type': opts.contentType } : {}),
        ...opts.headers,
      },
      payload: opts.payload ?? body,
      remoteAddress: opts.remoteAddress,
    });
  };
  return {
    get: (url, opts) => request('GET', url, undefined, opts),
    post: (url, body, opts) => request('POST', url, body, opts),
    put: (url, body, opts) => request('PUT', url, body, opts),
    patch: (url, body, opts) => request('PATCH', url, body, opts),
    delete: (url, body, opts) => request('DELETE', url, body, opts),
    request,
  };
}
