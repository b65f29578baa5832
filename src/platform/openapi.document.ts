// The finishing touches of the OpenAPI document, made once over the whole of it: what every
// operation shares (problem answers, response headers, descriptions of statuses) is written here
// rather than in each route, and what the generator leaves behind (unused input copies of the
// schemas, JavaScript's ±2^53 integer bounds) is cleaned away.
import { STATUS_CODES } from 'node:http';
import { PROBLEM_TYPES } from './problems.js';

type Json = Record<string, unknown>;
type Operation = Json & {
  responses: Record<string, Json & { content?: Record<string, Json>; headers?: Json }>;
  security?: unknown[];
  requestBody?: { content: Record<string, Json> };
};

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];
const PROBLEM_REF = '#/components/schemas/Problem';
const ref = (name: string) => ({ $ref: `#/components/headers/${name}` });

export const TAGS = [
  [
    'accounts',
    'Registration, activation, login (with a password, or with Google through OpenID Connect), ' +
      'tokens, password reset, the account itself.',
  ],
  ['contacts', 'Delivery addresses with a phone, at most 5 per user.'],
  ['catalog', 'The public catalog: offers of every shop that takes orders, categories, shops.'],
  ['cart', "The buyer's cart: an order in state `basket`."],
  ['orders', 'Placing the cart as an order, following and cancelling it.'],
  ['partner', 'The supplier side (accounts of type `shop`): price lists, order taking, orders.'],
  ['media', 'Pictures: avatars and offer galleries, re-encoded with thumbnails.'],
  ['admin', 'The staff JSON API: every order and its states, failed jobs, the cache.'],
  ['operations', 'The root index, probes, metrics and the problem types of error answers.'],
  ['docs', 'This document and the pages that show it.'],
].map(([name, description]) => ({ name: name!, description: description! }));

const HEADERS = {
  'X-Request-Id': {
    description:
      'The id of this request, also in the log and in problem bodies; quote it when reporting one.',
    schema: { type: 'string', format: 'uuid' },
  },
  RateLimit: {
    description:
      'What is left of each limit counted for this caller, and seconds until its window ends ' +
      '(IETF draft RateLimit header fields).',
    schema: { type: 'string', examples: ['"burst";r=59;t=60, "sustained";r=999;t=3600'] },
  },
  'RateLimit-Policy': {
    description: 'The limits counted for this caller: requests (`q`) per window of seconds (`w`).',
    schema: { type: 'string', examples: ['"anon";q=100;w=86400, "burst";q=60;w=60'] },
  },
  'Retry-After': {
    description: 'Seconds to wait before sending the request again.',
    schema: { type: 'integer', minimum: 1, maximum: 86_400 },
  },
  'WWW-Authenticate': {
    description: 'How to authenticate: `Token` (send `Authorization: Token <key>` from /login/).',
    schema: { type: 'string', enum: ['Token'] },
  },
  'Idempotent-Replayed': {
    description:
      'Sent as `true` when the answer replays the first one given to this Idempotency-Key.',
    schema: { type: 'string', enum: ['true'] },
  },
};

/** What a status means here, for responses the routes leave undescribed. */
function describeStatus(status: string): string {
  const code = Number(status);
  if (code >= 400) {
    const codes = PROBLEM_TYPES.filter((t) => t.status === code).map((t) => `\`${t.code}\``);
    return (
      `${STATUS_CODES[code]}: problem details; \`type\` says which` +
      (codes.length ? ` (${codes.join(', ')})` : '') +
      ', and `GET /problems/{code}/` what to do.'
    );
  }
  return STATUS_CODES[code] ?? status;
}

function operations(doc: Json): [string, string, Operation][] {
  return Object.entries(doc.paths as Record<string, Record<string, Operation>>).flatMap(
    ([path, item]) =>
      METHODS.filter((m) => item[m]).map((m) => [path, m, item[m]!] as [string, string, Operation]),
  );
}

/** Every `$ref` target reachable from the paths, so unused components can go. */
function usedSchemas(doc: Json): Set<string> {
  const schemas = (doc.components as { schemas: Record<string, unknown> }).schemas;
  const used = new Set<string>();
  const walk = (value: unknown) => {
    if (Array.isArray(value)) return value.forEach(walk);
    if (!value || typeof value !== 'object') return;
    for (const [key, child] of Object.entries(value)) {
      if (
        key === '$ref' &&
        typeof child === 'string' &&
        child.startsWith('#/components/schemas/')
      ) {
        const name = child.slice('#/components/schemas/'.length);
        if (!used.has(name)) {
          used.add(name);
          walk(schemas[name]);
        }
      } else walk(child);
    }
  };
  walk(doc.paths);
  return used;
}

