// OpenAPI 3.1 generated from the route schemas, with Swagger UI and ReDoc served offline.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { z } from 'zod';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import type { App } from './http.js';
import { SECURITY_SCHEME } from './auth.js';

const require = createRequire(import.meta.url);

/**
 * ReDoc's page runs only the bundle served here; it styles itself with inline styles, shows
 * pictures given as data: URIs and searches in a worker made from a blob.
 */
const REDOC_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');

export async function installOpenApi(app: App) {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Purchases API',
        version: '1.0.0',
        description:
          'Retail buyers purchase from many supplier shops through one catalog. ' +
          'Errors are RFC 9457 problem+json; lists are paginated with page/page_size.',
      },
      components: {
        securitySchemes: {
          [SECURITY_SCHEME]: {
            type: 'apiKey',
            in: 'header',
            name: 'Authorization',
            description:
              'Send `Authorization: Token <key>` (or `Bearer <key>`) with the key from /login/.',
          },
        },
      },
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, {
    routePrefix: '/api/docs',
    uiConfig: { validatorUrl: null },
    // The plugin's policy, with the hashes of its own inline script and style, narrowed to this
    // host: it also allows https: fonts and styles, the swagger.io validator and upgrading to https.
    staticCSP: true,
    transformStaticCSP: (policy) =>
      policy
        .replace(/ https:/g, '')
        .replace(' validator.swagger.io', '')
        .replace(" frame-ancestors 'self';", " frame-ancestors 'none';")
        .replace(' upgrade-insecure-requests;', " connect-src 'self'; form-action 'none';"),
  });

  app.get('/api/schema/', {
    schema: {
      tags: ['docs'],
      summary: 'This OpenAPI 3.1 document (JSON, or YAML with ?format=yaml)',
      querystring: z.object({ format: z.enum(['json', 'yaml']).default('json') }),
    },
    handler: async (req, reply) =>
      req.query.format === 'yaml'
        ? reply.type('application/yaml').send(app.swagger({ yaml: true }))
        : reply.type('application/json').send(app.swagger()),
  });

  const redocBundle = require.resolve('redoc/bundles/redoc.standalone.js');
  app.get('/api/redoc/', {
    schema: { tags: ['docs'], summary: 'ReDoc documentation page' },
    handler: (_req, reply) =>
      reply.type('text/html').header('content-security-policy', REDOC_CSP).send(`<!doctype html>
<html><head><meta charset="utf-8"><title>Purchases API</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><redoc spec-url="/api/schema/"></redoc>
<script src="/api/redoc/redoc.standalone.js"></script></body></html>`),
  });
  app.get('/api/redoc/redoc.standalone.js', {
    schema: { hide: true },
    handler: async (_req, reply) =>
      reply
        .type('application/javascript')
        .header('cache-control', 'public, max-age=86400')
        .send(await readFile(redocBundle)),
  });
}
