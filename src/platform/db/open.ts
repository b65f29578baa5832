// Opens the configured database: PostgreSQL when a URL is set, else PGlite in DATA_DIR, guarded
// by a lock file because PGlite serves one process per data directory.
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { cp, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config.js';
import { createFileOnce } from '../files.js';
import { openDatabase, type Database, type Migrated } from './client.js';
import { currentTemplate } from './template.js';

const lockFile = (dataDir: string) => join(dataDir, 'pglite.lock');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class DatabaseBusyError extends Error {}

/** Takes the embedded database for this process; a stale lock of a dead process is taken over. */
function lockDataDir(dataDir: string): () => void {
  const file = lockFile(dataDir);
  for (let tries = 0; tries < 2; tries++) {
    // Made whole (with the pid) or not at all: a lock read empty would look stale.
    if (createFileOnce(file, String(process.pid))) return () => rmSync(file, { force: true });
    const pid = Number(readFileSync(file, 'utf8'));
    if (pid && alive(pid) && pid !== process.pid) {
      throw new DatabaseBusyError(
        `The embedded database in ${dataDir} is in use by process ${pid} (a running server?), ` +
          'and it serves one process at a time. Stop that process (Ctrl+C where it runs, or ' +
          `kill ${pid}) and run this again; or use PostgreSQL (DATABASE_URL), where the ` +
          'server and the commands run side by side.',
      );
    }
    rmSync(file, { force: true });
  }
  throw new DatabaseBusyError(`Could not lock ${file}.`);
}

/** Where a start tells what it does to the database; silent when not given. */
type StartLog = { info(message: string): void };

/** A URL without its password, fit for a log line. */
function withoutPassword(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

function describeMigrated(where: string, { applied, total }: Migrated): string {
  return applied === 0
    ? `${where}: up to date (${total} migrations)`
    : `${where}: applied ${applied} of ${total} migrations`;
}

/** Opens and migrates the configured database, saying what it does when given a log. */
export async function openConfiguredDatabase(config: Config, log?: StartLog): Promise<Database> {
  if (config.DATABASE_URL) {
    const database = await openDatabase({ url: config.DATABASE_URL });
    const where = `PostgreSQL at ${withoutPassword(config.DATABASE_URL)}`;
    log?.info(`${where}: migrating`);
    log?.info(describeMigrated(where, await database.migrate()));
    return database;
  }
  mkdirSync(config.DATA_DIR, { recursive: true });
  const unlock = lockDataDir(config.DATA_DIR);
  try {
    const dataDir = join(config.DATA_DIR, 'pglite');
    const fresh = !existsSync(join(dataDir, 'PG_VERSION'));
    const template = fresh ? currentTemplate() : undefined;
    if (fresh)
      log?.info(
        template
          ? `Creating the embedded database in ${dataDir} from the migrated template (first start)`
          : `Creating the embedded database in ${dataDir} and migrating it (first start; ` +
              'without the template `npm ci` makes, this takes a while)',
      );
    if (template) {
      // Copied aside and renamed: a start that fails meanwhile leaves no half database behind.
      const partial = `${dataDir}.${process.pid}`;
      try {
        await cp(template, partial, { recursive: true });
        await rm(dataDir, { recursive: true, force: true });
        await rename(partial, dataDir);
      } finally {
        await rm(partial, { recursive: true, force: true });
      }
    }
    const database = await openDatabase({ dataDir });
    log?.info(describeMigrated(`Embedded database in ${dataDir}`, await database.migrate()));
    return {
      ...database,
      close: async () => {
        await database.close();
        unlock();
      },
    };
  } catch (err) {
    unlock();
    throw err;
  }
}
