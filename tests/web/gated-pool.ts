import { createWorkPool, type WorkPool } from '../../electron/web/pool.js';

/**
 * A one-slot work pool whose tasks wait until the test opens its gate: the web variants of an image stay pending
 * for as long as the test needs to see them pending, without racing the encoder. The first `admit` tasks go
 * through at once (the source's decode, then a first variant or more: an asset caught half made).
 */
export function gatedPool(options: { admit?: number } = {}): {
  pool: WorkPool;
  open(): void;
  readonly waiting: number;
} {
  const inner = createWorkPool(1);
  let admit = options.admit ?? 0;
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let waiting = 0;
  const pool: WorkPool = {
    concurrency: inner.concurrency,
    get active() {
      return inner.active;
    },
    get waiting() {
      return inner.waiting + waiting;
    },
    async run(task, signal) {
      if (admit > 0) {
        admit--;
        return inner.run(task, signal);
      }
      waiting++;
      let onAbort = (): void => undefined;
      try {
        // A task dropped while it waits (the bridge stopping) leaves at once, as in the real pool.
        await Promise.race([
          gate,
          new Promise<never>((_, reject) => {
            onAbort = () => reject(signal?.reason as Error);
            if (signal?.aborted) onAbort();
            signal?.addEventListener('abort', onAbort, { once: true });
          }),
        ]);
      } finally {
        signal?.removeEventListener('abort', onAbort);
        waiting--;
      }
      return inner.run(task, signal);
    },
  };
  return {
    pool,
    open,
    get waiting() {
      return waiting;
    },
  };
}
