// The development mailbox, only when DEBUG is true (the plugin registers these routes then).
import type { App } from '../../../platform/http.js';
import { problem } from '../../../platform/problems.js';
import type { ConsoleContext } from '../console.deps.js';
import { outboxParams } from '../console.forms.js';
import { createOutbox } from '../console.outbox.js';
import { render } from '../console.render.js';

const config = { rateLimit: false } as const;

export function outboxRoutes(scope: App, ctx: ConsoleContext) {
  const outbox = createOutbox(ctx.config.DATA_DIR);

  scope.get('/admin/outbox/', {
    config,
    schema: { hide: true },
    handler: async (req, reply) =>
      render(req, reply, 'outbox', {
        title: 'Исходящие письма',
        debug: true,
        mails: await outbox.list(),
      }),
  });

  scope.get('/admin/outbox/:name/', {
    config,
    schema: { hide: true, params: outboxParams },
    handler: async (req, reply) => {
      const mail = await outbox.get(req.params.name);
      if (!mail) throw problem.notFound('No such mail in the outbox.');
      return render(req, reply, 'outbox-mail', { title: mail.subject, debug: true, mail });
    },
  });
}
