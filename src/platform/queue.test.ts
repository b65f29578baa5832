import { afterAll, describe, expect, it } from 'vitest';
import { isRedis, openTestRedis, silentLog } from '../../test/harness.js';
import { createBullQueue, type BullJobQueue } from './bull-queue.js';
import {
  createInProcessQueue,
  JOB_CONCURRENCY,
  type JobDefinition,
  type JobQueue,
} from './queue.js';
import type { RedisConnections } from './redis.js';

const until = async (check: () => Promise<boolean>) => {
  for (let i = 0; i < 500 && !(await check()); i++) await new Promise((r) => setTimeout(r, 20));
};

function jobs() {
  let flaky = 2;
  const runs: string[] = [];
  const add: JobDefinition<{ a: number; b: number }, number> = {
    name: 'test.add',
    queue: 'import',
    handler: async ({ a, b }, ctx) => {
      await ctx.progress(1, 1);
      runs.push(ctx.id);
      return a + b;
    },
  };
  const broken: JobDefinition<{ fixed?: boolean }> = {
    name: 'test.broken',
    queue: 'mail',
    attempts: 3,
    handler: async () => {
      if (flaky-- > -10) throw new Error('disk on fire');
    },
  };
  const heals: JobDefinition<null> = {
    name: 'test.heals',
    queue: 'mail',
    attempts: 2,
    handler: async () => {
      if (flaky > 0) throw new Error(`not yet (${flaky--})`);
      return 'ok';
    },
  };
  return {
    add,
    broken,
    heals,
    runs,
    heal: () => void (flaky = 0),
    breakAgain: () => void (flaky = 5),
  };
}

const kinds: [string, () => Promise<JobQueue & { close?(): Promise<void> }>][] = [
  ['in-process', async () => createInProcessQueue({ log: silentLog, backoffMs: 5 })],
];
const opened: RedisConnections[] = [];
if (isRedis) {
  kinds.push([
    'bullmq',
    async () => {
      const redis = openTestRedis()!;
      opened.push(redis);
      return createBullQueue({ redis, log: silentLog, backoffMs: 5 });
    },
  ]);
}
afterAll(async () => void (await Promise.all(opened.map((r) => r.close()))));

describe.each(kinds)('%s job queue', (kind, open) => {
  it('runs a job, reports its progress and result, retries failures and keeps the failed ones', async () => {
    const defs = jobs();
    const queue = await open();
    queue.register(defs.add);
    queue.register(defs.broken);
    queue.register(defs.heals);
    if (kind === 'bullmq') await (queue as BullJobQueue).work();
    try {
      const id = await queue.enqueue(defs.add, { a: 2, b: 3 }, { owner: '7' });
      defs.breakAgain();
      const failing = await queue.enqueue(defs.broken, {});
      await queue.drain();

      expect(await queue.status(id)).toMatchObject({
        queue: 'import',
        name: 'test.add',
        state: 'completed',
        result: 5,
        owner: '7',
        attempts: 1,
        progress: { done: 1, total: 1 },
      });
      const failed = await queue.status(failing);
      expect(failed).toMatchObject({
        queue: 'mail',
        state: 'failed',
        attempts: 3,
        error: 'disk on fire',
      });

      const list = await queue.list('failed', { offset: 0, limit: 10 });
      expect(list.count).toBe(1);
      expect(list.jobs[0]).toMatchObject({ id: failing, error: 'disk on fire' });
      expect((await queue.counts()).mail.failed).toBe(1);

      // A retried job starts over from its first attempt.
      defs.heal();
      const healer = await queue.enqueue(defs.heals, null);
      await queue.drain();
      expect(await queue.status(healer)).toMatchObject({ state: 'completed', result: 'ok' });
      expect(await queue.retry(id)).toBeUndefined(); // not failed
      expect(await queue.retry('mail-nope')).toBeUndefined();
    } finally {
      await queue.close?.();
    }
  });
});

describe('in-process job queue', () => {
  it('runs at most JOB_CONCURRENCY jobs of a queue at once; the rest wait their turn', async () => {
    const queue = createInProcessQueue({ log: silentLog, backoffMs: 5 });
    let running = 0;
    let most = 0;
    const slow = queue.register<null, null>({
      name: 'test.slow',
      queue: 'mail',
      handler: async () => {
        most = Math.max(most, ++running);
        // Yields a few turns of the event loop, so unbounded jobs would all be running here.
        for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
        running--;
        return null;
      },
    });
    const ids = await Promise.all(
      Array.from({ length: 3 * JOB_CONCURRENCY }, () => queue.enqueue(slow, null)),
    );
    await queue.drain();
    expect(most).toBe(JOB_CONCURRENCY);
    for (const id of ids) expect(await queue.status(id)).toMatchObject({ state: 'completed' });
  });
});

describe.skipIf(!isRedis)('bullmq across processes', () => {
  it('keeps jobs of a producer that went away, runs each once with two workers, and answers status anywhere', async () => {
    const defs = jobs();
    const redis = openTestRedis()!;
    // Three "processes" on one prefix: they share Redis keys but nothing in memory.
    const share = (): RedisConnections => ({ ...redis, close: async () => {} });
    const producer = createBullQueue({ redis: share(), log: silentLog });
    const ids = await Promise.all(
      Array.from({ length: 30 }, (_, i) => producer.enqueue(defs.add, { a: i, b: 1 })),
    );
    await producer.close();

    const workers = [
      createBullQueue({ redis: share(), log: silentLog }),
      createBullQueue({ redis: share(), log: silentLog }),
    ];
    try {
      for (const w of workers) w.register(defs.add);
      await Promise.all(workers.map((w) => w.work({ concurrency: 3 })));
      await until(async () => defs.runs.length >= 30);
      await workers[0]!.drain();
      expect(defs.runs.sort()).toEqual([...ids].sort());
      const observer = createBullQueue({ redis: share(), log: silentLog });
      expect(await observer.status(ids[4]!)).toMatchObject({ state: 'completed', result: 5 });
      await observer.close();
    } finally {
      await Promise.all(workers.map((w) => w.close()));
      await redis.close();
    }
  });
});
