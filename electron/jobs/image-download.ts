import { setTimeout as sleep } from 'node:timers/promises';
import type { ImageRef } from '../comfy/types.js';
import type { BackendClient } from './backend-pool.js';
import type { ImageFeed } from './image-feed.js';
import { isTransient, viewRetryDelaysMs } from './retry.js';
import { messageOf } from './run-outcome.js';

/**
 * Downloads a finished run's image; a 5xx, a dropped connection or no answer in time is tried again a few times
 * (`onRetry` says so before each pause). An abort of `signal` ends it at once. `feed`, if given, follows the bytes
 * as they arrive (each new attempt restarts it) and is ended when the download settles.
 */
export async function downloadImage(
  client: BackendClient,
  ref: ImageRef,
  signal: AbortSignal,
  onRetry: (attempt: number, error: unknown) => void,
  feed?: ImageFeed,
): Promise<Buffer> {
  const onChunk = feed ? (chunk: Buffer) => feed.chunk(chunk) : undefined;
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        if (attempt > 1) feed?.restart();
        return await client.view(ref, signal, onChunk);
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
  } finally {
    feed?.end();
  }
}
