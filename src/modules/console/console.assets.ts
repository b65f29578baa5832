// The console's stylesheet and script, read once and served from the app (no CDN, no build
// step). Their URLs carry a hash of the content, so browsers may keep them for long.
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { App } from '../../platform/http.js';
import { problem } from '../../platform/problems.js';

const FILES = {
  'console.css': 'text/css; charset=utf-8',
  'console.js': 'text/javascript; charset=utf-8',
} as const;
type Name = keyof typeof FILES;

const contents = Object.fromEntries(
  Object.keys(FILES).map((name) => [
    name,
    readFileSync(new URL(`./assets/${name}`, import.meta.url)),
  ]),
) as Record<Name, Buffer>;

const version = (name: Name) =>
  createHash('sha256').update(contents[name]).digest('hex').slice(0, 12);

/** The versioned URL of each asset, for the layout. */
export const assetUrls = {
  css: `/admin/static/console.css?v=${version('console.css')}`,
  js: `/admin/static/console.js?v=${version('console.js')}`,
};

export function installAssets(scope: App) {
  scope.get('/admin/static/:name', {
    config: { rateLimit: false },
    schema: { hide: true, params: z.object({ name: z.string() }) },
    handler: async (req, reply) => {
      const name = req.params.name as Name;
      if (!(name in FILES)) throw problem.notFound(`No console asset ${req.params.name}.`);
      return reply
        .type(FILES[name])
        .header('cache-control', 'public, max-age=31536000, immutable')
        .send(contents[name]);
    },
  });
}
