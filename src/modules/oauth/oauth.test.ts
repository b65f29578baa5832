// Google login through HTTP, with oauth2-mock-server as Google: the flow, and which account a
// Google account signs in to (new, the same again, linked by verified email, activated).
import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from '../../../test/client.js';
import {
  createAccount,
  createHarness,
  PASSWORD,
  uniqueEmail,
  type Harness,
} from '../../../test/harness.js';
import {
  CLIENT_ID,
  googleAccount,
  googleLogin,
  REDIRECT_URI,
  startGoogle,
  type TestGoogle,
} from '../../../test/oidc.js';
import { hashSecret } from '../../lib/tokens.js';
import { linkedIdentities, oauthStates, users } from '../../platform/db/schema.js';

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

const details = (token: string) =>
  client(h, { auth: { authorization: `Token ${token}` } }).get('/user/details/');

/** Logs in with Google as `claims`, expecting it to work; the account's details. */
async function signIn(claims: Record<string, unknown>) {
  const res = await flow.login(claims);
  expect(res.statusCode, res.body).toBe(200);
  const me = await details(res.json().token);
  expect(me.statusCode).toBe(200);
  return me.json<{ id: number; email: string; first_name: string; is_active: boolean }>();
}

const usersWithEmail = (email: string) =>
  h.database.db.select().from(users).where(eq(users.email, email));
const identitiesOf = (userId: number) =>
  h.database.db.select().from(linkedIdentities).where(eq(linkedIdentities.userId, userId));
const passwordLogin = (email: string, password: string) =>
  client(h).post('/login/', { email, password });

describe('starting a Google login', () => {
  it('gives the authorization URL with PKCE S256 and a nonce, keeping the state only hashed', async () => {
    const res = await flow.init();
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const { authorization_url, state } = res.json();
    const url = new URL(authorization_url);
    expect(`${url.origin}/`).toBe(new URL(google.issuer).href);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: CLIENT_ID,
      redirect_uri: REDIRECT_URI,
      scope: 'openid email profile',
      code_challenge_method: 'S256',
      state,
    });
    expect(url.searchParams.get('nonce')).toMatch(/^[\w-]{40,}$/);

    const [row] = await h.database.db
      .select()
      .from(oauthStates)
      .where(eq(oauthStates.stateHash, hashSecret(state)));
    expect(row).toMatchObject({ provider: 'google', nonce: url.searchParams.get('nonce') });
    // The challenge Google gets is the S256 of the verifier kept for the callback.
    const challenge = createHash('sha256').update(row!.codeVerifier).digest('base64url');
    expect(url.searchParams.get('code_challenge')).toBe(challenge);
    const plain = await h.database.db
      .select()
      .from(oauthStates)
      .where(eq(oauthStates.stateHash, state));
    expect(plain).toEqual([]);
  });
});

