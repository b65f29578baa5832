// Every problem type the API can answer with, in one registry: its code (the `type` URI is
// `/problems/<code>`), HTTP status, title and what a client should do. Errors are built only from
// here, through the named constructors (`problem.notFound('Order 5 not found.')`), so each type
// that can reach a client is documented at GET /problems/ and in the OpenAPI document.
import { z } from 'zod';

export interface FieldError {
  field: string;
  message: string;
}

interface ProblemType {
  code: string;
  status: number;
  title: string;
  description: string;
}

const type = (code: string, status: number, title: string, description: string): ProblemType => ({
  code,
  status,
  title,
  description,
});

/** Keyed by the constructor's name; `code` is what clients see in `type`. */
const TYPES = {
  validation: type(
    'validation',
    400,
    'Invalid request',
    'A field is missing or wrong; `errors` lists each one with its place and what to fix.',
  ),
  malformedJson: type('malformed-json', 400, 'Malformed JSON', 'The body is not valid JSON.'),
  badRequest: type(
    'bad-request',
    400,
    'Bad request',
    'The request could not be read as sent (an HTTP-level problem); `detail` says which.',
  ),
  invalidPriceList: type(
    'invalid-price-list',
    400,
    'Invalid price list',
    'The price list breaks the format; `errors` locates every problem (`goods[3].price`). Nothing was changed.',
  ),
  invalidYaml: type(
    'invalid-yaml',
    400,
    'Invalid YAML',
    'The price list is not one valid YAML document; `line` and `column` say where it breaks.',
  ),
  urlRefused: type(
    'url-refused',
    400,
    'URL refused',
    'The price-list URL is not http(s) or points at a private address; give a public URL.',
  ),
  urlFetchFailed: type(
    'url-fetch-failed',
    400,
    'URL could not be fetched',
    'The price-list URL did not answer, answered an error or took too long.',
  ),
  unreadableFile: type(
    'unreadable-file',
    400,
    'File cannot be read',
    'The price-list file given to the command line cannot be read.',
  ),
  oauthStateInvalid: type(
    'oauth-state-invalid',
    400,
    'Login state invalid',
    'The `state` of a Google login is unknown, already used or older than 10 minutes; start again at GET /api/auth/google/init/.',
  ),
  googleLoginFailed: type(
    'google-login-failed',
    400,
    'Google login failed',
    'The callback does not complete this login: Google reported an error (the user declined, say), `iss` names another issuer, the code is wrong or used, or the ID token belongs to another login (nonce, audience, expiry). Nothing was changed; start again.',
  ),
  notAuthenticated: type(
    'not-authenticated',
    401,
    'Not authenticated',
    'Send `Authorization: Token <key>` with a key from /login/; a revoked key needs a new login.',
  ),
  badCredentials: type(
    'bad-credentials',
    401,
    'Wrong credentials',
    'The email or password is wrong, or the account is not activated.',
  ),
  forbidden: type('forbidden', 403, 'Forbidden', 'The account may not do this (wrong role).'),
  googleLoginForbidden: type(
    'google-login-forbidden',
    403,
    'Google login refused',
    'The Google account may not log in here: its email is not verified, it is outside GOOGLE_HOSTED_DOMAIN, or the account of that email is a shop, staff or deactivated account (those log in with their password). Nothing was changed.',
  ),
  notFound: type(
    'not-found',
    404,
    'Not found',
    'No such object, or not yours (another account’s objects are not found either).',
  ),
  invalidPage: type('invalid-page', 404, 'Invalid page', 'The page is past the last page.'),
  methodNotAllowed: type(
    'method-not-allowed',
    405,
    'Method not allowed',
    'The path exists with other methods; `Allow` lists them.',
  ),
  emailTaken: type('email-taken', 409, 'Email taken', 'An account with this email exists.'),
  googleAccountConflict: type(
    'google-account-conflict',
    409,
    'Linked to another Google account',
    'The account with this email is linked to another Google account; log in with that one or with the password.',
  ),
  contactLimit: type(
    'contact-limit',
    409,
    'Too many contacts',
    'A user keeps at most 5 contacts; delete one first.',
  ),
  insufficientStock: type(
    'insufficient-stock',
    409,
    'Not enough in stock',
    '`items` lists each short line: `product_info`, `name`, `shop`, `requested`, `available`.',
  ),
  shopNotTakingOrders: type(
    'shop-not-taking-orders',
    409,
    'Shop not taking orders',
    'A shop has switched its order taking off; `items` lists its lines with `available: 0`.',
  ),
  cartLimit: type(
    'cart-limit',
    409,
    'Cart full',
    'A cart holds at most 200 lines and 1,000,000 of one offer (`max_lines`, `max_quantity`).',
  ),
  invalidTransition: type(
    'invalid-transition',
    409,
    'Invalid state change',
    'The order cannot move to that state from the one it is in (`state`).',
  ),
  shopNameTaken: type(
    'shop-name-taken',
    409,
    'Shop name taken',
    'Another account has a shop of this name; choose another name.',
  ),
  galleryFull: type(
    'gallery-full',
    409,
    'Gallery full',
    'An offer has at most 10 pictures (`max`); delete one first.',
  ),
  jobNotFailed: type('job-not-failed', 409, 'Job not failed', 'Only a failed job can be retried.'),
  selfLockout: type(
    'self-lockout',
    409,
    'Cannot lock yourself out',
    'A staff user cannot remove their own staff flag or deactivate their own account.',
  ),
  bodyTooLarge: type('body-too-large', 413, 'Body too large', 'JSON bodies are at most 1 MB.'),
  priceListTooLarge: type(
    'price-list-too-large',
    413,
    'Price list too large',
    'The price list is larger than PRICE_LIST_MAX_MB.',
  ),
  pictureTooLarge: type(
    'picture-too-large',
    413,
    'Picture too large',
    'The file is larger than MEDIA_MAX_MB (`max_bytes`); send a smaller one.',
  ),
  unsupportedPicture: type(
    'unsupported-picture',
    415,
    'Unsupported picture type',
    'Pictures are JPEG, PNG, GIF or WebP, recognised by their content whatever the file name or Content-Type say.',
  ),
  unsupportedMediaType: type(
    'unsupported-media-type',
    415,
    'Unsupported media type',
    'The route does not read this Content-Type; `detail` says which it reads.',
  ),
  idempotencyKeyReused: type(
    'idempotency-key-reused',
    422,
    'Idempotency-Key reused',
    'This Idempotency-Key came with another body; use a new key for a new request.',
  ),
  unprocessablePicture: type(
    'unprocessable-picture',
    422,
    'Picture cannot be processed',
    'The file does not decode as the picture it claims to be, or has more than MEDIA_MAX_PIXELS pixels (every frame counted).',
  ),
  tooManyFailedLogins: type(
    'too-many-failed-logins',
    429,
    'Too many failed logins',
    'More than 10 failed logins in 15 minutes; wait `Retry-After` seconds.',
  ),
  throttled: type(
    'throttled',
    429,
    'Too many requests',
    'A rate limit is used up (`limit`); wait `Retry-After` seconds.',
  ),
  importsQueued: type(
    'imports-queued',
    429,
    'Imports already queued',
    'A shop has at most 2 price-list imports queued or running; follow them at /partner/jobs/{id}/ and send the next when one ends.',
  ),
  internal: type(
    'internal',
    500,
    'Internal server error',
    'A fault of ours; quote `request_id` when reporting it.',
  ),
  googleUnavailable: type(
    'google-unavailable',
    502,
    'Google unavailable',
    'Google could not be reached or answered with an error; try again later.',
  ),
  googleNotConfigured: type(
    'google-not-configured',
    503,
    'Google login not configured',
    'The operator has not set up Google login; `detail` names the settings it needs.',
  ),
  sentryNotConfigured: type(
    'sentry-not-configured',
    503,
    'Sentry not configured',
    'SENTRY_DSN is not set, so nothing can reach Sentry; set it (and SENTRY_TRACES_SAMPLE_RATE for traces) and restart.',
  ),
  busy: type(
    'busy',
    503,
    'Busy',
    'Too many pictures are being processed at once; send it again after `Retry-After` seconds.',
  ),
  notReady: type('not-ready', 503, 'Not ready', 'A dependency (database, Redis) does not answer.'),
  unavailable: type(
    'unavailable',
    503,
    'Temporarily unavailable',
    'A service this request needs (Redis: limits, jobs) does not answer; try again shortly.',
  ),
} satisfies Record<string, ProblemType>;

