// What the HTTP benchmarks share: a free port, the API started as its own process, CPU readings.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';

/**
 * The Node flags `npm start` gives the server (package.json), without the Sentry preload (off in
 * the benchmarks): the same heap sizing in every benchmark as in service.
 */
export const SERVICE_NODE_ARGS: string[] = (() => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: { start: string } };
  const args = pkg.scripts.start.split('&&').at(-1)!.trim().split(/\s+/).slice(1);
  const flags = args.slice(0, args.indexOf('dist/server.js'));
  const preload = flags.indexOf('--import');
  if (preload >= 0) flags.splice(preload, 2);
  return flags;
})();

/** Limits that are counted on every request but never reached: their cost without the 429s. */
export const UNLIMITED = '1000000000/s';

export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });

export interface BenchServer {
  child: ChildProcess;
  base: string;
  port: number;
}

/**
 * Starts the compiled server (`dist/server.js`) on PostgreSQL at `databaseUrl` with production
 * settings and limits that never refuse; `env` adds or overrides settings. Resolves once /health/ answers.
 */
export async function startServer(
  databaseUrl: string,
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
): Promise<BenchServer> {
  const port = Number(env.PORT ?? (await freePort()));
  // As `npm start` runs it: compiled to dist/ (scripts/build.mjs), without a loader.
  execFileSync(process.execPath, ['scripts/build.mjs']);
  const child = spawn(process.execPath, [...SERVICE_NODE_ARGS, ...nodeArgs, 'dist/server.js'], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      HOST: '127.0.0.1',
      PORT: String(port),
      SECRET_KEY: 'bench-secret',
      DEBUG: 'false',
      LOG_LEVEL: 'warn',
      // As the image sets it (Dockerfile): glibc keeps a malloc arena per thread that ever
      // allocated, and libvips' threads leave tens of MB in each; two arenas bound that.
      MALLOC_ARENA_MAX: '2',
      THROTTLE_ANON: UNLIMITED,
      THROTTLE_USER: UNLIMITED,
      THROTTLE_BURST: UNLIMITED,
      THROTTLE_SUSTAINED: UNLIMITED,
      ...env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 150; i++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    const ok = await fetch(`${base}/health/`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { child, base, port };
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill();
  throw new Error('server did not answer /health/ within 30 s');
}

/** A process's name, parent, and CPU ticks of its own and of its reaped children, from /proc. */
function procStat(pid: number | string) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
    return {
      pid: Number(pid),
      comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')),
      ppid: f[1]!,
      own: f[11]! + f[12]!, // utime + stime
      reaped: f[13]! + f[14]!,
    };
  } catch {
    return undefined;
  }
}

/** Clock ticks per second in /proc (USER_HZ). */
const USER_HZ = 100;

/** CPU seconds (user + system) a process has used, from /proc (Linux; 0 elsewhere). */
export function cpuSeconds(pid: number | undefined): number {
  return pid === undefined ? 0 : (procStat(pid)?.own ?? 0) / USER_HZ;
}

/** Peak resident memory of a process so far (Linux: VmHWM), in MB. */
export async function peakRssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return Math.round(Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
}

/**
 * CPU seconds of the whole PostgreSQL server on this host: the postmaster, its live children and
 * those it has reaped. (The pool replaces its connections now and then, so the CPU of a list of
 * backends taken once would lose theirs.) Background processes count too.
 */
export function postgresCpuSeconds(): number {
  const procs = readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(procStat)
    .filter((p) => p !== undefined);
  const byPid = new Map(procs.map((p) => [p.pid, p]));
  const postgres = procs.filter((p) => p.comm.startsWith('postgres'));
  const masters = postgres.filter((p) => !byPid.get(p.ppid)?.comm.startsWith('postgres'));
  let ticks = 0;
  for (const m of masters) {
    ticks += m.own + m.reaped;
    for (const p of postgres) if (p.ppid === m.pid) ticks += p.own;
  }
  return ticks / USER_HZ;
}

/**
 * Writes a benchmark's report as bench/results/<name>.md and .json (the latest), and keeps a copy
 * of the Markdown under bench/results/history/ named by its date, so earlier figures stay beside
 * the new ones.
 */
export async function saveReport(name: string, report: { date: string }, md: string) {
  const results = new URL('./results/', import.meta.url);
  const history = new URL('./results/history/', import.meta.url);
  await mkdir(history, { recursive: true });
  await writeFile(new URL(`${name}.json`, results), JSON.stringify(report, null, 2) + '\n');
  await writeFile(new URL(`${name}.md`, results), md);
  const stamp = report.date.replace(/[:.]/g, '-');
  await writeFile(new URL(`${stamp}-${name}.md`, history), md);
}