describe('the account a Google login signs in to', () => {
  it("is a new active buyer with Google's name and email on the first login; its token works", async () => {
    const person = googleAccount();
    const res = await flow.login(person);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const me = await details(res.json().token);
    expect(me.json()).toMatchObject({
      email: person.email,
      first_name: 'Анна',
      last_name: 'Смирнова',
      type: 'buyer',
      is_active: true,
    });
    const [row] = await usersWithEmail(String(person.email));
    expect(row).toMatchObject({ isStaff: false, isActive: true });
    expect(await identitiesOf(row!.id)).toMatchObject([
      { provider: 'google', subject: person.sub },
    ]);
    // Nobody knows its password.
    expect((await passwordLogin(String(person.email), PASSWORD)).statusCode).toBe(401);
    const contacts = await client(h, { auth: { authorization: `Token ${res.json().token}` } }).get(
      '/contacts/',
    );
    expect(contacts.statusCode).toBe(200);
  });

  it('is the same user on the next login, even when Google reports another email', async () => {
    const person = googleAccount();
    const first = await signIn(person);
    const again = await signIn(person);
    expect(again.id).toBe(first.id);
    const renamed = await signIn({ ...person, email: uniqueEmail('renamed') });
    expect(renamed).toMatchObject({ id: first.id, email: person.email });
    expect(await usersWithEmail(String(person.email))).toHaveLength(1);
  });

  it('is an existing active account with the same verified email, which keeps its password', async () => {
    const account = await createAccount(h);
    const person = googleAccount({ email: account.email.toUpperCase() });
    expect((await signIn(person)).id).toBe(account.id);
    expect((await signIn(person)).id).toBe(account.id);
    expect(await identitiesOf(account.id)).toHaveLength(1);
    expect((await passwordLogin(account.email, PASSWORD)).statusCode).toBe(200);
  });

  it('is an unconfirmed account, activated only after the password its registrant chose is wiped', async () => {
    const email = uniqueEmail('unconfirmed');
    const chosen = 'Sturdy-Lantern-42';
    const registered = await client(h).post('/register/', {
      email,
      password: chosen,
      first_name: 'Mallory',
      last_name: 'Early',
      company: 'Squatters Ltd',
    });
    expect(registered.json()).toMatchObject({ is_active: false });
    const mail = await h.smtp.waitFor(email, /Подтверждение/);

    const me = await signIn(googleAccount({ email }));
    expect(me).toMatchObject({ id: registered.json().id, is_active: true, first_name: 'Анна' });
    expect(me).toMatchObject({ company: '' });
    expect((await passwordLogin(email, chosen)).statusCode).toBe(401);
    const token = /^([A-Za-z0-9_-]{40,})$/m.exec(mail.text)![1]!;
    expect((await client(h).post('/useractivation/', { email, token })).statusCode).toBe(400);
  });

  it('is never a shop or staff account: those are refused and left as they were', async () => {
    const shop = await createAccount(h, { type: 'shop' });
    const staff = await createAccount(h, { staff: true });
    for (const account of [shop, staff]) {
      const res = await flow.login(googleAccount({ email: account.email }));
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ type: '/problems/google-login-forbidden' });
      expect(res.json().detail).toMatch(/shop or staff/);
      expect(await identitiesOf(account.id)).toEqual([]);
    }
    // Made staff after linking: Google no longer opens it.
    const person = googleAccount();
    const me = await signIn(person);
    await h.database.db.update(users).set({ isStaff: true }).where(eq(users.id, me.id));
    expect((await flow.login(person)).statusCode).toBe(403);
  });

  it('stays closed when deactivated after linking', async () => {
    const person = googleAccount();
    const me = await signIn(person);
    await h.database.db.update(users).set({ isActive: false }).where(eq(users.id, me.id));
    const res = await flow.login(person);
    expect(res.statusCode).toBe(403);
    expect(res.json().detail).toMatch(/deactivated/);
  });

  it('is not linked a second time to another Google account with the same email', async () => {
    const account = await createAccount(h);
    expect((await signIn(googleAccount({ email: account.email }))).id).toBe(account.id);
    const other = await flow.login(googleAccount({ email: account.email }));
    expect(other.statusCode).toBe(409);
    expect(other.json()).toMatchObject({ type: '/problems/google-account-conflict' });
    expect(await identitiesOf(account.id)).toHaveLength(1);
  });

  it('is one user when two first logins of the same Google account finish at once', async () => {
    const person = googleAccount();
    const params = [await flow.authorize(person), await flow.authorize(person)];
    const answers = await Promise.all(params.map((p) => flow.callback(p)));
    expect(answers.map((r) => r.statusCode)).toEqual([200, 200]);
    const ids = await Promise.all(
      answers.map(async (r) => (await details(r.json().token)).json().id),
    );
    expect(ids[0]).toBe(ids[1]);
    expect(await usersWithEmail(String(person.email))).toHaveLength(1);
    expect(await identitiesOf(ids[0])).toHaveLength(1);
  });
});
