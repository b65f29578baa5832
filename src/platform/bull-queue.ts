// The job interface on BullMQ: one BullMQ queue per kind of work (QUEUE_NAMES),
// jobs and their outcome kept in Redis. The API process only enqueues; `npm run worker` (or a test
// harness) calls `work()`. BullMQ's job locks make each job run once however many workers there
// are, and jobs wait in Redis when the process that enqueued them dies.
import { Queue, Worker, type Job, type JobType } from 'bullmq';
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import {
  createJobRegistry,
  emptyCounts,
  JOB_CONCURRENCY,
  QUEUE_NAMES,
  queuingRequestId,
  RETENTION,
  type JobContext,
  type JobQueue,
  type JobState,
  type JobStatus,
  type QueueName,
} from './queue.js';
import { describeError } from './logger.js';
import { observeJob } from './observability.js';
import { onRedis, type RedisConnections } from './redis.js';

export interface BullQueueOptions {
  redis: RedisConnections;
  log: FastifyBaseLogger;
  /** First retry delay; doubles with each attempt. */
  backoffMs?: number;
}

export interface BullJobQueue extends JobQueue {
  /** Starts processing every registered job in this process. */
  work(opts?: { concurrency?: number }): Promise<void>;
  close(): Promise<void>;
}

interface Stored {
  payload: unknown;
  owner: string | null;
  /** The request that queued the job (its log lines and Sentry event name it); older jobs lack it. */
  requestId?: string | null;
}

// BullMQ's finer states map onto the four of the interface.
const BULL_STATES: Record<JobState, JobType[]> = {
  waiting: ['waiting', 'delayed', 'prioritized', 'waiting-children'],
  active: ['active'],
  completed: ['completed'],
  failed: ['failed'],
};
const toState = (s: string): JobState =>
  (Object.keys(BULL_STATES) as JobState[]).find((k) => BULL_STATES[k].includes(s as JobType)) ??
  'waiting';

type AnyJob = Pick<
  Job,
  | 'id'
  | 'name'
  | 'data'
  | 'progress'
  | 'returnvalue'
  | 'failedReason'
  | 'attemptsMade'
  | 'timestamp'
  | 'finishedOn'
>;

function toStatus(queue: QueueName, job: AnyJob, state: JobState): JobStatus {
  const data = job.data as Stored;
  const progress = job.progress as { done?: number; total?: number } | number;
  return {
    id: job.id!,
    queue,
    name: job.name,
    state,
    attempts: job.attemptsMade + (state === 'active' ? 1 : 0),
    progress:
      typeof progress === 'object' && progress.total !== undefined
        ? { done: progress.done ?? 0, total: progress.total }
        : null,
    result: job.returnvalue ?? null,
    error: job.failedReason || null,
    owner: data.owner,
    createdAt: new Date(job.timestamp),
    finishedAt: job.finishedOn ? new Date(job.finishedOn) : null,
  };
}

/** BullMQ counts the age of kept jobs in seconds. */
const keepFor = (state: keyof typeof RETENTION) => ({
  count: RETENTION[state].count,
  age: Math.round(RETENTION[state].ageMs / 1000),
});

/** How often a process that runs jobs says it is alive, and how long the last word is kept. */
export const HEARTBEAT_MS = 10_000;
const SEEN_KEPT_MS = 7 * 24 * 3_600_000;

