// An OpenID Connect provider (Google) through openid-client: its discovery document (cached), the
// authorization URL with PKCE S256 and a nonce, and the code exchange with the ID token's checks
// (signature, issuer, audience, nonce, expiry). openid-client 6 refuses plain HTTP; it is allowed
// only for an issuer on a loopback address, which config.ts lets through for local mocks alone.
//
// Failures become our problems: an answer that does not complete this login (an error Google
// sent to the callback, another issuer's `iss`, a refused code, an ID token of another login) is
// 400; Google unreachable or answering with an error is 502, never a 5xx of ours.
import type { FastifyBaseLogger } from 'fastify';
import * as oidc from 'openid-client';
import type { Clock } from '../../platform/clock.js';
import type { Config } from '../../platform/config.js';
import { AppError, problem } from '../../platform/problems.js';

export interface ProviderSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  /** Google's `hd`: asks for an account of this Workspace domain (the claim is checked too). */
  hostedDomain?: string;
}

export type GoogleConfig = Pick<
  Config,
  | 'GOOGLE_CLIENT_ID'
  | 'GOOGLE_CLIENT_SECRET'
  | 'GOOGLE_REDIRECT_URI'
  | 'GOOGLE_ISSUER'
  | 'GOOGLE_HOSTED_DOMAIN'
>;

/** The provider's settings, or the names of the variables still to set. */
export function googleSettings(config: GoogleConfig): ProviderSettings | { missing: string[] } {
  const { GOOGLE_CLIENT_ID: clientId, GOOGLE_CLIENT_SECRET: clientSecret } = config;
  const redirectUri = config.GOOGLE_REDIRECT_URI;
  if (clientId && clientSecret && redirectUri)
    return {
      issuer: config.GOOGLE_ISSUER,
      clientId,
      clientSecret,
      redirectUri,
      hostedDomain: config.GOOGLE_HOSTED_DOMAIN,
    };
  const given = {
    GOOGLE_CLIENT_ID: clientId,
    GOOGLE_CLIENT_SECRET: clientSecret,
    GOOGLE_REDIRECT_URI: redirectUri,
  };
  return { missing: Object.keys(given).filter((k) => !given[k as keyof typeof given]) };
}

/** What a started login keeps server-side until the callback. */
export interface LoginSecrets {
  state: string;
  codeVerifier: string;
  nonce: string;
}

/** The parameters the provider sent to the redirect URI, as the callback received them. */
export interface CallbackParams {
  state: string;
  code?: string;
  iss?: string;
  error?: string;
  error_description?: string;
}

export type IdClaims = NonNullable<ReturnType<oidc.TokenEndpointResponseHelpers['claims']>>;

export interface OidcProvider {
  start(): Promise<LoginSecrets & { url: string }>;
  /** The verified ID token's claims, once the code is exchanged. */
  finish(params: CallbackParams, secrets: LoginSecrets): Promise<IdClaims>;
}

const DISCOVERY_TTL_MS = 3_600_000;
const TIMEOUT_S = 10;
const SCOPE = 'openid email profile';
/** openid-client's codes for ID token claims that do not match this login. */
const ID_TOKEN_MISMATCH = new Set([
  'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
  'OAUTH_JWT_TIMESTAMP_CHECK_FAILED',
]);
const AGAIN = 'Start again at GET /api/auth/google/init/.';

export function createOidcProvider(
  settings: ProviderSettings,
  { clock, log }: { clock: Clock; log: FastifyBaseLogger },
): OidcProvider {
  const plainHttp = new URL(settings.issuer).protocol === 'http:';
  let cached: { config: Promise<oidc.Configuration>; until: number } | undefined;

  /** The discovered configuration, fetched again after an hour or after a failure. */
  function configuration(): Promise<oidc.Configuration> {
    const now = clock.now().getTime();
    if (cached && cached.until > now) return cached.config;
    const config = oidc.discovery(
      new URL(settings.issuer),
      settings.clientId,
      settings.clientSecret,
      undefined,
      { execute: plainHttp ? [oidc.allowInsecureRequests] : [], timeout: TIMEOUT_S },
    );
    const entry = { config, until: now + DISCOVERY_TTL_MS };
    cached = entry;
    config.catch(() => {
      if (cached === entry) cached = undefined;
    });
    return config;
  }

  function asProblem(err: unknown): AppError {
    if (err instanceof AppError) return err;
    if (err instanceof oidc.ResponseBodyError && err.error === 'invalid_grant')
      return problem.googleLoginFailed(
        `Google refused the code: it is wrong, used or expired. ${AGAIN}`,
      );
    if (err instanceof oidc.ClientError && ID_TOKEN_MISMATCH.has(err.code ?? '')) {
      const why = err.cause instanceof Error ? err.cause.message : err.message;
      return problem.googleLoginFailed(
        `Google's ID token does not belong to this login: ${why}. ${AGAIN}`,
      );
    }
    const reason =
      err instanceof oidc.ResponseBodyError
        ? `it answered ${err.status} ${err.error}`
        : err instanceof Error && err.cause instanceof Response
          ? `it answered HTTP ${err.cause.status}`
          : err instanceof Error
            ? err.message
            : 'unknown failure';
    // The cause may hold the callback's parameters or claims: only its message is logged.
    log.warn(
      { code: (err as { code?: string }).code, reason },
      'Google login: the provider failed',
    );
    return problem.googleUnavailable(
      `Google could not be reached or answered with an error (${reason}); try again later.`,
    );
  }

  /** Google sends `iss` to the callback (RFC 9207): it must name the issuer we started with. */
  function checkIssuer(config: oidc.Configuration, params: CallbackParams) {
    const metadata = config.serverMetadata();
    const expected = metadata.issuer;
    if (params.iss === undefined && !metadata.authorization_response_iss_parameter_supported)
      return;
    if (params.iss !== expected)
      throw problem.googleLoginFailed(
        `The callback's iss parameter must be ${expected}, the issuer this login started with. ${AGAIN}`,
      );
  }

  return {
    async start() {
      try {
        const config = await configuration();
        const secrets = {
          state: oidc.randomState(),
          codeVerifier: oidc.randomPKCECodeVerifier(),
          nonce: oidc.randomNonce(),
        };
        const url = oidc.buildAuthorizationUrl(config, {
          redirect_uri: settings.redirectUri,
          scope: SCOPE,
          state: secrets.state,
          nonce: secrets.nonce,
          code_challenge: await oidc.calculatePKCECodeChallenge(secrets.codeVerifier),
          code_challenge_method: 'S256',
          ...(settings.hostedDomain ? { hd: settings.hostedDomain } : {}),
        });
        return { ...secrets, url: url.href };
      } catch (err) {
        throw asProblem(err);
      }
    },

    async finish(params, secrets) {
      try {
        const config = await configuration();
        checkIssuer(config, params);
        if (params.error !== undefined) {
          const description = params.error_description ? ` (${params.error_description})` : '';
          throw problem.googleLoginFailed(
            `Google did not authorize the login: ${params.error}${description}. ${AGAIN}`,
          );
        }
        const response = new URL(settings.redirectUri);
        for (const name of ['code', 'state', 'iss'] as const)
          if (params[name] !== undefined) response.searchParams.set(name, params[name]);
        const tokens = await oidc.authorizationCodeGrant(config, response, {
          pkceCodeVerifier: secrets.codeVerifier,
          expectedState: secrets.state,
          expectedNonce: secrets.nonce,
          idTokenExpected: true,
        });
        return tokens.claims()!;
      } catch (err) {
        throw asProblem(err);
      }
    },
  };
}
