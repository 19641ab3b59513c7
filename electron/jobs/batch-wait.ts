import type { EventEmitter } from 'node:events';
import { isBatchDone, isBatchSettled, type BatchRecord } from './types.js';

/** Raised to a waiting caller when the scheduler stops; the job itself stays resumable on disk. */
export class SchedulerStoppedError extends Error {
  constructor() {
    super('the bridge is shutting down; the batch will resume when it starts again');
  }
}

export interface WaitOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** Wait for the items' web variants too ('batch-settled'), not only the items ('batch-done'). */
  settled?: boolean;
}

/**
 * Resolves with the batch when every item is finished (with `settled`, their web variants too), or when the time
 * is up, whichever comes first; rejects when the scheduler emits 'stopped' or the signal aborts. A wait that
 * begins after the stop (`stopped`: a call whose accepting write ended just after it) rejects at once, as it
 * would never hear the event and would otherwise sit out its whole time.
 */
export function waitForBatch(
  events: EventEmitter,
  batch: BatchRecord,
  options: WaitOptions,
  stopped = false,
): Promise<BatchRecord> {
  const event = options.settled ? 'batch-settled' : 'batch-done';
  if ((options.settled ? isBatchSettled(batch) : isBatchDone(batch)) || options.timeoutMs <= 0)
    return Promise.resolve(batch);
  if (stopped) return Promise.reject(new SchedulerStoppedError());
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      events.off(event, onDone);
      events.off('stopped', onStopped);
      options.signal?.removeEventListener('abort', onAbort);
    };
    const onDone = (finished: BatchRecord) => {
      if (finished.id !== batch.id) return;
      done();
      resolve(batch);
    };
    const onStopped = () => {
      done();
      reject(new SchedulerStoppedError());
    };
    const onAbort = () => {
      done();
      reject(options.signal?.reason instanceof Error ? options.signal.reason : new Error('aborted'));
    };
    const timer = setTimeout(() => {
      done();
      resolve(batch);
    }, options.timeoutMs);
    events.on(event, onDone);
    events.on('stopped', onStopped);
    options.signal?.addEventListener('abort', onAbort, { once: true });
  });
}
