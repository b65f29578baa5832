// The one error handler: every failure leaves as RFC 9457 problem+json with a request id. The
// problem types themselves are registered in problems.ts.
import type {
  FastifyBaseLogger,
  FastifyError,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
} from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import findMyWay, { type HTTPMethod } from 'find-my-way';
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { z } from 'zod';
import { reportFault } from './observability.js';
import { AUTH_CHALLENGE } from './auth.js';
import { AppError, problem, type FieldError } from './problems.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route as registered (HEAD aside); `documented` unless hidden from the OpenAPI schema. */
    registeredRoutes: { method: string; url: string; documented: boolean }[];
  }
}

// Zod's default for a missing value ("expected string, received undefined") reads poorly.
z.config({
  customError: (issue) =>
    issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : undefined,
});

/** `goods[3].price` style names, as a person reads them. */
export function fieldName(path: readonly PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`))
    .join('');
}

interface ValidationIssue {
  keyword: string;
  instancePath: string;
  message: string;
  params?: { keys?: string[] };
}

function validationErrors(err: { validation: unknown[] }): FieldError[] {
  return (err.validation as ValidationIssue[]).flatMap((issue) => {
    const path = issue.instancePath
      .split('/')
      .filter(Boolean)
      .map((seg) => (/^\d+$/.test(seg) ? Number(seg) : seg));
    if (issue.keyword === 'unrecognized_keys' && issue.params?.keys) {
      return issue.params.keys.map((k) => ({
        field: fieldName([...path, k]),
        message: 'unknown field',
      }));
    }
    return [{ field: fieldName(path) || '(root)', message: issue.message }];
  });
}

/** What every problem body says, whether Fastify or Node's HTTP parser met the request. */
function problemBody(error: AppError, requestId: string) {
  return {
    type: `/problems/${error.code}`,
    title: error.title,
    status: error.status,
    detail: error.detail,
    request_id: requestId,
    ...(error.errors?.length ? { errors: error.errors } : {}),
    ...error.extra,
  };
}

function send(reply: FastifyReply, request: FastifyRequest, error: AppError) {
  if (error.headers) void reply.headers(error.headers);
  // RFC 9110: every 401 names the scheme that would let the request through.
  if (error.status === 401 && !reply.hasHeader('www-authenticate'))
    void reply.header('www-authenticate', AUTH_CHALLENGE);
  return reply
    .code(error.status)
    .type('application/problem+json')
    .send(problemBody(error, String(request.id)));
}

const WHERE: Record<string, string> = {
  body: 'request body',
  querystring: 'query string',
  params: 'path',
  headers: 'headers',
};

/** The body types a route reads: its declared `consumes`, else JSON. */
function readTypes(request: FastifyRequest): string[] {
  const consumes = (request.routeOptions.schema as { consumes?: string[] } | undefined)?.consumes;
  return consumes?.length ? consumes : ['application/json'];
}

function toAppError(err: FastifyError, request: FastifyRequest, maxBody: number): AppError {
  if (err instanceof AppError) return err;
  if (hasZodFastifySchemaValidationErrors(err)) {
    const where = WHERE[err.validationContext ?? 'body'] ?? 'request';
    return problem.validation(`The ${where} is not valid: see errors.`, {
      errors: validationErrors(err),
    });
  }
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return problem.malformedJson(`The body is not valid JSON: ${err.message}`);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return problem.bodyTooLarge(`The body is larger than ${maxBody} bytes.`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': {
      const sent = request.headers['content-type']?.split(';')[0]?.trim() || 'no Content-Type';
      return problem.unsupportedMediaType(
        `The body is ${sent}; this route reads ${readTypes(request).join(', ')}.`,
      );
    }
  }
  if (err instanceof SyntaxError) {
    return problem.malformedJson(`The body is not valid JSON: ${err.message}`);
  }
  const status = err.statusCode ?? 500;
  if (status >= 400 && status < 500) return problem.badRequest(err.message, { status });
  return problem.internal('Internal server error. Quote the request id when reporting it.');
}

/**
 * Errors Fastify meets before any route runs (Fastify's `frameworkErrors`): a URL whose
 * percent-encoding is broken, or a path segment too long for the router.
 */
export function frameworkErrors(err: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const error =
    err.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? problem.badRequest('A part of the path is too long (more than 100 characters).', {
          status: 414,
        })
      : problem.badRequest(`The URL cannot be read: ${err.message}`, { status: 400 });
  return send(reply, request, error);
}

/**
 * Requests Node's HTTP parser refuses before Fastify sees them (an unknown method, a header that
 * breaks the syntax or is too large, a request that took too long): a problem answer with a
 * request id like any other, then the connection is closed, as Node's own answer would.
 */
export function answerClientError(
  err: Error & { code?: string },
  socket: Duplex,
  log: FastifyBaseLogger,
) {
  {
    if (!socket.writable) return void socket.destroy();
    const [status, detail] = CLIENT_ERRORS[err.code ?? ''] ?? [
      400,
      'The request is not valid HTTP (the method or a header cannot be read).',
    ];
    const requestId = randomUUID();
    log.debug({ reqId: requestId, code: err.code }, 'request refused by the HTTP parser');
    const body = JSON.stringify(problemBody(problem.badRequest(detail, { status }), requestId));
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
        'Content-Type: application/problem+json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        `X-Request-Id: ${requestId}\r\n` +
        'X-Content-Type-Options: nosniff\r\n' +
        'Connection: close\r\n\r\n' +
        body,
    );
  }
}

const CLIENT_ERRORS: Record<string, [number, string]> = {
  HPE_INVALID_METHOD: [400, 'The HTTP method is unknown; use GET, POST, PUT, PATCH or DELETE.'],
  HPE_HEADER_OVERFLOW: [431, 'The request headers are too large.'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'The request took too long to arrive.'],
  HPE_INVALID_HEADER_TOKEN: [400, 'A request header has a character not allowed in headers.'],
};

/**
 * Installs the error and not-found handlers. Unknown paths are 404, known paths with another
 * method 405 with `Allow`: a side router learns every route as it is registered.
 */
export function installProblemHandling(app: FastifyInstance, maxBody: number) {
  const known = findMyWay({ ignoreTrailingSlash: true });
  const registered: FastifyInstance['registeredRoutes'] = [];
  app.decorate('registeredRoutes', registered);
  app.addHook('onRoute', (route) => {
    const methods = [route.method].flat().map((m) => m.toUpperCase() as HTTPMethod);
    for (const method of methods) {
      if (known.hasRoute(method, route.url)) continue;
      known.on(method, route.url, () => {});
      if (method !== 'HEAD') {
        registered.push({
          method,
          url: route.url,
          documented: !(route.schema as { hide?: boolean })?.hide,
        });
      }
    }
  });

  app.setErrorHandler((err: FastifyError, request, reply) => {
    const error = toAppError(err, request, maxBody);
    if (error.status >= 500) request.log.error({ err }, 'request failed');
    // A fault of ours goes to Sentry; a deliberate 503 (Redis down, a feature not set up) does not.
    const fault = error.status >= 500 && !(err instanceof AppError);
    const eventId = fault ? reportFault(err, error.status) : undefined;
    if (!eventId) return send(reply, request, error);
    return send(reply, request, problem.internal(error.detail, { extra: { event_id: eventId } }));
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!;
    const allowed = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].filter(
      (m) => known.find(m as HTTPMethod, path) !== null,
    );
    // A route of this method that found nothing (a missing file) is 404, not 405.
    const method = request.method === 'HEAD' ? 'GET' : request.method;
    if (allowed.length > 0 && !allowed.includes(method)) {
      void reply.header('allow', allowed.join(', '));
      const detail = `${request.method} is not allowed here; use ${allowed.join(', ')}.`;
      return send(reply, request, problem.methodNotAllowed(detail));
    }
    return send(reply, request, problem.notFound(`No route ${request.method} ${path}.`));
  });
}
