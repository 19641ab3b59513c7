import { BridgeError } from '../errors.js';

/**
 * Whether a call adding `adding` jobs fits under the cap on pending jobs; the refusal if not. A batch that does
 * not fit is refused whole: half a batch accepted would leave the agent to work out which half.
 */
export function queueFullRefusal(pending: number, adding: number, limit: number): BridgeError | undefined {
  if (pending + adding <= limit) return undefined;
  const details = { pending, requested: adding, limit };
  if (adding > limit) {
    return new BridgeError(
      'queue_full',
      `This call asks for ${adding} images, more than the ${limit} jobs the queue may hold at once (setting maxPendingJobs).`,
      { hint: `Split it into calls of at most ${limit} items.`, details },
    );
  }
  return new BridgeError(
    'queue_full',
    `The queue is full: ${pending} jobs are pending and this call adds ${adding}, over the limit of ${limit} (setting maxPendingJobs). Nothing of this call was queued.`,
    {
      hint: 'Wait for queued work to finish (check_batch_status with wait_seconds) or cancel a batch you no longer need (cancel_batch), then call again.',
      details,
    },
  );
}
