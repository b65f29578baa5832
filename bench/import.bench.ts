// Price-list import on PostgreSQL: 1,000 / 10,000 / 100,000 goods (20 categories, 4 parameters
// each): first import, unchanged re-import, re-import with 10% changed prices.
//   BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/purchases_bench, RECREATED)
// Each size runs in its own process so its peak RSS is its own. Times include YAML parsing and
// validation (readPriceList) and the whole transaction (importPriceList), as the HTTP route does.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { users } from '../src/modules/accounts/accounts.tables.js';
import type { ImportSummary } from '../src/modules/catalog/index.js';
import { importPriceList } from '../src/modules/catalog/catalog.import.js';
import { readPriceList } from '../src/modules/partner/price-list.yaml.js';
import { openDatabase, type Database } from '../src/platform/db/client.js';
import { recreateDatabase } from './catalog-data.js';
import { generatePriceList } from './generate-price-list.js';
import { saveReport } from './lib.js';

const url = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/purchases_bench';
const SIZES = [
  { goods: 1_000, runs: 5 },
  { goods: 10_000, runs: 3 },
  { goods: 100_000, runs: 1 },
];
const TARGETS = { firstImport100kS: 10, unchangedReimport100kS: 5, peakRssMb: 400 };

interface Step {
  seconds: number;
  parseSeconds: number;
  summary: Omit<ImportSummary, 'shop'>;
}
interface SizeResult {
  goods: number;
  runs: number;
  yamlMb: number;
  first: Step[];
  unchanged: Step[];
  changed10: Step[];
  peakRssMb: number;
  /** Highest V8 heap in use, sampled every 50 ms (the rest of RSS is code, buffers, free heap). */
  peakHeapMb?: number;
  /** 1-minute load average as the size started: other work on the machine slows every figure. */
  loadavgBefore?: number;
}

async function timed(database: Database, userId: number, text: string): Promise<Step> {
  const t0 = performance.now();
  const list = readPriceList(text);
  const t1 = performance.now();
  const { shop: _shop, ...summary } = await importPriceList(database.db, userId, list);
  const t2 = performance.now();
  return { seconds: (t2 - t0) / 1000, parseSeconds: (t1 - t0) / 1000, summary };
}

/** Child process: all runs of one size; prints its result as JSON on the last line. */
async function runSize(goods: number, runs: number, dir: string) {
  const database = await openDatabase({ url });
  const result: SizeResult = {
    goods,
    runs,
    yamlMb: 0,
    first: [],
    unchanged: [],
    changed10: [],
    peakRssMb: 0,
  };
  let peakHeap = 0;
  const sampler = setInterval(() => {
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  }, 50);
  try {
    for (let run = 0; run < runs; run++) {
      const [user] = await database.db
        .insert(users)
        .values({
          email: `bench-${goods}-${run}-${Date.now()}@example.com`,
          passwordHash: 'x',
          firstName: 'B',
          lastName: 'B',
          type: 'shop',
          isActive: true,
        })
        .returning();
      // Files written by the parent, so generating them does not count in this process's memory.
      let text = readFileSync(join(dir, `${goods}-${run}.yaml`), 'utf8');
      result.yamlMb = Buffer.byteLength(text) / 1048576;
      result.first.push(await timed(database, user!.id, text));
      result.unchanged.push(await timed(database, user!.id, text));
      text = readFileSync(join(dir, `${goods}-${run}-changed.yaml`), 'utf8');
      result.changed10.push(await timed(database, user!.id, text));
      text = '';
    }
  } finally {
    clearInterval(sampler);
    await database.close();
  }
  result.peakHeapMb = peakHeap / 1048576;
  result.peakRssMb = (process.resourceUsage().maxRSS * 1024) / 1048576;
  console.log(JSON.stringify(result));
}

