import { BridgeError } from '../errors.js';
import { SchedulerStoppedError, type Scheduler } from '../jobs/scheduler.js';
import type { ToolContext } from '../mcp/service.js';

/**
 * Waits for the batch like `scheduler.wait`, but a call that is released (its session is closing) ends the wait
 * without an error: it answers with the batch as it is, work still running. A bridge that stops meanwhile answers
 * `bridge_stopped` with the batch id (the batch is on disk and continues at the next start), which the stdio shim
 * takes as its cue to re-attach and send the call again. Only the client's own cancellation (ctx.signal) rejects
 * otherwise.
 */
export async function waitAnswerable(
  scheduler: Scheduler,
  batchId: string,
  timeoutMs: number,
  ctx: ToolContext,
  options: { settled?: boolean } = {},
) {
  const signal = ctx.release ? AbortSignal.any([ctx.signal, ctx.release]) : ctx.signal;
  try {
    await scheduler.wait(batchId, { timeoutMs, signal, ...options });
  } catch (error) {
    if (error instanceof SchedulerStoppedError) {
      throw new BridgeError('bridge_stopped', `The bridge stopped while batch ${batchId} was running.`, {
        hint: 'The batch is saved and continues when the bridge starts again; then call check_batch_status with its id.',
        details: { batch_id: batchId },
      });
    }
    const released = ctx.release?.aborted === true && !ctx.signal.aborted;
    if (!released) throw error;
  }
}
