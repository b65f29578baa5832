// Users: search by email, name or company; type, active and staff flags changed per row. Nobody
// can take their own staff flag away (nor deactivate themselves).
import { pageBounds } from '../../../lib/pagination.js';
import type { App } from '../../../platform/http.js';
import type { ConsoleContext } from '../console.deps.js';
import { idParams, userFlagsBody, usersQuery } from '../console.forms.js';
import { pager } from '../console.pager.js';
import { render } from '../console.render.js';
import { safeNext } from '../console.session.js';

const config = { rateLimit: false } as const;

export function usersRoutes(scope: App, ctx: ConsoleContext) {
  scope.get('/admin/users/', {
    config,
    schema: { hide: true, querystring: usersQuery },
    handler: async (req, reply) => {
      const { limit, offset } = pageBounds(req.query);
      const list = await ctx.accounts.staff.list(req.query.q, limit, offset);
      return render(req, reply, 'users', {
        title: 'Пользователи',
        debug: ctx.config.DEBUG,
        users: list.results,
        q: req.query.q ?? '',
        pages: pager(req.url, list.count, req.query.page, req.query.page_size),
      });
    },
  });

  scope.post('/admin/users/:id/', {
    config,
    schema: { hide: true, params: idParams, body: userFlagsBody },
    handler: async (req, reply) => {
      const { type, is_active, is_staff, next } = req.body;
      await ctx.accounts.staff.setFlags(req.staff!.id, req.params.id, {
        type,
        isActive: is_active === 'on',
        isStaff: is_staff === 'on',
      });
      return reply.redirect(safeNext(next, '/admin/users/'), 303);
    },
  });
}
