// GET /products/ on PostgreSQL at 10,000, 100,000 and 1,000,000 offers (the curve): the real
// server (dist/server.js) in its own process, autocannon at 16 connections from this one.
// Figures: median of 3 runs per scenario. Without the response cache (CACHE_ENABLED=false) and
// with the rate limiter on (limits out of reach: it does all its work but never refuses); then the
// same plain page with the cache on. Besides req/s, the CPU per request of the API process and of
// PostgreSQL (all its processes), which other load on the machine barely moves, and the API's peak
// RSS.
//   BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/purchases_bench_read, RECREATED)
//   BENCH_SIZES (10000,100000,1000000), BENCH_SECONDS per run (10)
import autocannon from 'autocannon';
import os from 'node:os';
import pg from 'pg';
import { openDatabase } from '../src/platform/db/client.js';
import { recreateDatabase, seedCatalog } from './catalog-data.js';
import { cpuSeconds, peakRssMb, postgresCpuSeconds, saveReport, startServer } from './lib.js';

const url =
  process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/purchases_bench_read';
const SIZES = (process.env.BENCH_SIZES ?? '10000,100000,1000000').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 16;
const RUNS = 3;
const SEARCH = 'смартфоны samsung';
/** One colour: an eighth of all offers match (issue 15's `search=красный`). */
const BROAD_SEARCH = 'красный';

interface Scenario {
  name: string;
  path: string;
  target: { rps: number; p99?: number };
  /** Makes each request's path (to defeat the count reuse on purpose). */
  randomPath?: () => string;
  runs?: number;
}

/** The API with the rate limiter counting every request; without the response cache unless `cache`. */
const startCatalogServer = (cache: boolean) =>
  startServer(url, {
    CACHE_ENABLED: String(cache),
    THROTTLE_ENABLED: 'true',
    // Production-like logging without Fastify's two lines per request (see LOG_REQUESTS).
    LOG_LEVEL: 'info',
    LOG_REQUESTS: 'false',
  });

async function cannon(base: string, s: Scenario, duration: number, serverPid?: number) {
  const cpuBefore = cpuSeconds(serverPid);
  const dbCpuBefore = postgresCpuSeconds();
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
      (((postgresCpuSeconds() - dbCpuBefore) * 1000) / result.requests.total).toFixed(3),
    ),
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Row {
  offers: number;
  scenario: string;
  cache: boolean;
  path: string;
  matching: number;
  rps: number;
  p99: number;
  cpu: number;
  dbCpu: number;
  load: number;
  target: Scenario['target'];
  meets: boolean | null;
  runs: unknown[];
}

