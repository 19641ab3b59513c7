/**
 * A bounded pool for variant encodes, one per process: ten web items in flight still encode `concurrency` files at a
 * time. sharp runs each encode on one of libuv's threads (4 by default, shared with the bridge's file I/O) and gives
 * it `sharp.concurrency()` libvips threads. On glibc Linux that is 1 (sharp's default there, against memory
 * fragmentation), so an encode keeps one core busy and the pool takes one per core: with one slot on 2 cores the
 * engine made its variants at half the speed of sharp alone (docs/BENCHMARKS.md). Where libvips threads span the
 * cores (macOS, Windows, jemalloc), half the cores, as an encoder's last stage is one thread. Never all of libuv's
 * threads: one stays free, so the bridge's own file I/O is not queued behind minutes of encodes.
 */
import { availableParallelism } from 'node:os';
import sharp from 'sharp';

export interface WorkPool {
  readonly concurrency: number;
  /** Tasks running now. */
  readonly active: number;
  /** Tasks waiting for a slot. */
  readonly waiting: number;
  /** Runs `task` when a slot is free; a task still waiting when `signal` aborts is dropped with its reason. */
  run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T>;
}

export interface PoolSizing {
  cores: number;
  /** libvips threads per encode: `sharp.concurrency()`. */
  vipsThreads: number;
  /** libuv's thread pool: `UV_THREADPOOL_SIZE`, 4 when unset. */
  libuvThreads: number;
}

/** 2 on the common 2-core glibc CI machine (1 libvips thread each), 3 on 4+ cores; half the cores elsewhere. */
export function defaultWebConcurrency(sizing: PoolSizing = processSizing()): number {
  const perCore = Math.floor(sizing.cores / Math.max(1, sizing.vipsThreads));
  const wanted = Math.max(perCore, Math.floor(sizing.cores / 2));
  return Math.max(1, Math.min(wanted, sizing.libuvThreads - 1));
}

function processSizing(): PoolSizing {
  const libuvThreads = Number(process.env.UV_THREADPOOL_SIZE);
  return {
    cores: availableParallelism(),
    vipsThreads: sharp.concurrency(),
    libuvThreads: Number.isInteger(libuvThreads) && libuvThreads > 0 ? libuvThreads : 4,
  };
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
