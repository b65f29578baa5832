// Text PostgreSQL cannot store fails in the database as a 500: the NUL character (U+0000), and a
// lone UTF-16 surrogate (JSON can write one as "\ud800"; no UTF-8 encodes it). So every request's
// query string, path and JSON body is searched for both before validation, and a request that has
// one is refused with a 400 naming each such field. (Price-list files are checked by their own
// validator, with the same words.)
import type { FastifyInstance } from 'fastify';
import { fieldName } from './errors.js';
import { problem, type FieldError } from './problems.js';

export const NUL_MESSAGE = 'must not contain the NUL character (\\u0000)';
export const SURROGATE_MESSAGE =
  'must be valid Unicode text (it has a lone surrogate such as \\ud800)';

/** What is wrong with `text` for the database, or undefined when nothing is. */
export function textProblem(text: string): string | undefined {
  if (text.includes('\u0000')) return NUL_MESSAGE;
  if (!text.isWellFormed()) return SURROGATE_MESSAGE;
  return undefined;
}

/** The places in `value` whose text (or key) the database cannot store; iterative, so deep
 * nesting cannot overflow the stack. */
export function badTextFields(value: unknown): FieldError[] {
  const found: FieldError[] = [];
  const stack: [unknown, PropertyKey[]][] = [[value, []]];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      const message = textProblem(v);
      if (message) found.push({ field: fieldName(path) || '(root)', message });
    } else if (v !== null && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        const message = textProblem(k);
        if (message) found.push({ field: fieldName([...path, k]), message });
        stack.push([child, [...path, Array.isArray(v) ? Number(k) : k]]);
      }
    }
  }
  return found.reverse();
}

export function installTextChecks(app: FastifyInstance) {
  app.addHook('preValidation', async (request) => {
    const errors = [request.query, request.params, request.body].flatMap(badTextFields);
    if (errors.length > 0) {
      throw problem.validation('Text the service cannot store: see errors.', { errors });
    }
  });
}
