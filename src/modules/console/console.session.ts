// The console's session cookie: a random key (its hash is the accounts module's session row),
// HttpOnly, SameSite=Strict, Secure unless DEBUG, sent only to /admin. Every console request but
// the sign-in page and the assets needs a live session of active staff.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { setCaller } from '../../platform/observability.js';
import type { ConsoleContext, ConsoleDeps } from './console.deps.js';

export const SESSION_COOKIE = 'console_session';
const PUBLIC = new Set(['/admin/login/', '/admin/static/:name']);

/** Where to go after signing in or a form: a console path, never another site. */
export const safeNext = (next: unknown, fallback = '/admin/'): string =>
  typeof next === 'string' && /^\/admin\/(?![/\\])[^\\\s]*$/.test(next) ? next : fallback;

export function sessionHook({ accounts, limiter }: ConsoleDeps) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const key = req.cookies[SESSION_COOKIE];
    req.staff = key ? await accounts.sessions.user(key) : null;
    if (req.staff) setCaller(req, req.staff);
    // Staff with a session are not limited; anyone else counts against the anonymous limits.
    if (!req.staff && limiter) await limiter(reply, 'anonymous', `ip${req.ip}`);
    if (req.staff || PUBLIC.has(req.routeOptions.url ?? '')) return;
    const next = req.method === 'GET' ? `?next=${encodeURIComponent(req.url)}` : '';
    return reply.redirect(`/admin/login/${next}`, 303);
  };
}

export function setSessionCookie(reply: FastifyReply, ctx: ConsoleContext, key: string) {
  void reply.setCookie(SESSION_COOKIE, key, {
    path: '/admin',
    httpOnly: true,
    sameSite: 'strict',
    secure: ctx.secure,
  });
}

export function clearSessionCookie(reply: FastifyReply, ctx: ConsoleContext) {
  void reply.clearCookie(SESSION_COOKIE, {
    path: '/admin',
    httpOnly: true,
    sameSite: 'strict',
    secure: ctx.secure,
  });
}
