/**
 * A bounded pool for variant encodes. sharp runs each encode on libuv's thread pool (4 threads by default) with
 * libvips threads of its own for every core, so one AVIF encode can already fill a small machine; letting all of an
 * asset's variants start at once would queue the bridge's own file I/O (which shares that thread pool) behind them.
 * The pool admits `concurrency` tasks at a time, in order; one pool serves every asset of the process, so ten web
 * items in flight still encode `concurrency` files at a time.
 */
import { availableParallelism } from 'node:os';

export interface WorkPool {
  readonly concurrency: number;
  /** Tasks running now. */
  readonly active: number;
  /** Tasks waiting for a slot. */
  readonly waiting: number;
  /** Runs `task` when a slot is free; a task still waiting when `signal` aborts is dropped with its reason. */
  run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T>;
}

/** Half the cores, at least 1 and at most 4: 1 on the common 2-core CI machine, 2 on a 4-core laptop. */
export function defaultWebConcurrency(cores: number = availableParallelism()): number {
  return Math.max(1, Math.min(4, Math.floor(cores / 2)));
}

interface Waiting {
  start: () => void;
}

export function createWorkPool(concurrency: number = defaultWebConcurrency()): WorkPool {
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`createWorkPool: concurrency must be a positive integer, not ${concurrency}`);
  }
  let active = 0;
  const queue: Waiting[] = [];

  const release = (): void => {
    active--;
    queue.shift()?.start();
  };

  return {
    concurrency,
    get active() {
      return active;
    },
    get waiting() {
      return queue.length;
    },
    run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
      if (signal?.aborted) return Promise.reject(signal.reason as Error);
      const runNow = async (): Promise<T> => {
        active++;
        try {
          return await task();
        } finally {
          release();
        }
      };
      if (active < concurrency) return runNow();
      return new Promise<T>((resolve, reject) => {
        const entry: Waiting = {
          start: () => {
            signal?.removeEventListener('abort', onAbort);
            runNow().then(resolve, reject);
          },
        };
        const onAbort = (): void => {
          const index = queue.indexOf(entry);
          if (index >= 0) queue.splice(index, 1);
          reject(signal?.reason as Error);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        queue.push(entry);
      });
    },
  };
}
