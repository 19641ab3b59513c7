import { monotonicNow, type MonotonicClock } from '../clock.js';

/**
 * Per-key rate limit with a trailing edge: the first change of a key goes out at once, later changes within
 * `intervalMs` are folded into one flush at the end of the interval. The flush reads the current state, so the
 * last change is never lost, only merged.
 */
export interface KeyedThrottle<K> {
  schedule(key: K): void;
  /** Drops pending flushes. */
  close(): void;
}

export function createKeyedThrottle<K>(
  intervalMs: number,
  flush: (key: K) => void,
  now: MonotonicClock = monotonicNow,
): KeyedThrottle<K> {
  const lastFlush = new Map<K, number>();
  const pending = new Map<K, NodeJS.Timeout>();
  let closed = false;

  const run = (key: K) => {
    pending.delete(key);
    lastFlush.set(key, now());
    flush(key);
  };
  const forgetIdleKeys = () => {
    const idleBefore = now() - intervalMs;
    for (const [key, at] of lastFlush) if (at < idleBefore && !pending.has(key)) lastFlush.delete(key);
  };

  return {
    schedule(key) {
      if (closed || pending.has(key)) return;
      const since = now() - (lastFlush.get(key) ?? -Infinity);
      if (since >= intervalMs) {
        if (lastFlush.size > 1000) forgetIdleKeys();
        run(key);
        return;
      }
      const timer = setTimeout(() => run(key), intervalMs - since);
      timer.unref();
      pending.set(key, timer);
    },
    close() {
      closed = true;
      for (const timer of pending.values()) clearTimeout(timer);
      pending.clear();
    },
  };
}