/** JavaScript's safe-integer limits say nothing about a field: the bound is dropped. */
function withoutSafeIntegerBounds(value: unknown): void {
  if (Array.isArray(value)) return value.forEach(withoutSafeIntegerBounds);
  if (!value || typeof value !== 'object') return;
  const schema = value as Json;
  if (schema.minimum === -Number.MAX_SAFE_INTEGER) delete schema.minimum;
  if (schema.maximum === Number.MAX_SAFE_INTEGER) delete schema.maximum;
  Object.values(schema).forEach(withoutSafeIntegerBounds);
}

/** An answer of the first problem type of this status, as the service writes it. */
function problemExample(status: string) {
  const t = PROBLEM_TYPES.find((p) => p.status === Number(status));
  if (!t) return undefined;
  return {
    type: `/problems/${t.code}`,
    title: t.title,
    status: t.status,
    detail: t.description,
    request_id: '0b6a4d5e-3f1c-4d2a-9c8e-7f6b5a4d3c2b',
    ...(t.code === 'validation' ? { errors: [{ field: 'phone', message: 'is required' }] } : {}),
  };
}

/** The example a schema carries (its first `examples`), following `$ref`s to components. */
function exampleOf(doc: Json, schema: Json | undefined): unknown {
  const schemas = (doc.components as { schemas: Record<string, Json> }).schemas;
  for (let s = schema, hops = 0; s && hops < 5; hops++) {
    if (Array.isArray(s.examples) && s.examples.length > 0) return s.examples[0];
    if ('example' in s) return s.example;
    s = typeof s.$ref === 'string' ? schemas[s.$ref.split('/').pop()!] : undefined;
  }
  return undefined;
}

/** Puts a schema's example on the media type, where Swagger UI and ReDoc show it. */
function exampleOnMedia(doc: Json, media: Json | undefined) {
  if (!media || 'example' in media || 'examples' in media) return;
  const example = exampleOf(doc, media.schema as Json | undefined);
  if (example !== undefined) media.example = example;
}

export function finishDocument(doc: Json): Json {
  const components = doc.components as Json & { schemas: Record<string, Json> };
  components.headers = HEADERS;
  doc.tags = TAGS;

  for (const [, , op] of operations(doc)) {
    const bodies = op['x-bodies'] as Record<string, Json> | undefined;
    if (bodies && op.requestBody) {
      for (const [type, { $schema: _, ...schema }] of Object.entries(bodies))
        op.requestBody.content[type] = { schema };
      delete op['x-bodies'];
    }
    // Routes without `config.auth` are public: say so, rather than leave it unsaid.
    op.security ??= [];
    const limited = '429' in op.responses;
    for (const [status, response] of Object.entries(op.responses)) {
      if (response.description === 'Default Response')
        response.description = describeStatus(status);
      const content = response.content;
      // Every error leaves as problem+json (errors.ts), whatever schema the route declared.
      const problem = content?.['application/json']?.schema as Json | undefined;
      if (content && problem && Number(status) >= 400) {
        delete content['application/json'];
        content['application/problem+json'] =
          problem.$ref === PROBLEM_REF
            ? { schema: problem, example: problemExample(status) }
            : { schema: problem };
      }
      for (const media of Object.values(content ?? {})) exampleOnMedia(doc, media);
      const headers: Json = { 'X-Request-Id': ref('X-Request-Id') };
      if (limited)
        Object.assign(headers, {
          RateLimit: ref('RateLimit'),
          'RateLimit-Policy': ref('RateLimit-Policy'),
        });
      if (status === '429' || status === '503') headers['Retry-After'] = ref('Retry-After');
      if (status === '401') headers['WWW-Authenticate'] = ref('WWW-Authenticate');
      for (const name of (op['x-response-headers'] as Record<string, string[]> | undefined)?.[
        status
      ] ?? [])
        headers[name] = ref(name);
      response.headers = { ...headers, ...(response.headers as Json | undefined) };
    }
    delete op['x-response-headers'];
    for (const media of Object.values(op.requestBody?.content ?? {})) exampleOnMedia(doc, media);
  }

  const used = usedSchemas(doc);
  for (const name of Object.keys(components.schemas))
    if (!used.has(name)) delete components.schemas[name];
  withoutSafeIntegerBounds(doc);
  return doc;
}
