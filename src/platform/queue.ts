// The job interface. Work that must not fail or slow the request that causes it (mail, big
// imports) goes through here: in-process without Redis (this file), on BullMQ with it
// (bull-queue.ts). Handlers are registered by name when the app is built, so a worker process
// that builds the same app can run jobs another process enqueued.
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { currentContext } from './log-context.js';
import { describeError } from './logger.js';
import { observeJob } from './observability.js';
import { createSemaphore, type Semaphore } from '../lib/semaphore.js';

export interface JobContext {
  id: string;
  attempt: number;
  /** No retry follows if this attempt fails. */
  final: boolean;
  /** Reports how far the job is (e.g. goods processed of total). */
  progress(done: number, total: number): void | Promise<void>;
}

/** One queue per kind of work, so a flood of one (a big import) never holds up another (mail). */
export const QUEUE_NAMES = ['mail', 'import', 'media'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

export interface JobDefinition<P, R = unknown> {
  /** Unique; how a worker finds the handler of a stored job. */
  name: string;
  /** Which queue carries it. */
  queue: QueueName;
  /** Payload and result travel as JSON when the queue is BullMQ. */
  handler: (payload: P, ctx: JobContext) => Promise<R>;
  /** Tries in all, including the first; a failure is retried with exponential backoff. */
  attempts?: number;
}

export interface EnqueueOptions {
  /** Whose job it is (an account id): only they may see it. */
  owner?: string;
  id?: string;
}

export type JobState = 'waiting' | 'active' | 'completed' | 'failed';
export const JOB_STATES: JobState[] = ['waiting', 'active', 'completed', 'failed'];

export interface JobStatus {
  id: string;
  queue: QueueName;
  name: string;
  state: JobState;
  attempts: number;
  progress: { done: number; total: number } | null;
  result: unknown;
  error: string | null;
  owner: string | null;
  createdAt: Date;
  finishedAt: Date | null;
}

export interface JobQueue {
  kind: 'in-process' | 'bullmq';
  /** Makes the handler known by name; every job is registered while the app is built. */
  register<P, R>(job: JobDefinition<P, R>): JobDefinition<P, R>;
  /**
   * Stores a job and returns its id. `id` (which must start with the job's queue name and a dash)
   * names it: while a job of that id is kept, enqueueing it again does nothing.
   */
  enqueue<P>(job: JobDefinition<P>, payload: P, opts?: EnqueueOptions): Promise<string>;
  status(id: string): Promise<JobStatus | undefined>;
  /** Jobs in a state, newest first, over every queue. */
  list(
    state: JobState,
    page: { offset: number; limit: number },
  ): Promise<{ count: number; jobs: JobStatus[] }>;
  /** Runs a failed job again from its first attempt; undefined if there is no such failed job. */
  retry(id: string): Promise<JobStatus | undefined>;
  /** Jobs per queue and state (metrics). */
  counts(): Promise<Record<QueueName, Record<JobState, number>>>;
  /** Resolves when no job is running or waiting for a retry (shutdown, tests). */
  drain(): Promise<void>;
  /**
   * When a worker process last said it was alive (null: none yet). Only queues whose jobs other
   * processes run (BullMQ) have it.
   */
  workerSeenAt?(): Promise<Date | null>;
}

/**
 * The handlers known by name, shared by both queue backends: a worker process that builds the same
 * app finds the handler of a job another process stored.
 */
export function createJobRegistry() {
  const handlers = new Map<string, JobDefinition<unknown>>();
  return {
    add<P, R>(def: JobDefinition<P, R>): JobDefinition<P, R> {
      if (!QUEUE_NAMES.includes(def.queue))
        throw new Error(`Job ${def.name}: unknown queue ${def.queue} (${QUEUE_NAMES.join(', ')})`);
      handlers.set(def.name, def as JobDefinition<unknown>);
      return def;
    },
    get(name: string): JobDefinition<unknown> | undefined {
      return handlers.get(name);
    },
  };
}

export function emptyCounts(): Record<QueueName, Record<JobState, number>> {
  return Object.fromEntries(
    QUEUE_NAMES.map((q) => [q, Object.fromEntries(JOB_STATES.map((s) => [s, 0]))]),
  ) as Record<QueueName, Record<JobState, number>>;
}

/**
 * Finished jobs are kept for status queries and for staff, bounded by count and by age, in both
 * backends. They hold ids and summaries only: what a job works on (a price list, a mail) lives in
 * the database until the job is done with it.
 */
export const RETENTION: Record<'completed' | 'failed', { count: number; ageMs: number }> = {
  completed: { count: 1000, ageMs: 24 * 3_600_000 },
  failed: { count: 1000, ageMs: 7 * 24 * 3_600_000 },
};

export interface InProcessQueueOptions {
  log: FastifyBaseLogger;
  /** First retry delay; doubles with each attempt. */
  backoffMs?: number;
  retention?: typeof RETENTION;
}

/** The request that queues a job, if a request does: its id travels with the job (logs, Sentry). */
export const queuingRequestId = () => currentContext()?.request_id ?? null;

type Entry = JobStatus & { payload: unknown; requestId: string | null };

/** Jobs of one queue that one process runs at once: an in-process queue, and a worker by default. */
export const JOB_CONCURRENCY = 4;

export function createInProcessQueue({
  log,
  backoffMs = 1000,
  retention = RETENTION,
}: InProcessQueueOptions): JobQueue {
  const registry = createJobRegistry();
  const jobs = new Map<string, Entry>();
  const pending = new Set<Promise<void>>();

  /** Drops finished jobs past their count or age, oldest first (the map keeps insertion order). */
  const forgetOld = () => {
    const now = Date.now();
    const left = { completed: 0, failed: 0 };
    for (const job of jobs.values())
      if (job.state === 'completed' || job.state === 'failed') left[job.state]++;
    for (const [id, job] of jobs) {
      if (job.state !== 'completed' && job.state !== 'failed') continue;
      const keep = retention[job.state];
      const aged = job.finishedAt !== null && now - job.finishedAt.getTime() > keep.ageMs;
      if (left[job.state] > keep.count || aged) {
        jobs.delete(id);
        left[job.state]--;
      }
    }
  };
  const view = ({ payload: _payload, requestId: _request, ...status }: Entry): JobStatus => ({
    ...status,
  });

  // Jobs of one queue run at most JOB_CONCURRENCY at a time, as a worker would run them
  // (bull-queue.ts): the others wait with their payload (ids) only. Unbounded, 8 buyers ordering
  // had thousands of mail deliveries in flight at once, their bodies held in memory (400 MB RSS).
  const slots = new Map<string, Semaphore>();
  const slotOf = (queueName: string) => {
    let slot = slots.get(queueName);
    if (!slot) slots.set(queueName, (slot = createSemaphore(JOB_CONCURRENCY)));
    return slot;
  };

  /** One attempt; true when the job is done (completed, or failed for good). */
  async function attempt(status: Entry, def: JobDefinition<unknown>, n: number) {
    const attempts = def.attempts ?? 5;
    status.state = 'active';
    status.attempts = n;
    const ctx: JobContext = {
      id: status.id,
      attempt: n,
      final: n >= attempts,
      progress: (done, total) => void (status.progress = { done, total }),
    };
    const job = { name: def.name, id: status.id, requestId: status.requestId, attempt: n };
    try {
      status.result = await observeJob(log, { ...job, final: ctx.final }, () =>
        def.handler(status.payload, ctx),
      );
      status.state = 'completed';
      status.error = null;
      status.finishedAt = new Date();
      return true;
    } catch (err) {
      status.error = describeError(err);
      if (n < attempts) {
        status.state = 'waiting';
        return false;
      }
      status.state = 'failed';
      status.finishedAt = new Date();
      return true;
    }
  }

  async function run(status: Entry) {
    const def = registry.get(status.name)!;
    const slot = slotOf(def.queue);
    for (let n = 1; !(await slot.run(() => attempt(status, def, n))); n++) {
      // The backoff holds no slot, as a delayed retry holds no worker.
      await new Promise((r) => setTimeout(r, backoffMs * 2 ** (n - 1)));
    }
  }

  const start = (status: Entry) => {
    // Started on the next turn so the caller's response is not held up by the job.
    const p: Promise<void> = new Promise<void>((r) => setImmediate(r))
      .then(() => run(status))
      .finally(() => pending.delete(p));
    pending.add(p);
  };

  const queue: JobQueue = {
    kind: 'in-process',
    register: registry.add,
    async enqueue(def, payload, opts) {
      if (!registry.get(def.name)) registry.add(def);
      if (opts?.id && jobs.has(opts.id)) return opts.id;
      const status: Entry = {
        id: opts?.id ?? `${def.queue}-${randomUUID()}`,
        queue: def.queue,
        name: def.name,
        state: 'waiting',
        attempts: 0,
        progress: null,
        result: null,
        error: null,
        owner: opts?.owner ?? null,
        createdAt: new Date(),
        finishedAt: null,
        payload,
        requestId: queuingRequestId(),
      };
      jobs.set(status.id, status);
      forgetOld();
      start(status);
      return status.id;
    },
    status: async (id) => {
      const job = jobs.get(id);
      return job && view(job);
    },
    async list(state, { offset, limit }) {
      const all = [...jobs.values()].filter((j) => j.state === state).reverse();
      return { count: all.length, jobs: all.slice(offset, offset + limit).map(view) };
    },
    async retry(id) {
      const job = jobs.get(id);
      if (!job || job.state !== 'failed') return undefined;
      Object.assign(job, { state: 'waiting', attempts: 0, error: null, finishedAt: null });
      start(job);
      return view(job);
    },
    async counts() {
      const counts = emptyCounts();
      for (const j of jobs.values()) counts[j.queue][j.state]++;
      return counts;
    },
    async drain() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
  return queue;
}
