// The packages held back for Node 20 through package.json's `overrides` (cookie 1 under
// light-my-request, content-disposition 2 under @fastify/static: their newest lines need Node 22)
// still do what their dependants ask of them.
import staticFiles from '@fastify/static';
import Fastify from 'fastify';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
/** The version of `pkg` that `dependant` loads (its package.json sits above its entry point). */
function versionBeside(dependant: string, pkg: string): string {
  const entry = createRequire(require.resolve(dependant)).resolve(pkg);
  const dir = entry.slice(
    0,
    entry.lastIndexOf(`/node_modules/${pkg}/`) + `/node_modules/${pkg}`.length,
  );
  return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string })
    .version;
}

describe('dependencies held back for Node 20', () => {
  it('inject sends the cookies it is given (light-my-request with cookie 1.x)', async () => {
    expect(versionBeside('light-my-request', 'cookie')).toMatch(/^1\./);
    const app = Fastify();
    app.get('/', async (req) => ({ cookie: req.headers.cookie }));
    const res = await app.inject({ url: '/', cookies: { a: '1', b: 'два' } });
    expect(res.json()).toEqual({ cookie: `a=1; b=${encodeURIComponent('два')}` });
    await app.close();
  });

  it('@fastify/static names a downloaded file (content-disposition 2.x)', async () => {
    expect(versionBeside('@fastify/static', 'content-disposition')).toMatch(/^2\./);
    const root = await mkdtemp(join(tmpdir(), 'purchases-static-'));
    try {
      await writeFile(join(root, 'прайс.yaml'), 'shop: x\n');
      const app = Fastify();
      await app.register(staticFiles, { root, serve: false });
      app.get('/', (_req, reply) => reply.download('прайс.yaml'));
      const res = await app.inject('/');
      expect(res.body).toBe('shop: x\n');
      expect(res.headers['content-disposition']).toBe(
        `attachment; filename="?????.yaml"; filename*=UTF-8''${encodeURIComponent('прайс')}.yaml`,
      );
      await app.close();
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
