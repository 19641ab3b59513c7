import { setTimeout as sleep } from 'node:timers/promises';
import type { ImageRef } from '../comfy/types.js';
import type { BackendClient } from './backend-pool.js';
import { isTransient, viewRetryDelaysMs } from './retry.js';
import { messageOf } from './run-outcome.js';

/**
 * Downloads a finished run's image; a 5xx, a dropped connection or no answer in time is tried again a few times
 * (`onRetry` says so before each pause). An abort of `signal` ends it at once.
 */
export async function downloadImage(
  client: BackendClient,
  ref: ImageRef,
  signal: AbortSignal,
  onRetry: (attempt: number, error: unknown) => void,
): Promise<Buffer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await client.view(ref, signal);
    } catch (error) {
      const delay = viewRetryDelaysMs[attempt - 1];
      if (signal.aborted || !isTransient(error)) throw error;
      if (delay === undefined) {
        throw Object.assign(new Error(`Gave up after ${attempt} attempts: ${messageOf(error)}`), {
          cause: error,
        });
      }
      onRetry(attempt, error);
      await sleep(delay, undefined, { signal });
    }
  }
}
