// `npm run import-price-list` as a user runs it: a child process against a real database.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { isPostgres, uniqueEmail } from '../../../test/harness.js';
import { users } from '../../platform/db/schema.js';
import { openDatabase } from '../../platform/db/client.js';
import { shopYaml } from './partner.test-helpers.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const run = promisify(execFile);
let dir: string;

beforeAll(async () => void (dir = await mkdtemp(join(tmpdir(), 'purchases-cli-'))));
afterAll(() => rm(dir, { recursive: true, force: true }));

function cli(args: string[], env: Record<string, string>) {
  return run(join(root, 'node_modules/.bin/tsx'), ['src/cli.ts', ...args], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: '', POSTGRES_DB: '', DATA_DIR: dir, ...env },
  }).then(
    (r) => ({ code: 0, out: r.stdout + r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({
      code: e.code,
      out: e.stdout + e.stderr,
    }),
  );
}

it('imports a price list file for a shop account', async () => {
  const env: Record<string, string> = isPostgres
    ? { DATABASE_URL: process.env.TEST_DATABASE_URL! }
    : {};
  // PGlite serves one process at a time: the test makes the account first, then lets the CLI in.
  const database = await openDatabase(
    isPostgres ? { url: env.DATABASE_URL } : { dataDir: join(dir, 'pglite') },
  );
  if (!isPostgres) await database.migrate();
  const email = uniqueEmail('cli-shop');
  await database.db.insert(users).values({
    email,
    passwordHash: 'x',
    firstName: 'Cli',
    lastName: 'Shop',
    type: 'shop',
    isActive: true,
  });
  await database.close();

  const file = join(dir, 'list.yaml');
  await writeFile(file, shopYaml('Cli'));
  const first = await cli(['import-price-list', '--shop-email', email, file], env);
  expect(first).toMatchObject({
    code: 0,
    out: expect.stringMatching(/4 categories, 14 created, 0 updated, 0 withdrawn/),
  });
  const unknown = await cli(['import-price-list', '--shop-email', uniqueEmail(), file], env);
  expect(unknown).toMatchObject({ code: 1, out: expect.stringMatching(/No account/) });
  await writeFile(file, 'shop: x\ncategories: []\ngoods: [{id: 1}]\n');
  const invalid = await cli(['import-price-list', '--shop-email', email, file], env);
  expect(invalid).toMatchObject({
    code: 1,
    out: expect.stringMatching(/goods\[0\]\.category: is required/),
  });
  const usage = await cli(['import-price-list', file], env);
  expect(usage).toMatchObject({ code: 1, out: expect.stringMatching(/--shop-email/) });
}, 120_000);
