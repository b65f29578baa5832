// Counting events in a sliding window (failed logins). In memory for a single process; the
// interface is what a shared Redis store implements when the service runs as several processes.
import type { Clock } from './clock.js';

export interface WindowCounter {
  /** Records one event for the key. */
  hit(key: string): Promise<void>;
  /** Events for the key within the window, and when the oldest of them leaves it. */
  count(key: string): Promise<{ count: number; resetAt: Date | null }>;
  reset(key: string): Promise<void>;
}

export function createMemoryWindowCounter(clock: Clock, windowMs: number): WindowCounter {
  const events = new Map<string, number[]>();

  const live = (key: string) => {
    const since = clock.now().getTime() - windowMs;
    const kept = (events.get(key) ?? []).filter((t) => t > since);
    if (kept.length === 0) events.delete(key);
    else events.set(key, kept);
    return kept;
  };

  return {
    async hit(key) {
      events.set(key, [...live(key), clock.now().getTime()]);
    },
    async count(key) {
      const kept = live(key);
      return { count: kept.length, resetAt: kept.length ? new Date(kept[0]! + windowMs) : null };
    },
    async reset(key) {
      events.delete(key);
    },
  };
}
