// Signing in and out. Sign-in checks the password like /login/ (same limiter); only active staff
// get a session, anyone else stays on the page with the reason.
import type { App } from '../../../platform/http.js';
import { AppError } from '../../../platform/problems.js';
import type { ConsoleContext } from '../console.deps.js';
import { loginBody, loginQuery } from '../console.forms.js';
import { render } from '../console.render.js';
import {
  clearSessionCookie,
  safeNext,
  SESSION_COOKIE,
  setSessionCookie,
} from '../console.session.js';

const config = { rateLimit: false } as const;

const REFUSALS: Record<string, string> = {
  'bad-credentials': 'Неверный email или пароль, или учётная запись не активирована.',
  forbidden: 'Вход в консоль только для сотрудников.',
  'too-many-failed-logins': 'Слишком много неудачных попыток входа. Попробуйте позже.',
};

export function authRoutes(scope: App, ctx: ConsoleContext) {
  const debug = ctx.config.DEBUG;
  const loginPage = (next: string, email = '', error?: string) => ({
    title: 'Вход',
    debug,
    next,
    email,
    error,
  });

  scope.get('/admin/login/', {
    config,
    schema: { hide: true, querystring: loginQuery },
    handler: async (req, reply) => {
      const next = safeNext(req.query.next);
      if (req.staff) return reply.redirect(next, 303);
      return render(req, reply, 'login', loginPage(next));
    },
  });

  scope.post('/admin/login/', {
    config,
    schema: { hide: true, body: loginBody },
    handler: async (req, reply) => {
      const { email, password } = req.body;
      const next = safeNext(req.body.next);
      try {
        const { key } = await ctx.accounts.sessions.signIn(email, password);
        setSessionCookie(reply, ctx, key);
        return reply.redirect(next, 303);
      } catch (err) {
        if (!(err instanceof AppError) || !REFUSALS[err.code]) throw err;
        if (err.headers) void reply.headers(err.headers);
        return render(req, reply, 'login', loginPage(next, email, REFUSALS[err.code]), err.status);
      }
    },
  });

  scope.post('/admin/logout/', {
    config,
    schema: { hide: true },
    handler: async (req, reply) => {
      const key = req.cookies[SESSION_COOKIE];
      if (key) await ctx.accounts.sessions.signOut(key);
      clearSessionCookie(reply, ctx);
      return reply.redirect('/admin/login/', 303);
    },
  });
}
