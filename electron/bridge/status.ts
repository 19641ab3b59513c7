import type { BatchStatus, WebResult } from '../mcp/schemas.js';
import { countJobs, isBatchSettled, type BatchRecord, type JobError, type JobRecord } from '../jobs/types.js';

/**
 * The agent's view of a batch: counts, a done flag (web variants included), and every item with its absolute path
 * or its error, and its web variants when it asked for them.
 */
export function toBatchStatus(batch: BatchRecord): BatchStatus {
  const counts = countJobs(batch.jobs);
  return {
    batch_id: batch.id,
    done: isBatchSettled(batch),
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
      ...webOf(job, batch.id),
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

/** A completed image's web variants: pending (made after the file; this batch reports them), done, or failed. */
export function webResultOf(job: JobRecord, batchId: string): WebResult | undefined {
  if (job.spec.web === undefined || job.state !== 'completed') return undefined;
  const web = job.web;
  if (web?.status === 'done') return { status: 'done', ...web.asset };
  if (web?.status === 'failed') return { status: 'failed', error: toToolError(web.error) };
  return { status: 'pending', batch_id: batchId };
}

function webOf(job: JobRecord, batchId: string): { web?: WebResult } {
  const web = webResultOf(job, batchId);
  return web ? { web } : {};
}
