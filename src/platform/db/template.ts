// A migrated embedded database kept as a data directory, named after what it is made from (every
// migration file, PGlite's and Drizzle's versions). A first start copies it instead of running
// PGlite's initdb and every migration (5–15 s here), or loading a dump (about 4.5 s: PGlite
// unpacks it file by file through its virtual file system); a copy takes a fraction of a second.
// `npm ci` makes it (the `prepare` script runs this file); a start without one, or with one of
// other migrations, simply creates and migrates the database itself.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cp, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
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
export const templatePath = () => join(TEMPLATE_DIR, `pglite-${templateKey()}`);

/** The template of the current migrations, if one has been made (and its name can be known). */
export function currentTemplate(): string | undefined {
  try {
    const path = templatePath();
    return existsSync(join(path, 'PG_VERSION')) ? path : undefined;
  } catch {
    return undefined; // a package unreadable: a start without the template still works
  }
}

/** Makes the template of the current migrations unless it exists; drops templates of older ones. */
export async function makeTemplate(): Promise<{ path: string; made: boolean }> {
  const path = templatePath();
  if (currentTemplate()) return { path, made: false };
  await mkdir(TEMPLATE_DIR, { recursive: true });
  // Made aside and renamed: a process starting meanwhile never copies half a directory.
  const partial = `${path}.${process.pid}`;
  await rm(partial, { recursive: true, force: true });
  const database = await openDatabase({ dataDir: partial });
  try {
    await database.migrate();
  } finally {
    await database.close();
  }
  try {
    await rename(partial, path);
  } catch (err) {
    // Another install made it meanwhile: theirs is as good as ours.
    await rm(partial, { recursive: true, force: true });
    if (!currentTemplate()) throw err;
  }
  // Templates of earlier migrations, their dumps and the gzip dumps of earlier versions of this
  // file; never a partial one, which another install may be making.
  const keep = [basename(path), `${basename(path)}.tar`];
  for (const old of await readdir(TEMPLATE_DIR))
    if (/^pglite-[0-9a-f]{16}(\.tar(\.gz)?)?$/.test(old) && !keep.includes(old))
      await rm(join(TEMPLATE_DIR, old), { recursive: true, force: true });
  return { path, made: true };
}

/**
 * The template as one dump file, for the tests: each test file loads it into an in-memory
 * database of its own. Made from the template once, beside it.
 */
export async function templateDump(): Promise<string> {
  const { path: template } = await makeTemplate();
  const dump = `${template}.tar`;
  if (existsSync(dump)) return dump;
  const copy = `${template}.${process.pid}.copy`;
  await cp(template, copy, { recursive: true });
  const database = await openDatabase({ dataDir: copy });
  try {
    const partial = `${dump}.${process.pid}`;
    await writeFile(partial, Buffer.from(await (await database.dump!()).arrayBuffer()));
    await rename(partial, dump);
  } finally {
    await database.close();
    await rm(copy, { recursive: true, force: true });
  }
  return dump;
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