/** A fresh database at `url`; returns the server's version for the report. */
async function recreate(): Promise<string> {
  await recreateDatabase(url);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ server_version: string }>('show server_version');
    return rows[0]!.server_version;
  } finally {
    await client.end();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (s: number) => s.toFixed(s < 1 ? 3 : 2);

async function main() {
  const postgres = await recreate();
  const database = await openDatabase({ url });
  await database.migrate();
  await database.close();

  const results: SizeResult[] = [];
  for (const { goods, runs } of SIZES) {
    console.log(`import: ${goods} goods × ${runs} run(s)…`);
    const dir = mkdtempSync(join(os.tmpdir(), 'bench-import-'));
    for (let run = 0; run < runs; run++) {
      const opts = {
        shop: `Bench ${goods} ${run} ${Date.now()}`,
        tag: `${goods}-${run}-${Date.now()}`,
      };
      writeFileSync(join(dir, `${goods}-${run}.yaml`), generatePriceList(goods, opts));
      const changed = generatePriceList(goods, { ...opts, changedPrices: 0.1 });
      writeFileSync(join(dir, `${goods}-${run}-changed.yaml`), changed);
    }
    const loadavgBefore = os.loadavg()[0]!;
    const args = ['--size', String(goods), String(runs), dir];
    const out = execFileSync(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(import.meta.url), ...args],
      {
        env: process.env,
        maxBuffer: 64 * 1024 * 1024,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    ).toString();
    rmSync(dir, { recursive: true, force: true });
    const r = { ...(JSON.parse(out.trim().split('\n').at(-1)!) as SizeResult), loadavgBefore };
    results.push(r);
    console.log(
      `  first ${fmt(median(r.first.map((s) => s.seconds)))} s, unchanged ${fmt(median(r.unchanged.map((s) => s.seconds)))} s, ` +
        `10% prices ${fmt(median(r.changed10.map((s) => s.seconds)))} s, peak RSS ${r.peakRssMb.toFixed(0)} MB`,
    );
  }

  const machine = {
    cpu: `${os.cpus()[0]?.model ?? 'unknown'} × ${os.cpus().length}`,
    memoryGb: Math.round(os.totalmem() / 1024 ** 3),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    postgres,
  };
  const report = {
    benchmark: 'price-list import',
    date: new Date().toISOString(),
    machine,
    targets: TARGETS,
    results,
  };

  const rows = results.map((r) => {
    const m = (steps: Step[]) => median(steps.map((s) => s.seconds));
    const rate = (r.goods / m(r.first)).toFixed(0);
    return `| ${r.goods.toLocaleString('en')} | ${r.yamlMb.toFixed(1)} | ${r.runs} | ${fmt(m(r.first))} (${rate} goods/s) | ${fmt(median(r.first.map((s) => s.parseSeconds)))} | ${fmt(m(r.unchanged))} | ${fmt(m(r.changed10))} (${r.changed10[0]!.summary.updated} updated) | ${r.peakRssMb.toFixed(0)} | ${r.peakHeapMb?.toFixed(0) ?? '?'} | ${r.loadavgBefore?.toFixed(1) ?? '?'} |`;
  });
  const md = [
    '# Price-list import benchmark',
    '',
    `Run ${report.date} with \`npm run bench -- import\`.`,
    `Machine: ${machine.cpu}, ${machine.memoryGb} GB, ${machine.os}, Node ${machine.node}, PostgreSQL ${machine.postgres}.`,
    '',
    'Seconds, median of the runs; each includes parsing and validating the YAML (shown apart too).',
    `Targets for 100,000 goods: first import ≤ ${TARGETS.firstImport100kS} s, unchanged re-import ≤ ${TARGETS.unchangedReimport100kS} s, peak RSS ≤ ${TARGETS.peakRssMb} MB.`,
    '',
    '| goods | YAML MB | runs | first import s | of which parse s | unchanged s | 10% prices changed s | peak RSS MB | peak heap MB | load avg |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    'Load avg is the 1-minute load as the size started (2 cores: above 2, other work shares them).',
    'How: `jit = off` in the import transaction (each batch statement spent ~330 ms JIT-compiling);',
    'a per-offer `content_hash`, so a re-import probes (external id, digest) and writes only new,',
    'changed or withdrawn goods; a line parser for block-style goods (js-yaml for anything else).',
    '',
  ].join('\n');
  await saveReport('import', report, md);
  console.log(md);
}

const sizeFlag = process.argv.indexOf('--size');
if (sizeFlag > 0) {
  const [goods, runs, dir] = process.argv.slice(sizeFlag + 1);
  await runSize(Number(goods), Number(runs), dir!);
} else {
  await main();
}