export type ProblemName = keyof typeof TYPES;

export interface ProblemOptions {
  errors?: FieldError[];
  /** Data a client needs to act (stock left, the order's state), merged into the body. */
  extra?: Record<string, unknown>;
  headers?: Record<string, string>;
  /** Only for `badRequest`, which carries Fastify's own 4xx statuses. */
  status?: number;
}

/** An expected failure of a registered type; the error handler writes it as problem+json. */
export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly title: string;
  readonly errors?: FieldError[];
  readonly extra?: Record<string, unknown>;
  readonly headers?: Record<string, string>;

  constructor(
    kind: ProblemType,
    readonly detail: string,
    options: ProblemOptions = {},
  ) {
    super(detail);
    this.code = kind.code;
    this.status = options.status ?? kind.status;
    this.title = kind.title;
    this.errors = options.errors;
    this.extra = options.extra;
    this.headers = options.headers;
  }
}

/** `problem.notFound(detail, options?)` and so on, one constructor per registered type. */
export const problem = Object.fromEntries(
  Object.entries(TYPES).map(([name, kind]) => [
    name,
    (detail: string, options?: ProblemOptions) => new AppError(kind, detail, options),
  ]),
) as Record<ProblemName, (detail: string, options?: ProblemOptions) => AppError>;

/** The registered types, for the documentation routes and the OpenAPI document. */
export const PROBLEM_TYPES: readonly ProblemType[] = Object.values(TYPES);

export const problemSchema = z
  .object({
    type: z
      .string()
      .describe(
        'A `/problems/<code>` URI; GET it for the description. Codes: ' +
          PROBLEM_TYPES.map((t) => `\`${t.code}\` (${t.status})`).join(', ') +
          '.',
      ),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    request_id: z.string(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .catchall(z.unknown())
  .meta({ id: 'Problem', description: 'RFC 9457 problem details' });

/** Response schemas for the given error statuses, for a route's `response` map. */
export function problemResponses<S extends number>(
  ...statuses: S[]
): Record<S, typeof problemSchema> {
  return Object.fromEntries(statuses.map((s) => [s, problemSchema])) as Record<
    S,
    typeof problemSchema
  >;
}
