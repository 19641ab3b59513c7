import type { JobBook } from './job-book.js';
import { missesAnInput, toJobError } from './run-outcome.js';
import type { Run } from './runs.js';
import type { SchedulerOptions } from './scheduler-options.js';

/**
 * ComfyUI refused a run's prompt: the job fails with its node_errors (tracebacks only in the log line), except an
 * edit whose uploaded input is gone from the backend's input folder (emptied while ComfyUI stayed up), which is
 * uploaded and sent again, once; a second refusal fails it as any other.
 */
export class PromptRefusals {
  /** Edit jobs sent again once after their backend lost an uploaded input; until they finish. */
  private readonly reuploaded = new Set<string>();

  constructor(
    private readonly options: Pick<SchedulerOptions, 'logger' | 'forgetInputs'>,
    private readonly book: Pick<JobBook, 'requeue' | 'finish'>,
  ) {}

  /** The job finished: a later run of it may re-upload its inputs again. */
  forget(jobId: string): void {
    this.reuploaded.delete(jobId);
  }

  /** The run (already untracked) was refused with `error`. */
  refused(run: Run, error: unknown): void {
    const { nodeErrors } = error as { nodeErrors?: unknown };
    if (run.job.spec.edit && !this.reuploaded.has(run.job.id) && missesAnInput(nodeErrors)) {
      this.reuploaded.add(run.job.id);
      this.options.logger.warn('ComfyUI no longer has an uploaded edit input; uploading it again', {
        job: run.job.id,
        backend: run.backend,
      });
      this.options.forgetInputs?.(run.backend);
      this.book.requeue(run.job, run.batch, true);
      return;
    }
    this.options.logger.warn('ComfyUI refused a job', {
      job: run.job.id,
      backend: run.backend,
      error,
      nodeErrors,
    });
    this.book.finish(run.job, run.batch, {
      state: 'failed',
      error: toJobError(error, 'comfyui_rejected'),
    });
  }
}
