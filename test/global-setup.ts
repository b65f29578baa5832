// Migrates once per run: PostgreSQL when TEST_DATABASE_URL is set, else a PGlite golden copy
// that every test file loads, so no file pays for migrations. The golden copy depends only on
// the migrations and the PGlite and Drizzle versions, so it is kept in the temp directory under
// their hash: a run whose migrations did not change skips creating and migrating a database.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { access, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../src/platform/db/client.js';

declare module 'vitest' {
  export interface ProvidedContext {
    goldenPath: string;
  }
}

const migrations = fileURLToPath(new URL('../drizzle/', import.meta.url));
const versionOf = (pkg: string) =>
  (
    JSON.parse(
      readFileSync(new URL(`../node_modules/${pkg}/package.json`, import.meta.url), 'utf8'),
    ) as { version: string }
  ).version;

/** A hash of what the golden copy is made from: every migration file and both versions. */
function goldenKey(): string {
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

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

export default async function setup(project: TestProject) {
  const url = process.env.TEST_DATABASE_URL;
  const goldenPath = join(tmpdir(), `purchases-golden-${goldenKey()}.tar`);
  if (!url && (await exists(goldenPath))) return void project.provide('goldenPath', goldenPath);

  const database = await openDatabase(url ? { url } : {});
  await database.migrate();
  if (database.dump) {
    // Written aside and renamed: a run starting meanwhile never reads half a file.
    const partial = `${goldenPath}.${process.pid}`;
    await writeFile(partial, Buffer.from(await (await database.dump()).arrayBuffer()));
    await rename(partial, goldenPath).catch(async (err: unknown) => {
      await rm(partial, { force: true });
      throw err;
    });
  }
  await database.close();
  project.provide('goldenPath', goldenPath);
}
