// Every way a Google login is refused, through HTTP with oauth2-mock-server as Google: a clear
// 4xx problem (or 502/503) and no account made or changed.
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from '../../../test/client.js';
import { createHarness, type Harness } from '../../../test/harness.js';
import {
  googleAccount,
  googleLogin,
  newAddress,
  startGoogle,
  type TestGoogle,
} from '../../../test/oidc.js';
import { users } from '../../platform/db/schema.js';
import { MAX_FAILED_CALLBACKS, STATE_TTL_MS } from './oauth.service.js';

let h: Harness;
let google: TestGoogle;
let flow: ReturnType<typeof googleLogin>;
beforeAll(async () => {
  google = await startGoogle();
  h = await createHarness(google.env);
  flow = googleLogin(h, google);
});
afterAll(async () => {
  await h.close();
  await google.stop();
});

const noAccount = async (email: unknown) =>
  expect(
    await h.database.db
      .select()
      .from(users)
      .where(eq(users.email, String(email))),
  ).toEqual([]);

/** Google's redirect parameters with some replaced. */
const changed = (params: URLSearchParams, values: Record<string, string>) => {
  const copy = new URLSearchParams(params);
  for (const [k, v] of Object.entries(values)) copy.set(k, v);
  return copy;
};

describe('a Google login refused', () => {
  it('when Google has not verified the email: 403, no account', async () => {
    const person = googleAccount({ email_verified: false });
    const res = await flow.login(person);
    expect(res.statusCode).toBe(403);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ type: '/problems/google-login-forbidden' });
    expect(res.json().detail).toMatch(/not verified/);
    await noAccount(person.email);
  });

  it('when the state is replayed: 400', async () => {
    const params = await flow.authorize();
    expect((await flow.callback(params)).statusCode).toBe(200);
    const replay = await flow.callback(params);
    expect(replay.statusCode).toBe(400);
    expect(replay.json()).toMatchObject({ type: '/problems/oauth-state-invalid' });
    expect(replay.json().detail).toMatch(/already used.*\/api\/auth\/google\/init\//);
  });

  it('when the state is forged: 400, and the real one still works', async () => {
    const params = await flow.authorize();
    const forged = await flow.callback(
      changed(params, { state: randomBytes(32).toString('base64url') }),
    );
    expect(forged.statusCode).toBe(400);
    expect(forged.json()).toMatchObject({ type: '/problems/oauth-state-invalid' });
    expect((await flow.callback(params)).statusCode).toBe(200);
  });

  it('when the state is older than 10 minutes: 400', async () => {
    const person = googleAccount();
    const params = await flow.authorize(person);
    h.clock.advance(STATE_TTL_MS + 1000);
    const res = await flow.callback(params);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ type: '/problems/oauth-state-invalid' });
    expect(res.json().detail).toMatch(/expired/);
    await noAccount(person.email);
  });

  it("when the ID token carries another login's nonce or another audience: 400, no account", async () => {
    for (const [claims, named] of [
      [{ nonce: 'a-nonce-of-another-login' }, /nonce/],
      [{ aud: 'another-client.apps.googleusercontent.com' }, /aud/],
    ] as const) {
      const person = googleAccount(claims);
      const res = await flow.login(person);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ type: '/problems/google-login-failed' });
      expect(res.json().detail).toMatch(named);
      await noAccount(person.email);
    }
  });

  it("when the callback's iss names another issuer: 400; Google's own iss is accepted", async () => {
    const params = await flow.authorize();
    const res = await flow.callback(changed(params, { iss: 'https://accounts.example.com' }));
    expect(res.statusCode).toBe(400);
    expect(res.json().detail).toContain(`must be ${google.issuer}`);
    const right = await flow.callback(changed(await flow.authorize(), { iss: google.issuer }));
    expect(right.statusCode).toBe(200);
  });

  it('when the person declines at Google: 400 naming the error, and the state is spent', async () => {
    const params = await flow.authorize();
    const declined = new URLSearchParams({ state: params.get('state')!, error: 'access_denied' });
    const res = await flow.callback(declined);
    expect(res.statusCode).toBe(400);
    expect(res.json().detail).toMatch(/access_denied/);
    expect((await flow.callback(params)).json()).toMatchObject({
      type: '/problems/oauth-state-invalid',
    });
  });

  it('when Google refuses the code: 400', async () => {
    const params = await flow.authorize();
    google.server.service.once(
      'beforeResponse',
      (response: { statusCode: number; body: object }) => {
        response.statusCode = 400;
        response.body = { error: 'invalid_grant', error_description: 'Bad Request' };
      },
    );
    const res = await flow.callback(params);
    expect(res.statusCode).toBe(400);
    expect(res.json().detail).toMatch(/refused the code/);
  });

  it('when Google answers the token request with an error: 502, never ours', async () => {
    const params = await flow.authorize();
    google.server.service.once(
      'beforeResponse',
      (response: { statusCode: number; body: object }) => {
        response.statusCode = 503;
        response.body = { error: 'temporarily_unavailable' };
      },
    );
    const res = await flow.callback(params);
    expect(res.statusCode).toBe(502);
    expect(res.json()).toMatchObject({ type: '/problems/google-unavailable' });
    expect(res.json().detail).toMatch(/answered HTTP 503/);
  });

  it('when the callback lacks its parameters: 400 naming them', async () => {
    const res = await flow.callback(new URLSearchParams({ state: 'x' }));
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual([
      { field: 'code', message: expect.stringMatching(/required/) },
    ]);
    const noState = await flow.callback(new URLSearchParams({ code: 'x' }));
    expect(noState.json().errors).toEqual([{ field: 'state', message: 'is required' }]);
  });

  it('after too many failed callbacks from one address: 429, without spending a good state', async () => {
    const address = newAddress();
    const forged = new URLSearchParams({ state: 'made-up', code: 'made-up' });
    for (let i = 0; i < MAX_FAILED_CALLBACKS; i++)
      expect((await flow.callback(forged, address)).statusCode).toBe(400);
    const params = await flow.authorize();
    const refused = await flow.callback(params, address);
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ type: '/problems/too-many-failed-logins' });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect((await flow.callback(params, newAddress())).statusCode).toBe(200);
  });
});

