// The layout of src/ as docs/architecture.md describes it: no import circles, and the lint rule
// that keeps modules apart (eslint/module-boundaries.js) refuses what it should.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { getTableName, isTable } from 'drizzle-orm';
import { Linter } from 'eslint';
import { describe, expect, it } from 'vitest';
import boundaries from '../eslint/module-boundaries.js';

const srcDir = fileURLToPath(new URL('../src', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(full);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [full] : [];
  });
}

// Relative imports and re-exports; `import type`/`export type` vanish at run time.
const IMPORT = /(?:^|\n)\s*(?:import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?['"](\.[^'"]+)['"]/g;

function importGraph(runtimeOnly: boolean): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(srcDir)) {
    const text = readFileSync(file, 'utf8');
    const targets: string[] = [];
    for (const m of text.matchAll(IMPORT)) {
      if (runtimeOnly && m[1]) continue;
      targets.push(path.resolve(path.dirname(file), m[2]!).replace(/\.js$/, '.ts'));
    }
    graph.set(file, targets);
  }
  return graph;
}

/** Every circle found by a depth-first walk, as the files on it. */
function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') found.push(stack.slice(stack.indexOf(next)));
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return found.map((c) => c.map((f) => path.relative(srcDir, f)));
}

describe('the import graph of src/', () => {
  it('has no circles, counting type imports too', () => {
    const graph = importGraph(false);
    expect(graph.size).toBeGreaterThan(50);
    expect(cycles(graph)).toEqual([]);
  });

  it('finds a circle when there is one (the check can fail)', () => {
    const a = path.join(srcDir, 'a.ts');
    const b = path.join(srcDir, 'b.ts');
    expect(
      cycles(
        new Map([
          [a, [b]],
          [b, [a]],
        ]),
      ),
    ).toEqual([['a.ts', 'b.ts']]);
  });
});

describe('table ownership', () => {
  it('names each table in SQL text only inside the module that defines it', async () => {
    const files = sourceFiles(path.join(srcDir, 'modules'));
    const owners = new Map<string, string>();
    for (const file of files.filter((f) => f.endsWith('.tables.ts'))) {
      const module = path.relative(path.join(srcDir, 'modules'), file).split(path.sep)[0]!;
      const exported = (await import(file)) as Record<string, unknown>;
      for (const value of Object.values(exported))
        if (isTable(value)) owners.set(getTableName(value), module);
    }
    expect(owners.size).toBeGreaterThanOrEqual(15);
    const strays: string[] = [];
    for (const file of files) {
      const module = path.relative(path.join(srcDir, 'modules'), file).split(path.sep)[0]!;
      const text = readFileSync(file, 'utf8');
      for (const [table, owner] of owners) {
        const named = new RegExp(`\\b(from|into|update|join)\\s+"?${table}"?\\b`, 'i');
        if (owner !== module && named.test(text)) strays.push(`${table} in ${path.basename(file)}`);
      }
    }
    expect(strays).toEqual([]);
  });
});

describe('the module boundary rule', () => {
  const linter = new Linter({ configType: 'flat' });
  const lint = (file: string, code: string) =>
    linter
      .verify(
        code,
        [
          {
            files: ['**/*.ts'],
            plugins: { purchases: boundaries },
            rules: { 'purchases/module-boundaries': ['error', { srcDir }] },
          },
        ],
        path.join(srcDir, file),
      )
      .map((m) => m.message);

  it("refuses another module's internals, the app, and modules inside platform/ or lib/", () => {
    const from = 'modules/orders/orders.service.ts';
    expect(lint(from, "import { x } from '../catalog/catalog.stock.js';")).toEqual([
      'module orders may use module catalog only through modules/catalog/index.ts',
    ]);
    expect(lint(from, "export * from '../catalog/catalog.reads.js';")).toHaveLength(1);
    expect(lint(from, "import type { App } from '../../app.js';")).toHaveLength(1);
    expect(lint(from, "import { orders } from '../../platform/db/schema.js';")).toHaveLength(1);
    expect(
      lint('platform/auth.ts', "import { users } from '../modules/accounts/index.js';"),
    ).toEqual(['platform/ imports no module (pass what it needs in, as auth takes a TokenLookup)']);
    expect(lint('lib/money.ts', "import { a } from '../modules/orders/index.js';")).toHaveLength(1);
  });

  it('lets modules meet through index.ts, tables reference tables, and tests use the schema', () => {
    expect(
      lint('modules/orders/orders.service.ts', "import { a } from '../catalog/index.js';"),
    ).toEqual([]);
    expect(
      lint(
        'modules/orders/orders.tables.ts',
        "import { offers } from '../catalog/catalog.tables.js';",
      ),
    ).toEqual([]);
    expect(
      lint('platform/db/schema.ts', "export * from '../../modules/orders/orders.tables.js';"),
    ).toEqual([]);
    expect(
      lint(
        'modules/orders/orders.test.ts',
        "import { offers } from '../../platform/db/schema.js';",
      ),
    ).toEqual([]);
    expect(
      lint('modules/orders/orders.service.ts', "import { a } from './orders.repo.js';"),
    ).toEqual([]);
  });
});
