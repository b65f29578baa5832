// Files several processes may race to create (the API and the worker starting together).
import { linkSync, rmSync, writeFileSync } from 'node:fs';

/**
 * Creates `file` holding `contents`, whole, unless it exists: written aside, then linked into
 * place (a link fails if the name is taken), so no process ever reads it empty or half written.
 * True if this call made it.
 */
export function createFileOnce(file: string, contents: string, mode = 0o644): boolean {
  const aside = `${file}.${process.pid}.tmp`;
  writeFileSync(aside, contents, { mode });
  try {
    linkSync(aside, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    rmSync(aside, { force: true });
  }
}