describe('Google login with GOOGLE_HOSTED_DOMAIN', () => {
  let hd: Harness;
  beforeAll(
    async () =>
      void (hd = await createHarness({ ...google.env, GOOGLE_HOSTED_DOMAIN: 'Example.org' })),
  );
  afterAll(() => hd.close());

  it('asks Google for that domain and lets in only its accounts (the hd claim)', async () => {
    const flowHd = googleLogin(hd, google);
    const url = new URL((await flowHd.init()).json().authorization_url);
    expect(url.searchParams.get('hd')).toBe('example.org');
    const member = googleAccount({ hd: 'example.org' });
    expect((await flowHd.login(member)).statusCode).toBe(200);
    for (const outsider of [googleAccount({ hd: 'example.com' }), googleAccount()]) {
      const res = await flowHd.login(outsider);
      expect(res.statusCode).toBe(403);
      expect(res.json().detail).toMatch(/example\.org/);
      await noAccount(outsider.email);
    }
  });
});

describe('Google login not configured', () => {
  let bare: Harness;
  beforeAll(async () => void (bare = await createHarness({ GOOGLE_CLIENT_ID: 'only-the-id' })));
  afterAll(() => bare.close());

  it('answers 503 on both routes, naming the variables still to set', async () => {
    for (const url of ['/api/auth/google/init/', '/api/auth/google/callback/?state=s&code=c']) {
      const res = await client(bare).get(url);
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ type: '/problems/google-not-configured' });
      expect(res.json().detail).toContain('GOOGLE_CLIENT_SECRET, GOOGLE_REDIRECT_URI');
      expect(res.json().detail).not.toContain('GOOGLE_CLIENT_ID');
    }
  });
});

describe('Google down', () => {
  let down: TestGoogle;
  let hDown: Harness;
  beforeAll(async () => {
    down = await startGoogle();
    hDown = await createHarness(down.env);
  });
  afterAll(() => hDown.close());

  it('answers 502 at the callback and, once discovery is stale, at init', async () => {
    const flowDown = googleLogin(hDown, down);
    const params = await flowDown.authorize();
    await down.stop();
    const res = await flowDown.callback(params);
    expect(res.statusCode).toBe(502);
    expect(res.json()).toMatchObject({ type: '/problems/google-unavailable' });
    // Discovery is cached: starting needs no call to Google until the cache is an hour old.
    expect((await flowDown.init()).statusCode).toBe(200);
    hDown.clock.advance(3_600_000 + 1000);
    const init = await flowDown.init();
    expect(init.statusCode).toBe(502);
    expect(init.json().detail).toMatch(/could not be reached/);
  });
});
