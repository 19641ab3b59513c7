import type { JobProgress, Scheduler } from '../jobs/scheduler.js';
import { countJobs, type BatchRecord, type JobRecord } from '../jobs/types.js';
import type { ProgressUpdate } from '../mcp/service.js';
import { describeBatch, ProgressStream } from './progress.js';

/**
 * Reports a batch's progress while a call long-polls it (check_batch_status): on every item that changes
 * state, on every sampler step, and as a heartbeat in between. Returns the function that stops it.
 */
export function watchBatchProgress(
  scheduler: Scheduler,
  batch: BatchRecord,
  send: (update: ProgressUpdate) => void,
  heartbeatMs: number,
): () => void {
  const steps = new Map<string, { value: number; max: number }>();
  const stream = new ProgressStream(
    send,
    () =>
      describeBatch(
        countJobs(batch.jobs),
        batch.jobs
          .filter((job) => job.state === 'running')
          .map((job) => {
            const step = steps.get(job.id);
            return { index: job.index, ...(step ? { step } : {}) };
          }),
      ),
    heartbeatMs,
  );
  const onProgress = (event: JobProgress) => {
    if (event.batchId !== batch.id) return;
    steps.set(event.jobId, { value: event.value, max: event.max });
    stream.emit();
  };
  const onJob = (job: JobRecord, changed: BatchRecord) => {
    if (changed.id !== batch.id) return;
    // A job sent again starts its steps afresh.
    steps.delete(job.id);
    stream.emit();
  };
  scheduler.on('progress', onProgress);
  scheduler.on('job', onJob);
  stream.emit();
  return () => {
    stream.stop();
    scheduler.off('progress', onProgress);
    scheduler.off('job', onJob);
  };
}
