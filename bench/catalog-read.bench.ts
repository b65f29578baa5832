// GET /products/ at 100,000 offers on PostgreSQL: the real server (src/server.ts) in its own
// process, autocannon at 16 connections from this one. Figures: median of 3 runs per scenario.
// Without any cache (CACHE_ENABLED=false); once with the rate limiter on (limits set out of reach,
// so it does all its work but never refuses) and once with THROTTLE_ENABLED=false. Besides req/s,
// the CPU per request of the API process and of its PostgreSQL backends, which other load on the
// machine barely moves.
//   BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/purchases_bench_read, RECREATED)
//   BENCH_OFFERS (100000), BENCH_SECONDS per run (10)
import autocannon from 'autocannon';
import os from 'node:os';
import pg from 'pg';
import { openDatabase } from '../src/platform/db/client.js';
import { recreateDatabase, seedCatalog } from './catalog-data.js';
import { cpuSeconds, saveReport, startServer } from './lib.js';

const url =
  process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/purchases_bench_read';
const OFFERS = Number(process.env.BENCH_OFFERS ?? 100_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 16;
const RUNS = 3;
const SEARCH = 'смартфоны samsung';

interface Scenario {
  name: string;
  path: string;
  target: { rps: number; p99?: number };
  /** Makes each request's path (to defeat the count reuse on purpose). */
  randomPath?: () => string;
  runs?: number;
}

/** The API without the response cache (the targets are for the database path). */
const startCatalogServer = (throttle: boolean) =>
  startServer(url, {
    CACHE_ENABLED: 'false',
    THROTTLE_ENABLED: String(throttle),
    // Production-like logging without Fastify's two lines per request (see LOG_REQUESTS).
    LOG_LEVEL: 'info',
    LOG_REQUESTS: 'false',
  });

async function cannon(
  base: string,
  s: Scenario,
  duration: number,
  serverPid?: number,
  dbPids: number[] = [],
) {
  const cpuBefore = cpuSeconds(serverPid);
  const dbCpuBefore = sum(dbPids.map(cpuSeconds));
  const result = await autocannon({
    url: base + s.path,
    connections: CONNECTIONS,
    duration,
    ...(s.randomPath
      ? { requests: [{ setupRequest: (req: object) => ({ ...req, path: s.randomPath!() }) }] }
      : {}),
  });
  const failed = result.non2xx + result.errors + result.timeouts;
  if (failed > 0) throw new Error(`${s.name}: ${failed} failed requests (non-2xx/errors/timeouts)`);
  // The API process's own CPU per request: unlike req/s, barely moved by other load on the machine.
  const serverCpuMsPerRequest =
    ((cpuSeconds(serverPid) - cpuBefore) * 1000) / result.requests.total;
  return {
    rps: result.requests.average,
    p99: result.latency.p99,
    p50: result.latency.p50,
    serverCpuMsPerRequest: Number(serverCpuMsPerRequest.toFixed(3)),
    dbCpuMsPerRequest: Number(
      (((sum(dbPids.map(cpuSeconds)) - dbCpuBefore) * 1000) / result.requests.total).toFixed(3),
    ),
  };
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** The PostgreSQL backends serving the API (same host: their CPU is read from /proc). */
async function backendPids(): Promise<number[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query<{ pid: number }>(
    'select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
  );
  await client.end();
  return rows.map((r) => r.pid);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  console.log(`catalog-read: building ${OFFERS} offers in ${url.replace(/\/\/[^@]*@/, '//')} …`);
  await recreateDatabase(url);
  const database = await openDatabase({ url });
  await database.migrate();
  await database.close();
  const started = Date.now();
  const { categoryId } = await seedCatalog(url, OFFERS);
  const seedSeconds = (Date.now() - started) / 1000;

  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const pgVersion = (await client.query<{ server_version: string }>('show server_version')).rows[0]!
    .server_version;
  await client.end();

  const targets: Scenario[] = [
    { name: 'plain', path: '/products/?page_size=20', target: { rps: 2000, p99: 50 } },
    {
      name: 'category_id',
      path: `/products/?category_id=${categoryId}&page_size=20`,
      target: { rps: 2000, p99: 50 },
    },
    {
      name: 'search',
      path: `/products/?search=${encodeURIComponent(SEARCH)}&page_size=20`,
      target: { rps: 1000 },
    },
  ];
  const countNeverReused: Scenario = {
    // Not a target: shows what the count costs when it cannot be reused (a new filter each time).
    name: 'plain, count never reused (informative)',
    path: '/products/?page_size=20',
    randomPath: () =>
      `/products/?page_size=20&price_max=${300_000 + Math.floor(Math.random() * 1e9)}`,
    target: { rps: 0 },
    runs: 1,
  };
  const rows = [];
  for (const throttle of [true, false]) {
    const { child: server, base } = await startCatalogServer(throttle);
    const scenarios = throttle ? targets : [...targets, countNeverReused];
    try {
      for (const s of scenarios) {
        const probe = await (await fetch(base + s.path)).json();
        console.log(
          `${s.name} (limiter ${throttle ? 'on' : 'off'}): ${probe.count} matching offers, ${probe.results.length} per page`,
        );
        await cannon(base, s, 3); // warm-up: JIT, plan caches, shared buffers, every pool connection
        const dbPids = await backendPids();
        const runs = [];
        for (let i = 0; i < (s.runs ?? RUNS); i++) {
          const load = os.loadavg()[0]!;
          const r = await cannon(base, s, SECONDS, server.pid, dbPids);
          runs.push({ ...r, loadavgBefore: load });
          console.log(
            `  run ${i + 1}: ${r.rps.toFixed(0)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, API ${r.serverCpuMsPerRequest} ms CPU/req, DB ${r.dbCpuMsPerRequest} ms CPU/req (load ${load.toFixed(2)})`,
          );
        }
        const rps = median(runs.map((r) => r.rps));
        const p99 = median(runs.map((r) => r.p99));
        const meets =
          s.target.rps === 0
            ? null
            : rps >= s.target.rps && (s.target.p99 === undefined || p99 <= s.target.p99);
        rows.push({
          scenario: s.name,
          limiter: throttle,
          path: s.path,
          matching: probe.count,
          rps,
          p99,
          cpu: median(runs.map((r) => r.serverCpuMsPerRequest)),
          dbCpu: median(runs.map((r) => r.dbCpuMsPerRequest)),
          load: median(runs.map((r) => r.loadavgBefore)),
          target: s.target,
          meets,
          runs,
        });
      }
    } finally {
      await new Promise((r) => setTimeout(r, 1000)); // let requests autocannon abandoned finish
      server.kill('SIGTERM');
      await new Promise((r) => server.once('exit', r));
    }
  }

  const machine = {
    cpu: `${os.cpus()[0]?.model ?? 'unknown'} × ${os.cpus().length}`,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    postgres: pgVersion,
    note:
      'PostgreSQL, the API process and autocannon share these cores; other engineers ran tests and ' +
      'benchmarks on the same machine during the run (load average per row).',
  };
  const report = {
    bench: 'catalog-read',
    date: new Date().toISOString(),
    machine,
    offers: OFFERS,
    seedSeconds,
    connections: CONNECTIONS,
    secondsPerRun: SECONDS,
    search: SEARCH,
    results: rows,
  };
  const md = [
    `# GET /products/ at ${OFFERS.toLocaleString('en')} offers (${report.date})`,
    '',
    `Machine: ${machine.cpu}, ${machine.memoryGb} GB, ${machine.os}, Node ${machine.node}, PostgreSQL ${machine.postgres}.`,
    machine.note,
    `autocannon, ${CONNECTIONS} connections, ${SECONDS} s per run, median of ${RUNS} runs (after a 3 s warm-up); page of 20.`,
    '',
    'No response cache (CACHE_ENABLED=false); LOG_LEVEL=info with LOG_REQUESTS=false. "limiter on": ' +
      'THROTTLE_ENABLED=true with limits out of reach (it counts every request, never refuses).',
    '',
    '| scenario | limiter | matching offers | req/s | p99 ms | API CPU ms/req | DB CPU ms/req | load | target | met |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.scenario} | ${r.limiter ? 'on' : 'off'} | ${r.matching} | ${r.rps.toFixed(0)} | ${r.p99} | ${r.cpu} | ${r.dbCpu} | ${r.load.toFixed(1)} | ${
          r.target.rps
            ? `≥ ${r.target.rps} req/s${r.target.p99 ? `, p99 ≤ ${r.target.p99} ms` : ''}`
            : '—'
        } | ${r.meets === null ? '—' : r.meets ? 'yes' : 'NO'} |`,
    ),
    '',
    `The load average before each run is in catalog-read.json (loadavgBefore); the machine has ${os.cpus().length} cores.`,
    '',
  ].join('\n');
  await saveReport('catalog-read', report, md);
  console.log(md);
}

await main();
