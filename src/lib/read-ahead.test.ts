import { describe, expect, it } from 'vitest';
import { readAhead } from './read-ahead.js';

/** A source that records how far it has been read. */
function counted(n: number, failAt = -1) {
  const log = { read: 0 };
  function* items() {
    for (let i = 0; i < n; i++) {
      if (i === failAt) throw new Error(`item ${i} is wrong`);
      log.read = i + 1;
      yield i;
    }
  }
  return { log, items: items() };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('readAhead', () => {
  it('yields every item in order', async () => {
    const got: number[] = [];
    for await (const i of readAhead(counted(7).items, 3)) got.push(i);
    expect(got).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('reads while the consumer waits, never more than `ahead` items before it', async () => {
    const { log, items } = counted(100);
    const it = readAhead(items, 3)[Symbol.asyncIterator]();
    expect((await it.next()).value).toBe(0);
    for (let i = 0; i < 10; i++) await turn();
    // The first item is taken; three more wait in the queue.
    expect(log.read).toBe(4);
    await it.return(undefined);
    for (let i = 0; i < 10; i++) await turn();
    expect(log.read).toBe(4);
  });

  it('throws a failed read after the items before it', async () => {
    const got: number[] = [];
    await expect(
      (async () => {
        for await (const i of readAhead(counted(10, 5).items, 2)) got.push(i);
      })(),
    ).rejects.toThrow('item 5 is wrong');
    expect(got).toEqual([0, 1, 2, 3, 4]);
  });
});
