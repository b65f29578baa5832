// Google as tests meet it: oauth2-mock-server (8.x; 9.x needs Node 22) as a real OpenID Connect
// issuer on 127.0.0.1, with discovery, JWKS, an authorization endpoint and a token endpoint.
// Each login says which claims Google vouches for; they reach the ID token through the server's
// `beforeTokenSigning` hook, matched to the login by its code, so logins may run in parallel.
import { randomBytes } from 'node:crypto';
import { OAuth2Server } from 'oauth2-mock-server';
import { client, type TestResponse } from './client.js';
import type { Harness } from './harness.js';

export type Claims = Record<string, unknown>;

export interface TestGoogle {
  server: OAuth2Server;
  issuer: string;
  /** The GOOGLE_* settings of an app that logs in with this issuer. */
  env: Record<string, string>;
  /**
   * Follows an authorization URL as the browser does, Google consenting with these claims (on
   * top of a new `sub` and a verified, unique email); returns the parameters of its redirect.
   */
  consent(authorizationUrl: string, claims?: Claims): Promise<URLSearchParams>;
  stop(): Promise<void>;
}

export const CLIENT_ID = 'purchases-test.apps.googleusercontent.com';
export const REDIRECT_URI = 'http://127.0.0.1:3000/login/google/';

/** Claims of a new Google account: a fresh `sub`, a verified address of its own, names. */
export function googleAccount(claims: Claims = {}): Claims {
  const id = randomBytes(6).toString('hex');
  return {
    sub: `1${BigInt('0x' + id).toString()}`,
    email: `google-${id}@example.com`,
    email_verified: true,
    given_name: 'Анна',
    family_name: 'Смирнова',
    ...claims,
  };
}

export async function startGoogle(): Promise<TestGoogle> {
  const server = new OAuth2Server();
  await server.issuer.keys.generate('RS256');
  await server.start(0, '127.0.0.1');
  const issuer = server.issuer.url!;
  const byState = new Map<string, Claims>();
  const byCode = new Map<string, Claims>();

  server.service.on('beforeAuthorizeRedirect', ({ url }: { url: URL }) => {
    const claims = byState.get(url.searchParams.get('state') ?? '');
    if (claims) byCode.set(url.searchParams.get('code')!, claims);
  });
  // The access token is built first, then the ID token: both get the claims, only one is read.
  server.service.on('beforeTokenSigning', (token: { payload: Claims }, req: { body: Claims }) => {
    Object.assign(token.payload, byCode.get(String(req.body.code)));
  });

  return {
    server,
    issuer,
    env: {
      GOOGLE_CLIENT_ID: CLIENT_ID,
      GOOGLE_CLIENT_SECRET: 'test-client-secret',
      GOOGLE_REDIRECT_URI: REDIRECT_URI,
      GOOGLE_ISSUER: issuer,
    },
    async consent(authorizationUrl, claims = {}) {
      const url = new URL(authorizationUrl);
      byState.set(url.searchParams.get('state')!, googleAccount(claims));
      const res = await fetch(url, { redirect: 'manual' });
      if (res.status !== 302) throw new Error(`authorization answered ${res.status}`);
      const location = new URL(res.headers.get('location')!);
      if (`${location.origin}${location.pathname}` !== REDIRECT_URI)
        throw new Error(`redirected to ${location.href}`);
      return location.searchParams;
    },
    stop: () => server.stop(),
  };
}

/** An address of its own per callback, so the failed-login counts of tests never meet. */
export const newAddress = () => `10.${[0, 0, 0].map(() => randomBytes(1)[0]).join('.')}`;

/** The two Google routes of the app of `h`, with `google` consenting as each test says. */
export function googleLogin(h: Pick<Harness, 'app'>, google: TestGoogle) {
  const init = () => client(h).get('/api/auth/google/init/');
  const callback = (params: URLSearchParams, remoteAddress = newAddress()) =>
    client(h).get(`/api/auth/google/callback/?${params}`, { remoteAddress });
  /** Init, then Google's consent: the parameters Google sends to the redirect URI. */
  async function authorize(claims?: Claims): Promise<URLSearchParams> {
    const res = await init();
    if (res.statusCode !== 200) throw new Error(`init answered ${res.statusCode}: ${res.body}`);
    return google.consent(res.json<{ authorization_url: string }>().authorization_url, claims);
  }
  return {
    init,
    authorize,
    callback,
    /** The whole flow: the callback's answer ({token} when it worked). */
    login: async (claims?: Claims): Promise<TestResponse> => callback(await authorize(claims)),
  };
}
