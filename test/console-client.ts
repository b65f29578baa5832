// The staff console as a browser without JavaScript meets it, through app.inject: a cookie jar,
// forms posted urlencoded (or multipart) with the CSRF token of the page they came from.
//
//   const b = consoleBrowser(h);
//   await b.signIn(staff.email);                       // PASSWORD from the harness
//   const page = await b.get('/admin/orders/');        // follows no redirects; res.headers.location
//   await b.submit('/admin/orders/5/', { state: 'confirmed' });   // token from the last page
import type { Harness } from './harness.js';
import { PASSWORD } from './harness.js';
import type { TestResponse } from './client.js';

export interface ConsoleBrowser {
  jar: Map<string, string>;
  get(url: string): Promise<TestResponse>;
  /** Posts a form with the CSRF token of the last page read (or `_csrf` given in `fields`). */
  submit(
    url: string,
    fields?: Record<string, string>,
    opts?: { csrf?: boolean },
  ): Promise<TestResponse>;
  /** Posts a multipart form with one file field. */
  upload(
    url: string,
    field: string,
    text: string,
    opts?: { csrf?: boolean },
  ): Promise<TestResponse>;
  signIn(email: string, password?: string): Promise<TestResponse>;
  csrf(): string;
}

export const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1];

export function consoleBrowser(h: Pick<Harness, 'app'>): ConsoleBrowser {
  const jar = new Map<string, string>();
  let token = '';
  const cookie = () => [...jar].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('; ');
  const keep = (res: TestResponse) => {
    for (const c of res.cookies as { name: string; value: string; expires?: Date }[]) {
      if (c.value === '' || (c.expires && c.expires.getTime() < Date.now())) jar.delete(c.name);
      else jar.set(c.name, c.value);
    }
    const found = csrfOf(res.body);
    if (found) token = found;
    return res;
  };
  const browser: ConsoleBrowser = {
    jar,
    csrf: () => token,
    get: async (url) =>
      keep(await h.app.inject({ method: 'GET', url, headers: { cookie: cookie() } })),
    async submit(url, fields = {}, opts = {}) {
      const form = new URLSearchParams(opts.csrf === false ? fields : { _csrf: token, ...fields });
      return keep(
        await h.app.inject({
          method: 'POST',
          url,
          headers: { cookie: cookie(), 'content-type': 'application/x-www-form-urlencoded' },
          payload: form.toString(),
        }),
      );
    },
    async upload(url, field, text, opts = {}) {
      const boundary = 'console-test-boundary';
      const csrf =
        opts.csrf === false
          ? ''
          : `--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${token}\r\n`;
      const payload =
        csrf +
        `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="list.yaml"\r\n` +
        `Content-Type: application/yaml\r\n\r\n${text}\r\n--${boundary}--\r\n`;
      return keep(
        await h.app.inject({
          method: 'POST',
          url,
          headers: {
            cookie: cookie(),
            'content-type': `multipart/form-data; boundary=${boundary}`,
          },
          payload: Buffer.from(payload, 'utf8'),
        }),
      );
    },
    async signIn(email, password = PASSWORD) {
      await browser.get('/admin/login/');
      return browser.submit('/admin/login/', { email, password });
    },
  };
  return browser;
}