export function createBullQueue({ redis, log, backoffMs = 1000 }: BullQueueOptions): BullJobQueue {
  const registry = createJobRegistry();
  // Queues share one connection. Without an offline queue, a call made while Redis is down fails
  // at once instead of waiting for the reconnection (BullMQ's "failing fast" advice); onRedis
  // also bounds the wait for the first connection, which BullMQ does not.
  const connection = redis.duplicate({ enableOfflineQueue: false, enableAutoPipelining: false });
  const bounded = <T>(work: () => Promise<T>) => onRedis(redis, work);
  const prefix = redis.prefix.replace(/:$/, '') + ':bull';
  const queues = Object.fromEntries(
    QUEUE_NAMES.map((name) => {
      const q = new Queue(name, { connection, prefix });
      // Connection errors are the outage redis.ts logs once; without a listener BullMQ prints each.
      q.on('error', () => {});
      return [name, q];
    }),
  ) as Record<QueueName, Queue>;
  const workers: Worker[] = [];
  // A process that runs jobs says so every few seconds; API processes read it (worker-watch.ts).
  const seenKey = `${redis.prefix}workers:seen`;
  let heartbeat: NodeJS.Timeout | undefined;
  const beat = () =>
    bounded(() => redis.client().set(seenKey, String(Date.now()), 'PX', SEEN_KEPT_MS)).catch(
      () => {}, // Redis down: logged once by redis.ts; the next beat tries again.
    );

  // Ids carry their queue, so status(id) needs no search.
  const split = (id: string): [QueueName, string] | undefined => {
    const q = id.split('-', 1)[0] as QueueName;
    return QUEUE_NAMES.includes(q) ? [q, id] : undefined;
  };

  async function find(id: string) {
    const where = split(id);
    if (!where) return undefined;
    const job = await queues[where[0]].getJob(where[1]);
    return job ? { queue: where[0], job: job as Job } : undefined;
  }

  async function list(state: JobState, { offset, limit }: { offset: number; limit: number }) {
    const types = BULL_STATES[state];
    const perQueue = await Promise.all(
      QUEUE_NAMES.map(async (q) => {
        const [count, jobs] = await Promise.all([
          queues[q].getJobCountByTypes(...types),
          queues[q].getJobs(types, 0, offset + limit - 1),
        ]);
        return { count, jobs: jobs.filter(Boolean).map((j) => toStatus(q, j as Job, state)) };
      }),
    );
    const all = perQueue
      .flatMap((p) => p.jobs)
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
    return {
      count: perQueue.reduce((n, p) => n + p.count, 0),
      jobs: all.slice(offset, offset + limit),
    };
  }

  async function counts() {
    const counts = emptyCounts();
    await Promise.all(
      QUEUE_NAMES.map(async (q) => {
        const raw = await queues[q].getJobCounts(...Object.values(BULL_STATES).flat());
        for (const [type, n] of Object.entries(raw)) counts[q][toState(type)] += n;
      }),
    );
    return counts;
  }

  async function process(job: Job) {
    const def = registry.get(job.name);
    if (!def) throw new Error(`No handler registered for job ${job.name}`);
    const data = job.data as Stored;
    const attempt = job.attemptsMade + 1;
    const ctx: JobContext = {
      id: job.id!,
      attempt,
      final: attempt >= (job.opts.attempts ?? 1),
      progress: (done, total) => job.updateProgress({ done, total }),
    };
    const requestId = data.requestId ?? null;
    try {
      return await observeJob(log, { ...ctx, name: job.name, requestId }, () =>
        def.handler(data.payload, ctx),
      );
    } catch (err) {
      // BullMQ keeps the message of a failure in Redis: it must not carry statement values.
      throw new Error(describeError(err), { cause: err });
    }
  }

  const queue: BullJobQueue = {
    kind: 'bullmq',
    register: registry.add,
    async enqueue(def, payload, opts) {
      if (!registry.get(def.name)) registry.add(def);
      const name = def.queue;
      const id = opts?.id ?? `${name}-${randomUUID()}`;
      const data: Stored = { payload, owner: opts?.owner ?? null, requestId: queuingRequestId() };
      await bounded(() =>
        queues[name].add(def.name, data, {
          jobId: id,
          attempts: def.attempts ?? 5,
          backoff: { type: 'exponential', delay: backoffMs },
          // Failed jobs stay a while, with their error, for staff to see and retry.
          removeOnComplete: keepFor('completed'),
          removeOnFail: keepFor('failed'),
        }),
      );
      return id;
    },
    status: (id) =>
      bounded(async () => {
        const found = await find(id);
        if (!found) return undefined;
        return toStatus(found.queue, found.job, toState(await found.job.getState()));
      }),
    list: (state, page) => bounded(() => list(state, page)),
    retry: (id) =>
      bounded(async () => {
        const found = await find(id);
        if (!found || (await found.job.getState()) !== 'failed') return undefined;
        await found.job.retry('failed', { resetAttemptsMade: true });
        return queue.status(id);
      }),
    counts: () => bounded(counts),
    async work({ concurrency = JOB_CONCURRENCY } = {}) {
      for (const name of QUEUE_NAMES) {
        const worker = new Worker(name, process, {
          // Blocking commands wait for jobs: no command timeout, no retry limit (BullMQ needs both).
          connection: redis.duplicate({
            maxRetriesPerRequest: null,
            commandTimeout: undefined,
            enableAutoPipelining: false,
          }),
          prefix,
          concurrency,
        });
        // While Redis is down the worker reconnects with growing delays (redis.ts) and errors
        // repeat; the outage itself is logged once there.
        worker.on('error', (err) => {
          if (redis.available()) log.error({ err }, 'worker error');
        });
        workers.push(worker);
      }
      await Promise.all(workers.map((w) => w.waitUntilReady()));
      await beat();
      heartbeat ??= setInterval(() => void beat(), HEARTBEAT_MS).unref();
    },
    workerSeenAt: () =>
      bounded(async () => {
        const at = await redis.client().get(seenKey);
        return at ? new Date(Number(at)) : null;
      }),
    async drain() {
      // Waits until nothing is queued, delayed for a retry or running in any queue.
      for (;;) {
        const counts = await Promise.all(
          QUEUE_NAMES.map((q) => queues[q].getJobCountByTypes(...BULL_STATES.waiting, 'active')),
        );
        if (counts.every((n) => n === 0)) return;
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async close() {
      clearInterval(heartbeat);
      await Promise.all(workers.map((w) => w.close()));
      await Promise.all(Object.values(queues).map((q) => q.close()));
    },
  };
  return queue;
}
