import type { JobProgress, Scheduler } from '../jobs/scheduler.js';
import type { BatchRecord, JobRecord } from '../jobs/types.js';

/** The latest sampling step of every running job; the scheduler reports steps but does not keep them. */
export interface ProgressBook {
  of(jobId: string): { value: number; max: number } | undefined;
  close(): void;
}

export function createProgressBook(scheduler: Scheduler): ProgressBook {
  const latest = new Map<string, { value: number; max: number }>();
  const onProgress = (progress: JobProgress) => {
    latest.set(progress.jobId, { value: progress.value, max: progress.max });
  };
  // A job that left the running state (finished, or re-queued after its backend died) starts again from zero.
  const onJob = (job: JobRecord, _batch: BatchRecord) => {
    if (job.state !== 'running') latest.delete(job.id);
  };
  scheduler.on('progress', onProgress);
  scheduler.on('job', onJob);
  return {
    of: (jobId) => latest.get(jobId),
    close() {
      scheduler.off('progress', onProgress);
      scheduler.off('job', onJob);
      latest.clear();
    },
  };
}
