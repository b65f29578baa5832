// Migrates once per run: PostgreSQL when TEST_DATABASE_URL is set, else a PGlite golden copy
// that every test file loads, so no file pays for migrations.
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../src/platform/db/client.js';

declare module 'vitest' {
  export interface ProvidedContext {
    goldenPath: string;
  }
}

export default async function setup(project: TestProject) {
  const url = process.env.TEST_DATABASE_URL;
  const database = await openDatabase(url ? { url } : {});
  await database.migrate();
  const goldenPath = join(tmpdir(), `purchases-golden-${process.pid}.tar`);
  if (database.dump)
    await writeFile(goldenPath, Buffer.from(await (await database.dump()).arrayBuffer()));
  await database.close();
  project.provide('goldenPath', goldenPath);
}
