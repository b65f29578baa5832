// The job interface. Work that must not fail or slow the request that causes it (mail, big
// imports) goes through here: run in-process now, the same interface can front BullMQ later.
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';

export interface JobContext {
  id: string;
  attempt: number;
  /** Reports how far the job is (e.g. goods processed of total). */
  progress(done: number, total: number): void;
}

export interface JobDefinition<P, R = unknown> {
  name: string;
  handler: (payload: P, ctx: JobContext) => Promise<R>;
  /** Tries in all, including the first; a failure is retried with exponential backoff. */
  attempts?: number;
}

export type JobState = 'waiting' | 'active' | 'completed' | 'failed';

export interface JobStatus {
  id: string;
  name: string;
  state: JobState;
  attempts: number;
  progress: { done: number; total: number } | null;
  result: unknown;
  error: string | null;
  owner: string | null;
}

export interface JobQueue {
  enqueue<P>(job: JobDefinition<P>, payload: P, opts?: { owner?: string }): Promise<string>;
  status(id: string): Promise<JobStatus | undefined>;
  /** Resolves when no job is running or waiting for a retry (shutdown, tests). */
  drain(): Promise<void>;
}

export interface InProcessQueueOptions {
  log: FastifyBaseLogger;
  /** First retry delay; doubles with each attempt. */
  backoffMs?: number;
  /** Finished jobs kept for status queries. */
  keep?: number;
}

export function createInProcessQueue({ log, backoffMs = 1000, keep = 1000 }: InProcessQueueOptions): JobQueue {
  const jobs = new Map<string, JobStatus>();
  const pending = new Set<Promise<void>>();

  const forgetOldest = () => {
    for (const [id, job] of jobs) {
      if (jobs.size <= keep) break;
      if (job.state === 'completed' || job.state === 'failed') jobs.delete(id);
    }
  };

  async function run<P>(def: JobDefinition<P>, payload: P, status: JobStatus) {
    const attempts = def.attempts ?? 5;
    for (let attempt = 1; ; attempt++) {
      status.state = 'active';
      status.attempts = attempt;
      const ctx: JobContext = {
        id: status.id,
        attempt,
        progress: (done, total) => void (status.progress = { done, total }),
      };
      try {
        status.result = await def.handler(payload, ctx);
        status.state = 'completed';
        status.error = null;
        return;
      } catch (err) {
        status.error = err instanceof Error ? err.message : String(err);
        const last = attempt >= attempts;
        log.warn({ job: def.name, jobId: status.id, attempt, err: status.error }, last ? 'job failed' : 'job will retry');
        if (last) {
          status.state = 'failed';
          return;
        }
        status.state = 'waiting';
        await new Promise((r) => setTimeout(r, backoffMs * 2 ** (attempt - 1)));
      }
    }
  }

  return {
    async enqueue(def, payload, opts) {
      const status: JobStatus = {
        id: randomUUID(),
        name: def.name,
        state: 'waiting',
        attempts: 0,
        progress: null,
        result: null,
        error: null,
        owner: opts?.owner ?? null,
      };
      jobs.set(status.id, status);
      forgetOldest();
      // Started on the next turn so the caller's response is not held up by the job.
      const p: Promise<void> = new Promise<void>((r) => setImmediate(r))
        .then(() => run(def, payload, status))
        .finally(() => pending.delete(p));
      pending.add(p);
      return status.id;
    },
    status: async (id) => {
      const job = jobs.get(id);
      return job && { ...job };
    },
    async drain() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
}
