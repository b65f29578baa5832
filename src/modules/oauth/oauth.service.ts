// Google login. Starting one keeps its state (hashed), PKCE verifier and nonce for 10 minutes;
// finishing one takes the state out once, has the provider exchange the code and verify the ID
// token, then signs in the account Google's `sub` is linked to, or links one by verified email.
import type { FastifyBaseLogger } from 'fastify';
import { hashSecret } from '../../lib/tokens.js';
import type { Clock } from '../../platform/clock.js';
import type { Db, Executor } from '../../platform/db/client.js';
import { AppError, problem } from '../../platform/problems.js';
import type { WindowCounter } from '../../platform/rate-limit.js';
import * as accounts from '../accounts/index.js';
import type { GoogleCallbackQuery } from './oauth.schemas.js';
import {
  createOidcProvider,
  googleSettings,
  type GoogleConfig,
  type IdClaims,
  type LoginSecrets,
  type OidcProvider,
} from './oauth.provider.js';
import * as repo from './oauth.repo.js';

const GOOGLE = 'google';
export const STATE_TTL_MS = 10 * 60_000;
/** Failed callbacks from one address within the failed-login window before it must wait. */
export const MAX_FAILED_CALLBACKS = accounts.MAX_FAILED_LOGINS;
const AGAIN = 'start again at GET /api/auth/google/init/.';

export interface GoogleLoginDeps {
  db: Db;
  clock: Clock;
  log: FastifyBaseLogger;
  config: GoogleConfig;
  /** Failed callbacks, counted per client address. */
  failures: WindowCounter;
}

export type GoogleLogin = ReturnType<typeof createGoogleLogin>;

const forbidden = (detail: string) => problem.googleLoginForbidden(detail);

/** A name as the accounts keep it: no NUL (PostgreSQL refuses it), at most 100 characters. */
const cleanName = (v: unknown) =>
  typeof v === 'string' ? v.replaceAll('\0', '').trim().slice(0, 100) : '';

/** The verified address and names the ID token vouches for, or a 403 saying why not. */
function verifiedProfile(claims: IdClaims, hostedDomain: string | undefined) {
  if (claims.email_verified !== true)
    throw forbidden("Google has not verified this account's email address; no account was made.");
  if (hostedDomain && String(claims.hd ?? '').toLowerCase() !== hostedDomain)
    throw forbidden(`Only Google accounts of ${hostedDomain} may log in here.`);
  const email = accounts.emailSchema.safeParse(claims.email);
  if (!email.success) throw forbidden("Google's email address for this account is not usable.");
  return {
    email: email.data,
    firstName: cleanName(claims.given_name ?? claims.name),
    lastName: cleanName(claims.family_name),
  };
}

/** Google never grants staff or shop rights: those accounts log in with their password. */
function mayUseGoogle(account: accounts.Account) {
  if (account.isStaff || account.type !== 'buyer')
    throw forbidden(
      'The account of this email is a shop or staff account; Google login never opens those: log in with its password.',
    );
}

export function createGoogleLogin({ db, clock, log, config, failures }: GoogleLoginDeps) {
  const settings = googleSettings(config);
  const provider = 'missing' in settings ? undefined : createOidcProvider(settings, { clock, log });
  const hostedDomain = config.GOOGLE_HOSTED_DOMAIN;

  function configured(): OidcProvider {
    if (provider) return provider;
    const missing = 'missing' in settings ? settings.missing : [];
    throw problem.googleNotConfigured(
      `Google login is not configured on this server: the operator must set ${missing.join(', ')}.`,
    );
  }

  async function refuseIfTooManyFailures(client: string) {
    const { count, resetAt } = await failures.count(client);
    if (count < MAX_FAILED_CALLBACKS || !resetAt) return;
    const seconds = Math.max(1, Math.ceil((resetAt.getTime() - clock.now().getTime()) / 1000));
    throw problem.tooManyFailedLogins(
      `Too many failed logins from this address; try again in ${seconds} s.`,
      { headers: { 'Retry-After': String(seconds) } },
    );
  }

  async function takeState(state: string): Promise<LoginSecrets> {
    const row = await repo.takeState(db, GOOGLE, hashSecret(state));
    if (!row) throw problem.oauthStateInvalid(`The state is unknown or already used; ${AGAIN}`);
    if (row.expiresAt <= clock.now())
      throw problem.oauthStateInvalid(`The state has expired (10 minutes); ${AGAIN}`);
    return { state, codeVerifier: row.codeVerifier, nonce: row.nonce };
  }

  /** The account Google's `sub` signs in to: linked before, or linked now by the verified email. */
  async function accountFor(tx: Executor, subject: string, profile: accounts.VerifiedProfile) {
    const linkedId = await repo.findLinkedUser(tx, GOOGLE, subject);
    if (linkedId !== undefined) {
      const account = (await accounts.lockAccount(tx, { id: linkedId }))!;
      mayUseGoogle(account);
      if (!account.isActive)
        throw forbidden('The account linked to this Google account is deactivated.');
      return account.id;
    }
    const byEmail = { email: profile.email };
    // Made here, or by a concurrent first login of the same person (then locked the second time).
    const account = ((await accounts.lockAccount(tx, byEmail)) ??
      (await accounts.createVerifiedBuyer(tx, profile)) ??
      (await accounts.lockAccount(tx, byEmail)))!;
    mayUseGoogle(account);
    if (!account.isActive) await accounts.activateVerified(tx, account.id, profile, clock.now());
    const linked =
      (await repo.link(tx, GOOGLE, subject, account.id)) ||
      (await repo.findLinkedUser(tx, GOOGLE, subject)) === account.id;
    if (!linked)
      throw problem.googleAccountConflict(
        'The account with this email is linked to another Google account; log in with that one or with the password.',
      );
    return account.id;
  }

  return {
    async start() {
      const { url, ...secrets } = await configured().start();
      const now = clock.now();
      await repo.saveState(
        db,
        {
          stateHash: hashSecret(secrets.state),
          provider: GOOGLE,
          codeVerifier: secrets.codeVerifier,
          nonce: secrets.nonce,
          expiresAt: new Date(now.getTime() + STATE_TTL_MS),
        },
        now,
      );
      return { authorization_url: url, state: secrets.state };
    },

    /** An API token for the account; `client` is the caller's address (failures are counted). */
    async finish(params: GoogleCallbackQuery, client: string): Promise<string> {
      const google = configured();
      await refuseIfTooManyFailures(client);
      try {
        const claims = await google.finish(params, await takeState(params.state));
        const profile = verifiedProfile(claims, hostedDomain);
        return await db.transaction(async (tx) =>
          accounts.issueApiToken(tx, await accountFor(tx, claims.sub, profile)),
        );
      } catch (err) {
        // Refusals count; Google's own failures (502) are not the caller's.
        if (err instanceof AppError && err.status < 500) await failures.hit(client);
        throw err;
      }
    },
  };
}
