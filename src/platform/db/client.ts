// One Drizzle database over either a PostgreSQL pool or the embedded PGlite: same schema, same SQL.
import { PGlite } from '@electric-sql/pglite';
import type { Logger } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { createHash } from 'node:crypto';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import * as schema from './schema.js';

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
/** Anything that runs queries: the database itself or an open transaction. */
export type Executor = Db | Tx;

export interface Database {
  db: Db;
  kind: 'postgres' | 'pglite';
  /**
   * Counts statements sent, so tests can prove a page costs a fixed number of queries; while
   * `texts` is set, the text of each is added to it (the SQL snapshots in src/queries/).
   */
  queries: { count: number; texts?: string[] };
  /** Answers when the database takes a query (readiness). */
  ping(): Promise<void>;
  /** Applies the committed SQL migrations in drizzle/ that this database lacks; says how many. */
  migrate(): Promise<Migrated>;
  /** PGlite only: the data directory as a tarball, to start other instances from. */
  dump?(compression?: 'none' | 'gzip'): Promise<Blob>;
  close(): Promise<void>;
}

const migrationsFolder = fileURLToPath(new URL('../../../drizzle', import.meta.url));

export interface Migrated {
  /** Migrations this call applied. */
  applied: number;
  /** Migrations the service has (drizzle/). */
  total: number;
}

/** How many migrations Drizzle has recorded as applied (none before the first). */
const appliedCount = (query: (text: string) => Promise<{ rows: unknown[] }>) =>
  query(
    `select count(*)::int as n from pg_catalog.pg_tables
       where schemaname = 'drizzle' and tablename = '__drizzle_migrations'`,
  ).then(async ({ rows }) => {
    if ((rows[0] as { n: number }).n === 0) return 0;
    const r = await query('select count(*)::int as n from drizzle.__drizzle_migrations');
    return (r.rows[0] as { n: number }).n;
  });

/** Runs `apply` and reports what it did. */
async function counted(
  query: (text: string) => Promise<{ rows: unknown[] }>,
  apply: () => Promise<void>,
): Promise<Migrated> {
  const before = await appliedCount(query);
  await apply();
  const after = await appliedCount(query);
  return { applied: after - before, total: readMigrationFiles({ migrationsFolder }).length };
}
// Any constant will do: it only has to be the same in every process of this service.
const MIGRATION_LOCK = 7_042_001;

const PREPARE_MAX_TEXT = 8192;
/**
 * Starts a statement that must be planned for its values on every run (statements.ts
 * `planEachRun`): sent unnamed, so PostgreSQL never settles on one generic plan for all values.
 */
export const PLAN_EACH_RUN = '/* planned for its values on every run */ ';
const statementNames = new Map<string, string>();

/** A statement name for `text`: the same text always gets the same name. */
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (!name) {
    name = `s_${createHash('sha1').update(text).digest('base64url').slice(0, 24)}`;
    if (statementNames.size > 5000) statementNames.clear();
    statementNames.set(text, name);
  }
  return name;
}

/**
 * A node-postgres client that makes every statement with parameters a named prepared statement on
 * its connection, as postgres.js and pgx do: PostgreSQL parses and plans a text once per
 * connection instead of on every call (measured here: a two-table lookup 0.08 ms prepared, 0.23 ms
 * not). Long texts (an import batch's), statements without parameters and those that must be
 * planned for their values (PLAN_EACH_RUN) are sent as they are.
 */
class PreparingClient extends pg.Client {
  // pg's overloads make an exact signature unwieldy; this only adds a name before passing on.
  query(config: unknown, values?: unknown, callback?: unknown): never {
    const c = config as { text?: unknown; name?: unknown; values?: unknown[] } | null;
    const params = Array.isArray(values) ? values : c?.values;
    if (
      c &&
      typeof c === 'object' &&
      typeof c.text === 'string' &&
      c.name === undefined &&
      params &&
      params.length > 0 &&
      c.text.length <= PREPARE_MAX_TEXT &&
      !c.text.startsWith(PLAN_EACH_RUN)
    ) {
      config = { ...c, name: statementName(c.text) };
    }
    return (super.query as (...a: unknown[]) => never)(config, values, callback);
  }
}

export interface DatabaseOptions {
  url?: string;
  /** PGlite data directory; undefined keeps the embedded database in memory (tests). */
  dataDir?: string;
  /** A PGlite data directory dump to start from (tests reuse one migrated golden copy). */
  loadDataDir?: Blob;
  poolSize?: number;
}

/**
 * Settings of the API's sessions, after any `options` the URL gives. The API runs many small
 * statements at once: parallel workers only take the cores from other requests (and made the
 * planner pick a parallel scan of every offer for a search an index answers in 3 ms: 30 ms and
 * 20× the CPU), and JIT compiling cost 100-300 ms on statements over a million rows that run in
 * less.
 */
function sessionOptions(url: string): string {
  const given = new URL(url).searchParams.get('options');
  return [given, '-c max_parallel_workers_per_gather=0 -c jit=off'].filter(Boolean).join(' ');
}

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  const queries: Database['queries'] = { count: 0 };
  const logger: Logger = {
    logQuery: (text) => {
      queries.count++;
      queries.texts?.push(text);
    },
  };

  if (opts.url) {
    const pool = new pg.Pool({
      connectionString: opts.url,
      options: sessionOptions(opts.url),
      max: opts.poolSize ?? 10,
      Client: PreparingClient,
      // Each connection keeps the statements it prepared; replacing it now and then bounds them.
      maxUses: 10_000,
    });
    // An idle client that loses its server must not crash the process; the pool replaces it.
    pool.on('error', () => {});
    const db = drizzlePg({ client: pool, schema, logger }) as unknown as Db;
    return {
      db,
      kind: 'postgres',
      queries,
      ping: async () => void (await pool.query('select 1')),
      migrate: async () => {
        // One connection holds an advisory lock, so processes starting together migrate in turn.
        const conn = new pg.Client({ connectionString: opts.url });
        await conn.connect();
        try {
          await conn.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
          return await counted(
            (text) => conn.query(text),
            () => migratePg(drizzlePg({ client: conn }), { migrationsFolder }),
          );
        } finally {
          await conn.end();
        }
      },
      close: () => pool.end(),
    };
  }

  const client = await PGlite.create({ dataDir: opts.dataDir, loadDataDir: opts.loadDataDir });
  const db = drizzlePglite({ client, schema, logger }) as unknown as Db;
  return {
    db,
    kind: 'pglite',
    queries,
    ping: async () => void (await client.query('select 1')),
    migrate: () =>
      counted(
        (text) => client.query(text),
        () => migratePglite(drizzlePglite({ client }), { migrationsFolder }),
      ),
    dump: (compression = 'none') => client.dumpDataDir(compression),
    close: () => client.close(),
  };
}
