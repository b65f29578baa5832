// Shared by the partner tests (a plain module, so importing it runs no tests).
import { readFileSync } from 'node:fs';
import { client } from '../../../test/client.js';
import type { Harness, TestUser } from '../../../test/harness.js';

export const FIXTURE = readFileSync(
  new URL('../../../test/fixtures/shop1.yaml', import.meta.url),
  'utf8',
);
let n = 0;

/** shop1.yaml under a shop name of its own, since shop names are unique across accounts. */
export const shopYaml = (label = 'Shop') =>
  FIXTURE.replace(/^shop: .*$/m, `shop: ${label} ${process.pid}-${Date.now()}-${++n}`);

/** POST /partner/update/ with a YAML body, as `user` (anonymously when null). */
export const importYaml = (h: Harness, user: TestUser | null, yaml: string, query = '') =>
  client(h, user).post(`/partner/update/${query}`, undefined, {
    payload: yaml,
    contentType: 'application/yaml',
  });
