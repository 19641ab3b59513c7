/**
 * Web variants of finished images, off the calls' critical path: when a job with `spec.web` completes (its main
 * file written and answered), its variants are made with `makeWebAsset` in the process's bounded pool and the
 * outcome recorded in the job (jobs/types.ts `WebState`), on disk with its batch. Nothing about them lives only in
 * memory: a completed job whose variants are not recorded done or failed is made again at the next start
 * (`resumeAll`), replacing the files a crashed run left once it had claimed their names. A cancel of the batch
 * (cancel_batch, the dashboard) stops them for good: recorded failed with code `cancelled`. A made asset is also
 * kept on the image's gallery record, for the dashboard.
 */
import { BridgeError } from '../errors.js';
import { AtomicWriteError } from '../images/atomic-write.js';
import { PathPolicyError } from '../images/path-error.js';
import { ImageTooLargeError } from '../images/pixel-limit.js';
import type { GalleryHandle } from '../gallery/index.js';
import type { Scheduler } from '../jobs/scheduler.js';
import { hasWebPending, type BatchRecord, type JobError, type JobRecord } from '../jobs/types.js';
import type { Logger } from '../log.js';
import { makeWebAsset } from '../web/make-web-asset.js';
import { keepWebAssetOnRecord } from './keep-web-asset.js';
import type { WorkPool } from '../web/pool.js';

export interface WebJobsOptions {
  scheduler: Scheduler;
  gallery: GalleryHandle;
  pool: WorkPool;
  recoveryDir: string;
  /** The decoded-pixel limit of the settings (maxInputMegapixels), read when a job starts. */
  maxInputPixels: () => number;
  logger: Logger;
}

export class WebJobs {
  private readonly running = new Map<string, { abort: AbortController; done: Promise<void> }>();
  private stopped = false;
  private readonly onJob = (job: JobRecord): void => this.consider(job);
  private readonly offCancel: () => void;

  constructor(private readonly options: WebJobsOptions) {
    options.scheduler.on('job', this.onJob);
    this.offCancel = options.scheduler.onCancel((batch) => this.cancel(batch));
  }

  /** Starts the variants of every completed job still waiting for them (after the scheduler loaded its batches). */
  resumeAll(): void {
    for (const batch of this.options.scheduler.list()) for (const job of batch.jobs) this.consider(job);
  }

  /** Jobs whose variants are being made now. */
  get active(): number {
    return this.running.size;
  }

  /**
   * Stops making variants: the runs in progress are aborted (removing the files they created) and stay pending on
   * disk, to be made again at the next start.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.options.scheduler.off('job', this.onJob);
    this.offCancel();
    for (const run of this.running.values()) run.abort.abort(new Error('the bridge is stopping'));
    await Promise.allSettled([...this.running.values()].map((run) => run.done));
  }

  /**
   * The batch was cancelled: the variants of its images still being made or waiting for the pool are aborted (the
   * files made so far removed, as on stop) and recorded failed with code `cancelled`, so the batch is settled and
   * the next start does not make them again. A run that finished before the abort reached it stays done.
   */
  private async cancel(batch: BatchRecord): Promise<void> {
    const pending = batch.jobs.filter(hasWebPending);
    const runs = pending.flatMap((job) => this.running.get(job.id) ?? []);
    for (const run of runs) run.abort.abort(new Error('the batch was cancelled'));
    await Promise.allSettled(runs.map((run) => run.done));
    await Promise.all(
      pending
        .filter(hasWebPending)
        .map((job) => this.options.scheduler.recordWeb(job, { status: 'failed', error: cancelledWeb })),
    );
  }

  private consider(job: JobRecord): void {
    if (this.stopped || !hasWebPending(job) || this.running.has(job.id)) return;
    const abort = new AbortController();
    const done = this.make(job, abort.signal).finally(() => this.running.delete(job.id));
    this.running.set(job.id, { abort, done });
  }

  private async make(job: JobRecord, signal: AbortSignal): Promise<void> {
    const { scheduler, logger } = this.options;
    const web = job.spec.web!;
    const result = job.result!;
    // Names claimed by an earlier run (a crash or stop in between) hold this job's own partial output.
    const resumed = job.web?.status === 'pending' && job.web.claimed === true;
    try {
      const asset = await makeWebAsset({
        mainPath: result.path,
        prompt: job.spec.prompt,
        web: web.option,
        ...(web.projectDir === undefined ? {} : { projectDir: web.projectDir }),
        allowedRoots: job.spec.allowedRoots,
        recoveryDir: this.options.recoveryDir,
        overwrite: job.spec.overwrite || resumed,
        maxInputPixels: this.options.maxInputPixels(),
        pool: this.options.pool,
        signal,
        claim: async () => {
          if (!resumed) await scheduler.recordWeb(job, { status: 'pending', claimed: true });
        },
      });
      // On the gallery record (its id is the job's, bridge/pipeline.ts) before the job says done, so a client
      // that saw done finds it in the dashboard; the variants are made whether or not the record takes it.
      await keepWebAssetOnRecord(this.options.gallery, logger, job.id, asset).catch((error: unknown) =>
        logger.warn('web asset not kept in the gallery', { job: job.id, error: String(error) }),
      );
      await scheduler.recordWeb(job, { status: 'done', asset });
    } catch (error) {
      // Stopping: the job stays pending on disk and is made again at the next start. Cancelling: cancel records it.
      if (signal.aborted) return;
      const failure = webFailure(error);
      logger.warn('web variants failed; the image itself is kept', {
        job: job.id,
        path: result.path,
        ...failure,
      });
      await scheduler.recordWeb(job, { status: 'failed', error: failure });
    }
  }
}

const cancelledWeb: JobError = {
  code: 'cancelled',
  message: 'the batch was cancelled before these web variants were made; the image itself is kept',
};

/** The failure's code as the tools name the same failure elsewhere (file_exists, path_*, image_too_large). */
export function webFailure(error: unknown): JobError {
  if (error instanceof BridgeError) return { code: error.code, message: error.message };
  if (error instanceof AtomicWriteError && error.reason === 'exists')
    return { code: 'file_exists', message: error.message };
  if (error instanceof PathPolicyError)
    return { code: `path_${error.reason.replaceAll('-', '_')}`, message: error.message };
  if (error instanceof ImageTooLargeError) return { code: error.code, message: error.message };
  return { code: 'web_failed', message: error instanceof Error ? error.message : String(error) };
}
