// Headers every answer carries: browsers must not guess content types or leak our URLs in the
// Referer, and an answer meant for one signed-in account is never kept by a shared cache.
import type { FastifyInstance } from 'fastify';

export function installSecurityHeaders(app: FastifyInstance) {
  app.addHook('onSend', async (request, reply) => {
    void reply.header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer');
    if (request.headers.authorization && !reply.hasHeader('cache-control'))
      void reply.header('cache-control', 'no-store');
  });
}
