import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, type Method } from '../../test/client.js';
import { createHarness, createUser, type Harness, type TestUser } from '../../test/harness.js';

let h: Harness;
let users: { buyer: TestUser; shop: TestUser; staff: TestUser };
beforeAll(async () => {
  h = await createHarness();
  users = {
    buyer: await createUser(h, { type: 'buyer' }),
    shop: await createUser(h, { type: 'shop' }),
    staff: await createUser(h, { type: 'buyer', staff: true }),
  };
});
afterAll(() => h.close());

/** Routes anyone may call; every other route must demand a token. */
const PUBLIC = [
  /^\/$/,
  /^\/(register|login|useractivation|password\/reset)/,
  /^\/(health|ready|metrics)/,
  /^\/problems\//,
  /^\/(products|categories|shops)\//,
  /^\/api\/(schema|docs|redoc|auth\/google)/,
];

/** Who must be refused for each role (the staff user here is a buyer account). */
const WRONG = {
  user: [],
  buyer: ['shop'],
  shop: ['buyer', 'staff'],
  staff: ['buyer', 'shop'],
} as const;

const concrete = (url: string) => url.replace(/:[A-Za-z_]+/g, '1');

describe('roles on every route', () => {
  it('every non-public route demands a token', () => {
    const guarded = new Set(h.app.protectedRoutes.map((r) => `${r.method} ${r.url}`));
    const routes = h.app.registeredRoutes.filter((r) => r.documented);
    expect(routes.length).toBeGreaterThan(10);
    const unguarded = routes.filter(
      (r) => !guarded.has(`${r.method} ${r.url}`) && !PUBLIC.some((p) => p.test(r.url)),
    );
    expect(unguarded).toEqual([]);
  });

  it('each guarded route answers 401 without a token and 403 to the wrong role', async () => {
    for (const route of h.app.protectedRoutes) {
      const url = concrete(route.url);
      const method = route.method as Method;
      const anonymous = await client(h).request(method, url);
      expect(anonymous.statusCode, `${route.method} ${url}`).toBe(401);
      for (const kind of WRONG[route.role]) {
        const user = users[kind];
        const res = await client(h, user).request(method, url);
        expect(res.statusCode, `${route.method} ${url} as ${kind}`).toBe(403);
      }
    }
  });
});
