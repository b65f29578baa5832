// A migrated embedded database kept as a tarball, named after what it is made from (every
// migration file, PGlite's and Drizzle's versions). A first start loads it instead of running
// PGlite's initdb and every migration (about a second instead of 5–15 s here), and the tests start
// from it. `npm ci` makes it (the `prepare` script runs this file); a start without one, or with
// one of other migrations, simply creates and migrates the database itself.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase } from './client.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const migrations = join(root, 'drizzle');
/** Beside the installed packages, like other tools' caches: gone with node_modules. */
export const TEMPLATE_DIR = join(root, 'node_modules', '.cache', 'purchases-api');

const versionOf = (pkg: string) =>
  (
    JSON.parse(readFileSync(join(root, 'node_modules', pkg, 'package.json'), 'utf8')) as {
      version: string;
    }
  ).version;

/** A hash of what the template is made from: every migration file and both versions. */
function templateKey(): string {
  const hash = createHash('sha256');
  hash.update(`pglite ${versionOf('@electric-sql/pglite')} drizzle ${versionOf('drizzle-orm')}\n`);
  const files = readdirSync(migrations, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
  for (const file of files)
    hash.update(`${file.slice(migrations.length)}\n`).update(readFileSync(file));
  return hash.digest('hex').slice(0, 16);
}

/** Where the template of the current migrations is, or would be. */
export const templatePath = () => join(TEMPLATE_DIR, `pglite-${templateKey()}.tar.gz`);

/** The template of the current migrations, if one has been made. */
export function currentTemplate(): string | undefined {
  const path = templatePath();
  return existsSync(path) ? path : undefined;
}

/** Makes the template of the current migrations unless it exists; drops templates of older ones. */
export async function makeTemplate(): Promise<{ path: string; made: boolean }> {
  const path = templatePath();
  if (existsSync(path)) return { path, made: false };
  const database = await openDatabase({});
  try {
    await database.migrate();
    await mkdir(TEMPLATE_DIR, { recursive: true });
    // Written aside and renamed: a process starting meanwhile never reads half a file.
    const partial = `${path}.${process.pid}`;
    await writeFile(partial, Buffer.from(await (await database.dump!('gzip')).arrayBuffer()));
    await rename(partial, path);
  } finally {
    await database.close();
  }
  for (const old of await readdir(TEMPLATE_DIR))
    if (old.startsWith('pglite-') && join(TEMPLATE_DIR, old) !== path)
      await rm(join(TEMPLATE_DIR, old), { force: true });
  return { path, made: true };
}

// `tsx src/platform/db/template.ts` (npm's `prepare`, after `npm ci`): never fails the install.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = Date.now();
  makeTemplate().then(
    ({ path, made }) =>
      console.log(
        made
          ? `Embedded database template made in ${((Date.now() - started) / 1000).toFixed(1)} s: ${path}`
          : `Embedded database template is current: ${path}`,
      ),
    (err: unknown) =>
      console.warn('No embedded database template (first start will be slower):', err),
  );
}
