// Token authentication and roles. A route says who may call it with `config: { auth }`; this
// plugin adds the check, the OpenAPI security requirement and the 401/403 responses for it.
import { and, eq } from 'drizzle-orm';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { hashSecret } from '../lib/tokens.js';
import { authTokens, users } from '../modules/accounts/accounts.tables.js';
import type { Db } from './db/client.js';
import { AppError, problemSchema } from './errors.js';

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

const unauthorized = (detail: string) =>
  new AppError(401, 'not-authenticated', detail, undefined, undefined, {
    'WWW-Authenticate': 'Token',
  });

/** The key of `Authorization: Token <key>` or `Bearer <key>`. */
function presentedKey(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const m = header ? /^(?:Token|Bearer)\s+(\S+)\s*$/i.exec(header) : null;
  return m?.[1];
}

async function authenticate(db: Db, key: string): Promise<AuthUser | null> {
  const [row] = await db
    .select({
      id: users.id,
      email: users.email,
      type: users.type,
      isStaff: users.isStaff,
      tokenId: authTokens.id,
    })
    .from(authTokens)
    .innerJoin(users, eq(users.id, authTokens.userId))
    .where(and(eq(authTokens.keyHash, hashSecret(key)), eq(users.isActive, true)));
  return row ?? null;
}

const lookups = new WeakMap<FastifyRequest, Promise<AuthUser | null>>();

/**
 * The account behind the request's token, or null; looked up once per request, so the rate
 * limiter (which runs first, on every route) and the route's auth check share one query.
 */
export function identify(db: Db, request: FastifyRequest): Promise<AuthUser | null> {
  let found = lookups.get(request);
  if (!found) {
    const key = presentedKey(request);
    found = key ? authenticate(db, key) : Promise.resolve(null);
    lookups.set(request, found);
  }
  return found;
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

export function installAuth(app: FastifyInstance, db: Db) {
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
      const user = await identify(db, request);
      if (!user) throw unauthorized('The token is invalid or has been revoked; log in again.');
      request.user = user;
      if (!allowed(user, role)) {
        throw new AppError(403, 'forbidden', `Only ${ROLE_WORDS[role]} may do this.`);
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
