// Work a request starts but does not wait for, where the time of the answer must not tell what the
// work found (whether an account exists, say). Tracked, so shutdown and tests can wait for it.
import type { FastifyBaseLogger } from 'fastify';
import { reportFault } from './observability.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Requests' detached work (see createBackground); tests wait for it with `drain()`. */
    background: Background;
  }
}

export interface Background {
  /** Starts `task` after the current answer; a failure is logged, never thrown. */
  run(name: string, task: () => Promise<void>): void;
  /** Resolves when every started task has ended. */
  drain(): Promise<void>;
}

export function createBackground(log: FastifyBaseLogger): Background {
  const running = new Set<Promise<void>>();
  return {
    run(name, task) {
      const p: Promise<void> = new Promise<void>((r) => setImmediate(r))
        .then(task)
        .catch((err: unknown) => {
          log.error({ err, task: name }, 'background task failed');
          reportFault(err);
        })
        .finally(() => running.delete(p));
      running.add(p);
    },
    async drain() {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
  };
}
