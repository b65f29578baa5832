// PostgreSQL text cannot hold the NUL character (U+0000): a value with one would fail in the
// database as a 500. So every request's query string, path and JSON body is searched for it before
// validation, and a request that has one is refused with a 400 naming each such field. (Price-list
// files are checked by their own validator, with the same words.)
import type { FastifyInstance } from 'fastify';
import { fieldName } from './errors.js';
import { problem, type FieldError } from './problems.js';

export const NUL_MESSAGE = 'must not contain the NUL character (\\u0000)';

/** The places in `value` holding a string with NUL; iterative, so deep nesting cannot overflow. */
export function fieldsWithNul(value: unknown): string[] {
  const found: string[] = [];
  const stack: [unknown, PropertyKey[]][] = [[value, []]];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      if (v.includes('\u0000')) found.push(fieldName(path) || '(root)');
    } else if (v !== null && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        if (k.includes('\u0000')) found.push(fieldName([...path, k]));
        stack.push([child, [...path, Array.isArray(v) ? Number(k) : k]]);
      }
    }
  }
  return found.reverse();
}

export function installTextChecks(app: FastifyInstance) {
  app.addHook('preValidation', async (request) => {
    const errors: FieldError[] = [request.query, request.params, request.body]
      .flatMap((part) => fieldsWithNul(part))
      .map((field) => ({ field, message: NUL_MESSAGE }));
    if (errors.length > 0) {
      throw problem.validation('Text may not contain the NUL character: see errors.', { errors });
    }
  });
}
