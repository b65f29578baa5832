import { describe, expect, it } from 'vitest';
import { createSemaphore } from './semaphore.js';

/** A task that runs until the test lets it finish. */
function task(log: string[], name: string) {
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  return {
    run: async () => {
      log.push(`start ${name}`);
      await done;
      log.push(`end ${name}`);
      return name;
    },
    finish,
  };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('createSemaphore', () => {
  it('runs at most `limit` tasks at once, the others in the order they came', async () => {
    const log: string[] = [];
    const turns = createSemaphore(2);
    const tasks = ['a', 'b', 'c', 'd'].map((n) => task(log, n));
    const results = tasks.map((t) => turns.run(t.run));
    await settle();
    expect(log).toEqual(['start a', 'start b']);
    expect([turns.active, turns.waiting]).toEqual([2, 2]);
    tasks[1]!.finish();
    await settle();
    expect(log).toEqual(['start a', 'start b', 'end b', 'start c']);
    expect([turns.active, turns.waiting]).toEqual([2, 1]);
    tasks[0]!.finish();
    tasks[2]!.finish();
    tasks[3]!.finish();
    expect(await Promise.all(results)).toEqual(['a', 'b', 'c', 'd']);
    expect([turns.active, turns.waiting]).toEqual([0, 0]);
  });

  it('gives the turn back when a task fails', async () => {
    const turns = createSemaphore(1);
    await expect(turns.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await turns.run(async () => 'next')).toBe('next');
    expect(() => createSemaphore(0)).toThrow();
  });
});
