// Named prepared statements, built once per shape and database. Hot reads have few shapes (which
// filters are given, which ordering) and take every value as a placeholder, so Drizzle does not
// rebuild the SQL on every request and PostgreSQL parses and plans each shape once per connection.
// They run through Drizzle's session, so they are logged and counted like any other statement.
import type { SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { Executor } from './client.js';

const dialect = new PgDialect();
type Prepared = ReturnType<Executor['_']['session']['prepareQuery']>;
const preparedByDb = new WeakMap<Executor, Map<string, Prepared>>();

/** The statement called `name` on this database, built by `build()` the first time. */
export function preparedStatement(db: Executor, name: string, build: () => SQL): Prepared {
  let statements = preparedByDb.get(db);
  if (!statements) preparedByDb.set(db, (statements = new Map()));
  let statement = statements.get(name);
  if (!statement) {
    statement = db._.session.prepareQuery(dialect.sqlToQuery(build()), undefined, name, false);
    statements.set(name, statement);
  }
  return statement;
}

/** The rows of a prepared statement (node-postgres and PGlite both answer `{ rows }`). */
export async function runPrepared<T>(
  statement: Prepared,
  values: Record<string, unknown>,
): Promise<T[]> {
  return ((await statement.execute(values)) as { rows: T[] }).rows;
}
