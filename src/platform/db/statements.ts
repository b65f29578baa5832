// Named prepared statements, built once per shape. Hot statements have few shapes (which filters
// are given, which ordering) and take every value as a placeholder, so Drizzle does not rebuild the
// SQL on every request (its builders cost more CPU than the round trip here) and PostgreSQL parses
// and plans each shape once per connection. Rows come back as the statement names its columns.
// They run through Drizzle's session, so they are logged and counted like any other statement.
import type { SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { PLAN_EACH_RUN, type Executor } from './client.js';

const dialect = new PgDialect();
type Prepared = ReturnType<Executor['_']['session']['prepareQuery']>;
/** Each statement's SQL and parameter slots, built once: the same for every database and transaction. */
const built = new Map<string, ReturnType<PgDialect['sqlToQuery']>>();

/**
 * The statement called `name`, built by `build()` the first time, ready to run on `db` (a pool or
 * a transaction: its session's connection runs it).
 */
export function preparedStatement(db: Executor, name: string, build: () => SQL): Prepared {
  return db._.session.prepareQuery(builtOnce(name, build), undefined, name, false);
}

/** The SQL and parameter slots of `name`, made by `build()` the first time; `prefix` starts the text. */
function builtOnce(name: string, build: () => SQL, prefix = '') {
  let query = built.get(name);
  if (!query) {
    const { sql: text, params } = dialect.sqlToQuery(build());
    built.set(name, (query = { sql: prefix + text, params }));
  }
  return query;
}

/**
 * Like `preparedStatement`, built once, but planned by PostgreSQL for its values on every run:
 * for statements whose best plan depends on them (a search for a rare word wants the text index,
 * one for a common word the id order), where a generic plan, made once for any values, walked
 * every offer.
 */
export function planEachRun(db: Executor, name: string, build: () => SQL): Prepared {
  return db._.session.prepareQuery(
    builtOnce(name, build, PLAN_EACH_RUN),
    undefined,
    undefined,
    false,
  );
}

/** The rows of a prepared statement (node-postgres and PGlite both answer `{ rows }`). */
export async function runPrepared<T>(
  statement: Prepared,
  values: Record<string, unknown>,
): Promise<T[]> {
  return ((await statement.execute(values)) as { rows: T[] }).rows;
}

/** Integers as one array parameter (`{1,2,3}`, cast with `::int[]`): one text for any count. */
export const intArray = (xs: Iterable<number>) => `{${[...xs].join(',')}}`;

// In a quoted array element only a backslash and a double quote need a backslash before them.
const NEEDS_ESCAPE = /[\\"]/;
const quoteElement = (s: string) => `"${NEEDS_ESCAPE.test(s) ? s.replace(/[\\"]/g, '\\$&') : s}"`;

/**
 * Texts as one array parameter (`{"a","b \\"c\\""}`, cast with `::text[]` or `::jsonb[]`). The
 * driver makes the same text, but through a string built piece by piece and two replaces per
 * element: for an import's batch of goods this is several times cheaper.
 */
export const textArray = (xs: readonly string[]) => `{${xs.map(quoteElement).join(',')}}`;

/** How many elements PostgreSQL assumes an array parameter has when it makes a generic plan. */
const GENERIC_ARRAY_LENGTH = 10;

/**
 * Like `intArray`, padded with nulls to at least GENERIC_ARRAY_LENGTH elements, for statements where
 * a null id matches nothing (a join on it). Given fewer, a plan made for the actual count looks
 * cheaper than the generic one, so PostgreSQL would plan the statement again on every call (an
 * order's three offers as JSON: 0.25-0.4 ms planning against 0.1 ms execution).
 */
export const paddedIntArray = (xs: readonly number[]) =>
  `{${[...xs, ...Array<string>(Math.max(0, GENERIC_ARRAY_LENGTH - xs.length)).fill('NULL')].join(',')}}`;
