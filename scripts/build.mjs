// `npm start` and `npm run worker` run JavaScript compiled from src/ into dist/ (same tree, same
// depths, so paths relative to a module still hold), not the TypeScript through tsx: tsx's loader
// hooks cost about 3 s of every start here, on every module of every dependency. This compiles
// each file alone with esbuild (what tsx does too; types are checked by `npm run check`) in about
// half a second, and copies the other files the code reads (views, console assets, data).
//
// Plain JavaScript, so it starts without a loader. Several commands may start together (the API
// and the worker): each file is written aside and renamed, and only when it changed, so a process
// that starts meanwhile reads whole files.
import { build } from 'esbuild';
import { readdir, readFile, rename, rm, writeFile, mkdir } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = join(root, 'src');
const dist = join(root, 'dist');
// Tests and the SQL snapshots the tests write (src/queries) are not part of what runs.
const isTest = (path) =>
  /\.test\.ts$|\.test-helpers\.ts$/.test(path) || path.startsWith(join(src, 'queries'));

const files = (await readdir(src, { recursive: true, withFileTypes: true }))
  .filter((e) => e.isFile())
  .map((e) => join(e.parentPath, e.name))
  .filter((path) => !isTest(path));

const compiled = await build({
  entryPoints: files.filter((f) => f.endsWith('.ts')),
  outdir: dist,
  outbase: src,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  write: false,
  logLevel: 'warning',
});
const outputs = compiled.outputFiles.map((f) => ({ path: f.path, contents: f.contents }));
for (const file of files.filter((f) => !f.endsWith('.ts')))
  outputs.push({ path: join(dist, relative(src, file)), contents: await readFile(file) });

/** Writes `contents` to `path` unless it holds them already; never leaves half a file. */
async function put({ path, contents }) {
  const old = await readFile(path).catch(() => undefined);
  if (old && Buffer.compare(old, contents) === 0) return false;
  await mkdir(dirname(path), { recursive: true });
  const aside = `${path}.${process.pid}.tmp`;
  await writeFile(aside, contents);
  await rename(aside, path);
  return true;
}

const written = (await Promise.all(outputs.map(put))).filter(Boolean).length;

// Compiled files of sources that are gone, so nothing can import a module that no longer exists.
const wanted = new Set(outputs.map((o) => o.path));
const present = (await readdir(dist, { recursive: true, withFileTypes: true }))
  .filter((e) => e.isFile() && /\.js(\.map)?$/.test(e.name))
  .map((e) => join(e.parentPath, e.name));
await Promise.all(present.filter((p) => !wanted.has(p)).map((p) => rm(p, { force: true })));

if (written > 0) console.log(`Compiled src/ into dist/ (${written} files changed).`);
