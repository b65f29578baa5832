// OpenAPI 3.1 generated from the route schemas, with Swagger UI and ReDoc served offline.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { z } from 'zod';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import type { App } from './http.js';
import { SECURITY_SCHEME } from './auth.js';
import { finishDocument } from './openapi.document.js';
import { problemResponses } from './problems.js';

const require = createRequire(import.meta.url);

/** The service's name and version (package.json's), as the root page and the document say. */
export const SERVICE = {
  name: 'Purchases API',
  version: (require('../../package.json') as { version: string }).version,
};

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

/**
 * A request body's example, kept where zod leaves it: zod drops `examples` of a schema that
 * transforms its input (trimmed, lower-cased fields), and Swagger UI reads `x-examples` as the
 * media type's examples.
 */
export const bodyExample = (value: Record<string, unknown>) => ({
  'x-examples': { example: { value } },
});

declare module 'fastify' {
  interface FastifySchema {
    /**
     * Bodies of other media types than JSON, for the document only (the route reads them
     * itself): a multipart form, a YAML text.
     */
    'x-bodies'?: Record<string, z.ZodType>;
    /** Response headers of its own a route sends, by status (`components.headers` names). */
    'x-response-headers'?: Record<number, string[]>;
  }
}

/** The route's `x-bodies`, as JSON Schema in the operation's request body. */
function withBodies<T extends { schema: unknown }>(result: T, schema: unknown): T {
  const bodies = (schema as { 'x-bodies'?: Record<string, z.ZodType> } | undefined)?.['x-bodies'];
  if (!bodies) return result;
  const converted = Object.fromEntries(
    Object.entries(bodies).map(([type, zod]) => [
      type,
      z.toJSONSchema(zod, { io: 'input', target: 'draft-2020-12', unrepresentable: 'any' }),
    ]),
  );
  return { ...result, schema: { ...(result.schema as object), 'x-bodies': converted } };
}

const REDOC_LOGO = 'https://cdn.redoc.ly/redoc/logo-mini.svg';
const BLANK_PICTURE = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'/%3E";

export async function installOpenApi(app: App) {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: SERVICE.name,
        version: SERVICE.version,
        license: { name: 'ISC', identifier: 'ISC' },
        description:
          'Retail buyers purchase from many supplier shops through one catalog. ' +
          'Errors are RFC 9457 problem+json; lists are paginated with page/page_size.',
      },
      servers: [{ url: '/', description: 'This service, where the document is served from' }],
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
    transform: (route) => withBodies(jsonSchemaTransform(route), route.schema),
    transformObject: (document) =>
      finishDocument(jsonSchemaTransformObject(document) as Record<string, unknown>) as never,
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
      operationId: 'getOpenApiDocument',
      description:
        'The OpenAPI 3.1 document of every route, generated from the same schemas that validate requests and serialize answers. `?format=yaml` for YAML.',
      tags: ['docs'],
      summary: 'This OpenAPI 3.1 document (JSON, or YAML with ?format=yaml)',
      querystring: z.object({ format: z.enum(['json', 'yaml']).default('json') }),
      response: {
        200: {
          description: 'The document',
          content: {
            'application/json': {
              schema: z
                .object({})
                .catchall(z.unknown())
                .meta({
                  examples: [{ openapi: '3.1.0', info: { title: 'Purchases API' }, paths: {} }],
                }),
            },
            'application/yaml': {
              schema: z
                .string()
                .meta({ examples: ['openapi: 3.1.0\ninfo:\n  title: Purchases API\npaths: {}\n'] }),
            },
          },
        },
        ...problemResponses(400),
      },
    },
    handler: (req, reply) => {
      if (req.query.format === 'yaml')
        void reply.type('application/yaml').send(app.swagger({ yaml: true }));
      else void reply.type('application/json').send(app.swagger() as Record<string, unknown>);
    },
  });

  const redocBundle = require.resolve('redoc/bundles/redoc.standalone.js');
  // The bundle's sidebar shows Redocly's logo from their CDN: a blank picture of our own instead,
  // so the page asks nothing of other hosts (its CSP would refuse it anyway, with an error).
  let bundle: Promise<string> | undefined;
  const offlineBundle = () =>
    (bundle ??= readFile(redocBundle, 'utf8').then((js) =>
      js.replaceAll(REDOC_LOGO, BLANK_PICTURE),
    ));
  app.get('/api/redoc/', {
    schema: {
      tags: ['docs'],
      operationId: 'getRedocPage',
      summary: 'ReDoc documentation page',
      description:
        'This document shown by ReDoc, served with its script by the app itself (works offline).',
      response: {
        200: {
          description: 'The page',
          content: {
            'text/html': {
              schema: z.string().meta({
                examples: ['<!doctype html><html>…<redoc spec-url="/api/schema/"></redoc>…</html>'],
              }),
            },
          },
        },
      },
    },
    handler: (_req, reply) =>
      void reply.type('text/html').header('content-security-policy', REDOC_CSP)
        .send(`<!doctype html>
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
        .send(await offlineBundle()),
  });
}
