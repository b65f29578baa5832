// Overlapping CPU work in this process with waiting on I/O (see catalog.import.ts).

/**
 * Reads `source` ahead of its consumer, one item per turn of the event loop and at most `ahead`
 * items before it: reading a price list is CPU work in this process, writing it mostly waits on
 * PostgreSQL, so on two cores they overlap, and the replies of the writes are never held up by
 * more than one item's reading. A failed read (a wrong good: the list's 400) is thrown once the
 * items read before it are consumed.
 */
export async function* readAhead<T>(source: Iterable<T>, ahead: number): AsyncGenerator<T> {
  const it = source[Symbol.iterator]();
  const queue: T[] = [];
  let ended = false;
  let failure: { error: unknown } | undefined;
  let scheduled = false;
  let wake = () => {};
  const readOne = () => {
    scheduled = false;
    if (ended || failure || queue.length >= ahead) return;
    try {
      const next = it.next();
      if (next.done) ended = true;
      else queue.push(next.value);
    } catch (error) {
      failure = { error };
    }
    wake();
    schedule();
  };
  const schedule = () => {
    if (scheduled || ended || failure || queue.length >= ahead) return;
    scheduled = true;
    setImmediate(readOne);
  };
  try {
    for (;;) {
      schedule();
      if (queue.length > 0) {
        yield queue.shift()!;
        continue;
      }
      if (failure) throw failure.error;
      if (ended) return;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    // The import stopped (a failed write): read no further.
    ended = true;
  }
}
