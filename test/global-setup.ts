// Migrates once per run: PostgreSQL when TEST_DATABASE_URL is set, else the embedded database's
// migrated template (src/platform/db/template.ts, which `npm ci` makes) as a dump every test
// file loads, so no file pays for migrations and a run whose migrations did not change makes nothing.
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../src/platform/db/client.js';
import { templateDump } from '../src/platform/db/template.js';

declare module 'vitest' {
  export interface ProvidedContext {
    goldenPath: string;
  }
}

export default async function setup(project: TestProject) {
  const url = process.env.TEST_DATABASE_URL;
  if (url) {
    const database = await openDatabase({ url });
    await database.migrate();
    await database.close();
  }
  project.provide('goldenPath', await templateDump());
}
