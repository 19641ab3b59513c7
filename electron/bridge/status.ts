import type { BatchStatus } from '../mcp/schemas.js';
import { countJobs, isBatchDone, type BatchRecord, type JobError } from '../jobs/types.js';

/** The agent's view of a batch: counts, a done flag, and every item with its absolute path or its error. */
export function toBatchStatus(batch: BatchRecord): BatchStatus {
  const counts = countJobs(batch.jobs);
  return {
    batch_id: batch.id,
    done: isBatchDone(batch),
    ...counts,
    items: batch.jobs.map((job) => ({
      index: job.index,
      status: job.state,
      ...(job.result
        ? {
            path: job.result.path,
            width: job.result.width,
            height: job.result.height,
            seed: job.result.seed,
            bytes: job.result.bytes,
            ...(job.spec.savedToReason === undefined ? {} : { saved_to_reason: job.spec.savedToReason }),
          }
        : { seed: job.spec.seed }),
      ...(job.error ? { error: toToolError(job.error) } : {}),
    })),
  };
}

export function toToolError(error: JobError): { code: string; message: string; details?: unknown } {
  return {
    code: error.code,
    message: error.message,
    ...(error.details !== undefined ? { details: error.details } : {}),
  };
}
