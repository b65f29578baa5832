// Opens the configured database: PostgreSQL when a URL is set, else PGlite in DATA_DIR, guarded
// by a lock file because PGlite serves one process per data directory.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config.js';
import { openDatabase, type Database } from './client.js';

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
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(readFileSync(file, 'utf8'));
      if (pid && alive(pid) && pid !== process.pid) {
        throw new DatabaseBusyError(
          `The embedded database in ${dataDir} is in use by process ${pid} (a running server?). ` +
            'Stop it first, do this through the HTTP API, or use PostgreSQL (DATABASE_URL) to run both together.',
        );
      }
      rmSync(file, { force: true });
    }
  }
  throw new DatabaseBusyError(`Could not lock ${file}.`);
}

/** Opens and migrates the configured database. */
export async function openConfiguredDatabase(config: Config): Promise<Database> {
  if (config.DATABASE_URL) {
    const database = await openDatabase({ url: config.DATABASE_URL });
    await database.migrate();
    return database;
  }
  mkdirSync(config.DATA_DIR, { recursive: true });
  const unlock = lockDataDir(config.DATA_DIR);
  try {
    const database = await openDatabase({ dataDir: join(config.DATA_DIR, 'pglite') });
    await database.migrate();
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
