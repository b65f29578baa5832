// With Redis the API only enqueues and `npm run worker` runs the jobs. Started without one, mail
// and background imports would wait in Redis with nobody the wiser: this watch tells, in the API's
// log (once when it starts, once when a worker is back) and in GET /ready/.
import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from './clock.js';
import type { JobQueue } from './queue.js';

/** A worker silent this long (several missed heartbeats) counts as gone. */
export const WORKER_SILENT_MS = 60_000;
const CHECK_EVERY_MS = 30_000;

export interface WorkerWatch {
  /** What is wrong, in words: jobs wait and no worker has been seen lately; undefined if fine. */
  check(): Promise<string | undefined>;
  /** Checks every half minute until stop(), logging when the state changes. */
  start(): void;
  stop(): void;
}

export function createWorkerWatch(deps: {
  queue: Required<Pick<JobQueue, 'counts' | 'workerSeenAt'>>;
  clock: Clock;
  log: FastifyBaseLogger;
}): WorkerWatch {
  const { queue, clock, log } = deps;
  let timer: NodeJS.Timeout | undefined;
  let warned = false;

  async function check(): Promise<string | undefined> {
    const counts = await queue.counts();
    const waiting = Object.values(counts).reduce((n, c) => n + c.waiting, 0);
    if (waiting === 0) return undefined;
    const seen = await queue.workerSeenAt();
    const silentMs = seen ? clock.now().getTime() - seen.getTime() : Infinity;
    if (silentMs < WORKER_SILENT_MS) return undefined;
    const since = seen ? `for ${Math.round(silentMs / 60_000)} min` : 'yet';
    return (
      `${waiting} background job(s) (mail, imports) wait in Redis and no worker has been seen ` +
      `${since}: start one with \`npm run worker\`.`
    );
  }

  async function watch() {
    const problem = await check().catch(() => undefined); // Redis down: logged by redis.ts
    if (problem && !warned) log.warn(problem);
    if (!problem && warned) log.info('a worker runs the waiting jobs again');
    warned = Boolean(problem);
  }

  return {
    check,
    start() {
      timer ??= setInterval(() => void watch(), CHECK_EVERY_MS).unref();
      void watch();
    },
    stop: () => clearInterval(timer),
  };
}