/** Runs `scenarios` against a fresh server; returns their rows and the server's peak RSS. */
async function measure(offers: number, cache: boolean, scenarios: Scenario[]) {
  const { child: server, base } = await startCatalogServer(cache);
  const rows: Row[] = [];
  try {
    for (const s of scenarios) {
      const probe = await (await fetch(base + s.path)).json();
      console.log(`${s.name}: ${probe.count} matching offers, ${probe.results.length} on the page`);
      await cannon(base, s, 3); // warm-up: JIT, plan caches, shared buffers, every pool connection
      const runs = [];
      for (let i = 0; i < (s.runs ?? RUNS); i++) {
        const load = os.loadavg()[0]!;
        const r = await cannon(base, s, SECONDS, server.pid);
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
        offers,
        scenario: s.name,
        cache,
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
    return { rows, peakRssMb: await peakRssMb(server.pid!) };
  } finally {
    await new Promise((r) => setTimeout(r, 1000)); // let requests autocannon abandoned finish
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
  }
}

/** The uncached scenarios at one size (the deep page is page 100, or the last when fewer). */
function scenariosFor(categoryId: number, inCategory: number): Scenario[] {
  const deepPage = Math.min(100, Math.ceil(inCategory / 20));
  return [
    { name: 'plain', path: '/products/?page_size=20', target: { rps: 2000, p99: 50 } },
    {
      name: 'category_id',
      path: `/products/?category_id=${categoryId}&page_size=20`,
      target: { rps: 2000, p99: 50 },
    },
    {
      name: `category_id, page ${deepPage}`,
      path: `/products/?category_id=${categoryId}&page=${deepPage}&page_size=20`,
      target: { rps: 1500 },
    },
    {
      name: `search "${SEARCH}"`,
      path: `/products/?search=${encodeURIComponent(SEARCH)}&page_size=20`,
      target: { rps: 1000, p99: 50 },
    },
    {
      name: `search "${BROAD_SEARCH}"`,
      path: `/products/?search=${encodeURIComponent(BROAD_SEARCH)}&page_size=20`,
      target: { rps: 1000, p99: 50 },
    },
    {
      // Not a target: what the count costs when it cannot be reused (a new filter each time).
      name: 'plain, count never reused (informative)',
      path: '/products/?page_size=20',
      randomPath: () =>
        `/products/?page_size=20&price_max=${300_000 + Math.floor(Math.random() * 1e9)}`,
      target: { rps: 0 },
      runs: 1,
    },
    {
      // Not a target: a search never seen before, each time (its words, or a random word no offer
      // has: the same matches), so its count and ranked matches are taken, not reused. (A word it
      // must not contain would make PostgreSQL recheck every match's row.)
      name: `search "${SEARCH} or <random word>", nothing reused (informative)`,
      path: `/products/?search=${encodeURIComponent(SEARCH)}&page_size=20`,
      randomPath: () =>
        `/products/?search=${encodeURIComponent(`${SEARCH} or zq${Math.floor(Math.random() * 1e12)}`)}&page_size=20`,
      target: { rps: 0 },
      runs: 1,
    },
  ];
}

async function main() {
  const rows: Row[] = [];
  const sizes = [];
  let pgVersion = '';
  for (const offers of SIZES) {
    console.log(`catalog-read: building ${offers} offers in ${url.replace(/\/\/[^@]*@/, '//')} …`);
    await recreateDatabase(url);
    const database = await openDatabase({ url });
    await database.migrate();
    await database.close();
    const started = Date.now();
    const { categoryId } = await seedCatalog(url, offers);
    const seedSeconds = (Date.now() - started) / 1000;
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    pgVersion = (await client.query<{ server_version: string }>('show server_version')).rows[0]!
      .server_version;
    const { rows: live } = await client.query<{ n: number }>(
      `select count(*)::int as n from offers o join shops s on s.id = o.shop_id and s.state
       where o.category_id = $1 and not o.withdrawn`,
      [categoryId],
    );
    await client.end();

    const uncached = await measure(offers, false, scenariosFor(categoryId, live[0]!.n));
    const cached = await measure(offers, true, [
      { name: 'plain, cache on', path: '/products/?page_size=20', target: { rps: 10_000 } },
    ]);
    rows.push(...uncached.rows, ...cached.rows);
    sizes.push({
      offers,
      seedSeconds,
      peakRssMbUncached: uncached.peakRssMb,
      peakRssMbCached: cached.peakRssMb,
    });
  }

  const machine = {
    cpu: `${os.cpus()[0]?.model ?? 'unknown'} × ${os.cpus().length}`,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    postgres: pgVersion,
    note: 'PostgreSQL, the API process and autocannon share these cores (load average per row).',
  };
  const report = {
    bench: 'catalog-read',
    date: new Date().toISOString(),
    machine,
    connections: CONNECTIONS,
    secondsPerRun: SECONDS,
    sizes,
    results: rows,
  };
  const target = (t: Scenario['target']) =>
    t.rps ? `≥ ${t.rps} req/s${t.p99 ? `, p99 ≤ ${t.p99} ms` : ''}` : '—';
  const md = [
    `# GET /products/ at ${SIZES.map((n) => n.toLocaleString('en')).join(' / ')} offers (${report.date})`,
    '',
    `Machine: ${machine.cpu}, ${machine.memoryGb} GB, ${machine.os}, Node ${machine.node}, PostgreSQL ${machine.postgres}.`,
    machine.note,
    `autocannon, ${CONNECTIONS} connections, ${SECONDS} s per run, median of ${RUNS} runs (after a 3 s warm-up); page of 20.`,
    'The server as `npm start` runs it (compiled, same Node flags), DEBUG=false, LOG_LEVEL=info with',
    'LOG_REQUESTS=false, the rate limiter on with limits out of reach (it counts every request, never',
    'refuses); CACHE_ENABLED=false except the "cache on" rows (Redis off: the in-process cache).',
    '',
    '| offers | scenario | matching offers | req/s | p99 ms | API CPU ms/req | DB CPU ms/req | load | target | met |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.offers.toLocaleString('en')} | ${r.scenario} | ${r.matching} | ${r.rps.toFixed(0)} | ${r.p99} | ${r.cpu} | ${r.dbCpu} | ${r.load.toFixed(1)} | ${target(r.target)} | ${r.meets === null ? '—' : r.meets ? 'yes' : 'NO'} |`,
    ),
    '',
    '| offers | seeding s | API peak RSS MB, uncached runs | API peak RSS MB, cached runs |',
    '|---|---|---|---|',
    ...sizes.map(
      (s) =>
        `| ${s.offers.toLocaleString('en')} | ${s.seedSeconds.toFixed(0)} | ${s.peakRssMbUncached} | ${s.peakRssMbCached} |`,
    ),
    '',
    `The load average before each run is in catalog-read.json (loadavgBefore); the machine has ${os.cpus().length} cores.`,
    '',
  ].join('\n');
  await saveReport('catalog-read', report, md);
  console.log(md);
}

await main();
