// DRF-style page-number pagination: ?page=1&page_size=20 → {count, next, previous, results}.
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { problem } from '../platform/problems.js';

export const MAX_PAGE_SIZE = 100;

const positiveInt = (max: number) =>
  z.coerce
    .number({ message: 'must be a whole number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(max, `must be at most ${max}`);

export const pageQuery = z.object({
  page: positiveInt(1_000_000).default(1),
  page_size: positiveInt(MAX_PAGE_SIZE).default(20),
});

export type PageQuery = z.output<typeof pageQuery>;

/** A page of `item`s; its example is a first page of one, made of the item's own example. */
export const paginated = <T extends z.ZodType>(item: T) => {
  const example = (z.globalRegistry.get(item)?.examples as unknown[] | undefined)?.[0];
  const page = z.object({
    count: z.number().int(),
    next: z.string().nullable(),
    previous: z.string().nullable(),
    results: z.array(item),
  });
  return example === undefined
    ? page
    : page.meta({ examples: [{ count: 1, next: null, previous: null, results: [example] }] });
};

export const pageBounds = ({ page, page_size }: PageQuery) => ({
  limit: page_size,
  offset: (page - 1) * page_size,
});

function pageUrl(request: FastifyRequest, page: number): string {
  const url = new URL(request.url, `${request.protocol}://${request.host}`);
  if (page === 1) url.searchParams.delete('page');
  else url.searchParams.set('page', String(page));
  return url.toString();
}

/** Wraps one page of results; a page past the last is 404 like DRF's "Invalid page". */
export function pageOf<T>(request: FastifyRequest, query: PageQuery, count: number, results: T[]) {
  const last = Math.max(1, Math.ceil(count / query.page_size));
  if (query.page > last) {
    throw problem.invalidPage(`Invalid page: there are ${last} page(s).`);
  }
  return {
    count,
    next: query.page < last ? pageUrl(request, query.page + 1) : null,
    previous: query.page > 1 ? pageUrl(request, query.page - 1) : null,
    results,
  };
}
