// `npm run import-price-list` as a user runs it: a child process against a real database.
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { goldenDump, isPostgres, uniqueEmail } from '../../../test/harness.js';
import { users } from '../../platform/db/schema.js';
import { openDatabase } from '../../platform/db/client.js';
import { shopYaml } from './partner.test-helpers.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const run = promisify(execFile);
let dir: string;

beforeAll(async () => void (dir = await mkdtemp(join(tmpdir(), 'purchases-cli-'))));
afterAll(() => rm(dir, { recursive: true, force: true }));

function cli(args: string[], env: Record<string, string>) {
  return run(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: '', POSTGRES_DB: '', ...env },
  }).then(
    (r) => ({ code: 0, out: r.stdout + r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({
      code: e.code,
      out: e.stdout + e.stderr,
    }),
  );
}

it('imports a price list file for a shop account', async () => {
  const data = join(dir, 'data');
  await mkdir(data);
  const database = await openDatabase(
    isPostgres
      ? { url: process.env.TEST_DATABASE_URL! }
      : { dataDir: join(data, 'pglite'), loadDataDir: await goldenDump() },
  );
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
  // PGlite serves one process per data directory: each run that opens the database gets a copy
  // of the directory with the account, made before any starts, so the runs need not wait in turn.
  const copyOfData = async (name: string) => {
    if (isPostgres) return data;
    await cp(data, join(dir, name), { recursive: true });
    return join(dir, name);
  };
  const [unknownData, invalidData] = await Promise.all([
    copyOfData('unknown'),
    copyOfData('invalid'),
  ]);
  const env = (dataDir: string): Record<string, string> =>
    isPostgres
      ? { DATABASE_URL: process.env.TEST_DATABASE_URL!, DATA_DIR: dataDir }
      : { DATA_DIR: dataDir };

  const file = join(dir, 'list.yaml');
  const invalidFile = join(dir, 'invalid.yaml');
  await writeFile(file, shopYaml('Cli'));
  await writeFile(invalidFile, 'shop: x\ncategories: []\ngoods: [{id: 1}]\n');
  const [first, unknown, invalid, usage] = await Promise.all([
    cli(['import-price-list', '--shop-email', email, file], env(data)),
    cli(['import-price-list', '--shop-email', uniqueEmail(), file], env(unknownData)),
    cli(['import-price-list', '--shop-email', email, invalidFile], env(invalidData)),
    cli(['import-price-list', file], env(data)),
  ]);
  expect(first).toMatchObject({
    code: 0,
    out: expect.stringMatching(/4 categories, 14 created, 0 updated, 0 withdrawn/),
  });
  expect(unknown).toMatchObject({ code: 1, out: expect.stringMatching(/No account/) });
  expect(invalid).toMatchObject({
    code: 1,
    out: expect.stringMatching(/goods\[0\]\.category: is required/),
  });
  expect(usage).toMatchObject({ code: 1, out: expect.stringMatching(/--shop-email/) });
}, 120_000);
