// ESLint rule `purchases/module-boundaries`: the layout of src/ kept by the linter.
//  - A module imports another module only through its index.ts (table files may import other
//    modules' table files, for foreign keys).
//  - Only tests may import the schema index (every module's tables) from a module.
//  - Nothing under src/modules, src/platform or src/lib but tests imports the entry points (app,
//    server, worker, cli); platform/ and lib/ import no module (the schema index collects the
//    tables).
import path from 'node:path';

const ENTRY_POINTS = new Set(['app.ts', 'server.ts', 'worker.ts', 'cli.ts']);

/** Where a file sits: { area: 'modules'|'platform'|'lib'|'root'|'outside', module?, rest }. */
export function placeOf(srcDir, file) {
  const rel = path.relative(srcDir, file);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return { area: 'outside', rest: rel };
  const parts = rel.split(path.sep);
  if (parts[0] === 'modules' && parts.length > 2)
    return { area: 'modules', module: parts[1], rest: parts.slice(2).join('/') };
  if (parts[0] === 'platform' || parts[0] === 'lib')
    return { area: parts[0], rest: parts.slice(1).join('/') };
  return { area: 'root', rest: rel };
}

const isTables = (rest) => /(^|\/)[^/]*\.tables\.ts$/.test(rest);
const isTest = (rest) => /\.test\.ts$|\.test-helpers\.ts$/.test(rest);

/** Why importing `target` from `from` breaks the layout, or null when it is allowed. */
export function violation(srcDir, from, target) {
  const a = placeOf(srcDir, from);
  const b = placeOf(srcDir, target);
  if (a.area === 'outside' || b.area === 'outside') return null;
  if (a.area !== 'root' && !isTest(a.rest) && b.area === 'root' && ENTRY_POINTS.has(b.rest))
    return `${b.rest} is an entry point; only server.ts, worker.ts, cli.ts and tests start the app`;
  if (a.area === 'modules' && b.area === 'modules' && a.module !== b.module) {
    if (b.rest === 'index.ts') return null;
    if (isTables(a.rest) && isTables(b.rest)) return null;
    return `module ${a.module} may use module ${b.module} only through modules/${b.module}/index.ts`;
  }
  if (a.area === 'modules' && b.area === 'platform' && b.rest === 'db/schema.ts' && !isTest(a.rest))
    return "platform/db/schema.ts holds every module's tables; use the owning module's index.ts";
  if ((a.area === 'platform' || a.area === 'lib') && b.area === 'modules') {
    if (a.area === 'platform' && a.rest === 'db/schema.ts' && isTables(b.rest)) return null;
    return `${a.area}/ imports no module (pass what it needs in, as auth takes a TokenLookup)`;
  }
  return null;
}

/** `.js` specifiers name the `.ts` sources (NodeNext resolution). */
const resolveSource = (from, spec) =>
  path.resolve(path.dirname(from), spec).replace(/\.js$/, '.ts');

export const moduleBoundaries = {
  meta: {
    type: 'problem',
    docs: {
      description: 'Modules meet only through their index.ts; platform/ and lib/ import no module',
    },
    schema: [{ type: 'object', properties: { srcDir: { type: 'string' } }, required: ['srcDir'] }],
    messages: { boundary: '{{why}}' },
  },
  create(context) {
    const { srcDir } = context.options[0];
    const file = context.filename;
    const check = (node, source) => {
      if (!source || typeof source.value !== 'string' || !source.value.startsWith('.')) return;
      const why = violation(srcDir, file, resolveSource(file, source.value));
      if (why) context.report({ node: source, messageId: 'boundary', data: { why } });
    };
    return {
      ImportDeclaration: (node) => check(node, node.source),
      ExportNamedDeclaration: (node) => check(node, node.source),
      ExportAllDeclaration: (node) => check(node, node.source),
      ImportExpression: (node) => check(node, node.source),
    };
  },
};

export default { rules: { 'module-boundaries': moduleBoundaries } };
