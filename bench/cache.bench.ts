// A cached catalog page on one API process at 100,000 offers, and what the rate limiter costs per
// request. The real server (dist/server.js, compiled) in its own process; autocannon at 16
// connections here.
//   BENCH_CACHE_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/purchases_bench_cache, RECREATED)
//   BENCH_REDIS_URL (redis://127.0.0.1:6379/9; keys under a fresh prefix), BENCH_OFFERS (100000),
//   BENCH_SECONDS per run (10)
import autocannon from 'autocannon';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { openDatabase } from '../src/platform/db/client.js';
import { recreateDatabase, seedCatalog } from './catalog-data.js';
import { cpuSeconds, saveReport, startServer } from './lib.js';

const url =
  process.env.BENCH_CACHE_DATABASE_URL ??
  'postgres://postgres@127.0.0.1:5432/purchases_bench_cache';
const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/9';
const OFFERS = Number(process.env.BENCH_OFFERS ?? 100_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 16;
const RUNS = 3;
const PAGE = '/products/?page_size=20';

async function cannon(base: string, duration: number, pid?: number) {
  const before = cpuSeconds(pid);
  const loadavgBefore = os.loadavg()[0]!;
  const r = await autocannon({ url: base + PAGE, connections: CONNECTIONS, duration });
  const failed = r.non2xx + r.errors + r.timeouts;
  if (failed > 0) throw new Error(`${failed} failed requests (non-2xx/errors/timeouts)`);
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    cpuMsPerRequest: Number((((cpuSeconds(pid) - before) * 1000) / r.requests.total).toFixed(4)),
    loadavgBefore,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Setup {
  name: string;
  env: Record<string, string>;
}

async function measure(setup: Setup) {
  const { child, base } = await startServer(url, setup.env);
  try {
    const probe = await (await fetch(base + PAGE)).json();
    await cannon(base, 3); // warm-up: JIT, and the page is in the cache after the first request
    const runs = [];
    for (let i = 0; i < RUNS; i++) {
      const r = await cannon(base, SECONDS, child.pid);
      runs.push(r);
      console.log(
        `  ${setup.name} run ${i + 1}: ${r.rps.toFixed(0)} req/s, p99 ${r.p99} ms, ${r.cpuMsPerRequest} CPU ms/req`,
      );
    }
    const stats = await fetch(base + '/metrics').then((r) => r.text());
    const hits = Number(/purchases_cache_hits (\d+)/.exec(stats)?.[1] ?? 0);
    return {
      setup: setup.name,
      matching: probe.count as number,
      rps: median(runs.map((r) => r.rps)),
      p99: median(runs.map((r) => r.p99)),
      cpu: median(runs.map((r) => r.cpuMsPerRequest)),
      cacheHits: hits,
      runs,
    };
  } finally {
    await new Promise((r) => setTimeout(r, 500));
    child.kill('SIGTERM');
  }
}

async function main() {
  console.log(`cache: building ${OFFERS} offers in ${url.replace(/\/\/[^@]*@/, '//')} …`);
  await recreateDatabase(url);
  const database = await openDatabase({ url });
  await database.migrate();
  await database.close();
  await seedCatalog(url, OFFERS);

  const redis = () => ({
    REDIS_URL: redisUrl,
    REDIS_PREFIX: `bench-${randomBytes(4).toString('hex')}:`,
  });
  const setups: Setup[] = [
    { name: 'Redis cache, Redis limits', env: redis() },
    { name: 'Redis cache, limits off', env: { ...redis(), THROTTLE_ENABLED: 'false' } },
    { name: 'memory cache, memory limits', env: {} },
    { name: 'memory cache, limits off', env: { THROTTLE_ENABLED: 'false' } },
  ];
  const rows: Awaited<ReturnType<typeof measure>>[] = [];
  for (const s of setups) rows.push(await measure(s));

  const overhead = (on: (typeof rows)[number], off: (typeof rows)[number]) => ({
    rpsLossPct: Number((((off.rps - on.rps) / off.rps) * 100).toFixed(1)),
    cpuPct: Number((((on.cpu - off.cpu) / off.cpu) * 100).toFixed(1)),
  });
  const redisOverhead = overhead(rows[0]!, rows[1]!);
  const memoryOverhead = overhead(rows[2]!, rows[3]!);
  const report = {
    bench: 'cache',
    date: new Date().toISOString(),
    machine: {
      cpu: `${os.cpus()[0]?.model ?? 'unknown'} × ${os.cpus().length}`,
      node: process.version,
      note: 'PostgreSQL, Redis, the API process and autocannon share these cores.',
    },
    offers: OFFERS,
    path: PAGE,
    connections: CONNECTIONS,
    secondsPerRun: SECONDS,
    targets: { cachedPageRps: 10_000, limiterOverheadPct: 10 },
    results: rows,
    limiterOverhead: { redis: redisOverhead, memory: memoryOverhead },
  };
  const md = [
    `# Cached catalog page and rate-limit overhead at ${OFFERS.toLocaleString('en')} offers (${report.date})`,
    '',
    `Machine: ${report.machine.cpu}, Node ${report.machine.node}. ${report.machine.note}`,
    `GET ${PAGE} on one API process, autocannon ${CONNECTIONS} connections, ${SECONDS} s per run, median of ${RUNS} runs after a 3 s warm-up.`,
    '',
    '| setup | req/s | p99 ms | API CPU ms/req |',
    '|---|---|---|---|',
    ...rows.map((r) => `| ${r.setup} | ${r.rps.toFixed(0)} | ${r.p99} | ${r.cpu} |`),
    '',
    `Cached page, Redis: ${rows[0]!.rps.toFixed(0)} req/s (target ≥ 10,000: ${rows[0]!.rps >= 10_000 ? 'met' : 'NOT met'}).`,
    `Rate limiter overhead with Redis: ${redisOverhead.rpsLossPct}% fewer req/s, ${redisOverhead.cpuPct}% more API CPU per request ` +
      `(target ≤ 10%: ${Math.max(redisOverhead.rpsLossPct, redisOverhead.cpuPct) <= 10 ? 'met' : 'NOT met'}); ` +
      `in memory: ${memoryOverhead.rpsLossPct}% / ${memoryOverhead.cpuPct}%.`,
    '',
  ].join('\n');
  await saveReport('cache', report, md);
  console.log(md);
}

await main();
