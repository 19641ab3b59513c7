import type { Scheduler } from '../jobs/scheduler.js';
import { countJobs, type BatchRecord, type JobRecord } from '../jobs/types.js';
import type { ProgressUpdate } from '../mcp/service.js';
import { describeBatch, phaseOfRun, ProgressStream } from './progress.js';

/**
 * Reports a batch's progress while a call long-polls it (check_batch_status): on every item that changes
 * state, on every sampler step and phase change, and as a heartbeat in between. Returns the function that stops it.
 */
export function watchBatchProgress(
  scheduler: Scheduler,
  batch: BatchRecord,
  send: (update: ProgressUpdate) => void,
  heartbeatMs: number,
): () => void {
  // The scheduler's phase book knows where each running job is (also for a call that started polling late).
  const stream = new ProgressStream(
    send,
    () =>
      describeBatch(
        countJobs(batch.jobs),
        batch.jobs
          .filter((job) => job.state === 'running')
          .map((job) => ({ index: job.index, phase: phaseOfRun(scheduler.phaseOf(job.id)) })),
      ),
    heartbeatMs,
  );
  const onChange = (event: { batchId: string }) => {
    if (event.batchId === batch.id) stream.emit();
  };
  const onJob = (_job: JobRecord, changed: BatchRecord) => {
    if (changed.id === batch.id) stream.emit();
  };
  scheduler.on('progress', onChange);
  scheduler.on('phase', onChange);
  scheduler.on('job', onJob);
  stream.emit();
  return () => {
    stream.stop();
    scheduler.off('progress', onChange);
    scheduler.off('phase', onChange);
    scheduler.off('job', onJob);
  };
}
