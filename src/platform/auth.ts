// Token authentication and roles. A route says who may call it with `config: { auth }`; this
// plugin adds the check, the OpenAPI security requirement and the 401/403 responses for it.
// The accounts are the accounts module's: it passes in how a key is looked up (TokenLookup).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { problem, problemSchema } from './problems.js';

/** `user`: any signed-in account; `buyer`, `shop`: that account type; `staff`: staff users. */
export type Role = 'user' | 'buyer' | 'shop' | 'staff';

export interface AuthUser {
  id: number;
  email: string;
  type: 'buyer' | 'shop';
  isStaff: boolean;
  /** The token this request came with, so logout can revoke exactly it. */
  tokenId: number;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: Role;
  }
  interface FastifyRequest {
    user: AuthUser | null;
  }
  interface FastifyInstance {
    /** Every route that needs a token, with its role: lets tests prove each one is guarded. */
    protectedRoutes: { method: string; url: string; role: Role }[];
  }
}

export const SECURITY_SCHEME = 'Token';

/** The active account that holds this API key (as presented, unhashed), or null. */
export type TokenLookup = (key: string) => Promise<AuthUser | null>;

/** The `WWW-Authenticate` challenge of every 401: the scheme the API reads. */
export const AUTH_CHALLENGE = 'Token';

const unauthorized = (detail: string) =>
  problem.notAuthenticated(detail, { headers: { 'WWW-Authenticate': AUTH_CHALLENGE } });

/** The key of `Authorization: Token <key>` or `Bearer <key>`. */
function presentedKey(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const m = header ? /^(?:Token|Bearer)\s+(\S+)\s*$/i.exec(header) : null;
  return m?.[1];
}

/**
 * The account behind a request's token, or null, looked up once per request: the rate limiter
 * (which runs first, on every route) and the route's auth check share one query.
 */
export type Identify = (request: FastifyRequest) => Promise<AuthUser | null>;

export function createIdentify(lookup: TokenLookup): Identify {
  const found = new WeakMap<FastifyRequest, Promise<AuthUser | null>>();
  return (request) => {
    let user = found.get(request);
    if (!user) {
      const key = presentedKey(request);
      user = key ? lookup(key) : Promise.resolve(null);
      found.set(request, user);
    }
    return user;
  };
}

function allowed(user: AuthUser, role: Role): boolean {
  if (role === 'staff') return user.isStaff;
  if (role === 'buyer' || role === 'shop') return user.type === role;
  return true;
}

const ROLE_WORDS: Record<Role, string> = {
  user: 'a signed-in user',
  buyer: 'a buyer account',
  shop: 'a shop account',
  staff: 'a staff user',
};

export function installAuth(app: FastifyInstance, identify: Identify) {
  app.decorateRequest('user', null);
  const protectedRoutes: FastifyInstance['protectedRoutes'] = [];
  app.decorate('protectedRoutes', protectedRoutes);

  app.addHook('onRoute', (route) => {
    const role = route.config?.auth;
    if (!role) return;
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') protectedRoutes.push({ method, url: route.url, role });
    }
    route.schema = {
      ...route.schema,
      security: [{ [SECURITY_SCHEME]: [] }],
      response: {
        ...(route.schema?.response as object),
        401: problemSchema,
        ...(role === 'user' ? {} : { 403: problemSchema }),
      },
    };
    const check = async (request: FastifyRequest) => {
      const key = presentedKey(request);
      if (!key) throw unauthorized('Authentication required: send Authorization: Token <key>.');
      const user = await identify(request);
      if (!user) throw unauthorized('The token is invalid or has been revoked; log in again.');
      request.user = user;
      if (!allowed(user, role)) {
        throw problem.forbidden(`Only ${ROLE_WORDS[role]} may do this.`);
      }
    };
    const existing = route.onRequest ? [route.onRequest].flat() : [];
    route.onRequest = [check, ...existing];
  });
}

/** The signed-in user of a route declared with `config.auth`. */
export function currentUser(request: FastifyRequest): AuthUser {
  if (!request.user) throw new Error('currentUser() on a route without config.auth');
  return request.user;
}
