import type { RunResult } from '../comfy/types.js';
import type { BackendClient } from './backend-pool.js';
import { postPrompt, type PostOutcome, type SentClaim } from './claim.js';
import { executionFailureLog } from './comfy-failure.js';
import type { Failover } from './failover.js';
import { downloadImage } from './image-download.js';
import { ImageFeed } from './image-feed.js';
import type { JobBook } from './job-book.js';
import { lookUp } from './prompt-lookup.js';
import { PromptRefusals } from './prompt-refusal.js';
import { isTransient, resubmitDelayMs, submitFailure } from './retry.js';
import { classTypesOf, messageOf, outcomeOf, timeoutError, toJobError } from './run-outcome.js';
import type { Run, RunTable } from './runs.js';
import type { PreparedPrompt, SchedulerOptions } from './scheduler-options.js';
import type { BatchRecord, JobRecord } from './types.js';

/** What a run needs of the scheduler's options: the backends, the log, and the adapters that bind and deliver. */
export type RunFlowOptions = Pick<
  SchedulerOptions,
  'pool' | 'logger' | 'prepare' | 'stageInputs' | 'forgetInputs' | 'deliver'
>;

/**
 * One run of a job on a backend, from dispatch to its end: an edit's inputs staged, the prompt bound and sent
 * (looked for in ComfyUI when the POST had no clear answer), followed to its result, the image downloaded and
 * delivered; or the job failed, sent again, timed out, or stopped at a cancel.
 */
export class RunFlow {
  private readonly refusals: PromptRefusals;

  constructor(
    private readonly options: RunFlowOptions,
    private readonly runs: RunTable,
    private readonly book: JobBook,
    private readonly failover: Pick<Failover, 'disown' | 'interrupt'>,
    /** How long one ComfyUI run may take (for the error that says so). */
    private readonly timeoutMs: number,
  ) {
    this.refusals = new PromptRefusals(options, book);
  }

  /** The job finished: a later run of it may re-upload its inputs again. */
  forget(jobId: string): void {
    this.refusals.forget(jobId);
  }

  /** Sends the job to the backend chosen for it (`front`: ahead of ComfyUI's own queue, for interactive calls). */
  dispatch(job: JobRecord, batch: BatchRecord, backendId: string, front: boolean): void {
    const client = this.options.pool.client(backendId)!;
    let prepared: PreparedPrompt | undefined;
    // An edit is bound once its inputs are on the backend (stageAndSend); anything else right now.
    if (!job.spec.edit) {
      try {
        prepared = this.options.prepare(job.spec);
      } catch (error) {
        this.book.finish(job, batch, { state: 'failed', error: toJobError(error, 'workflow') });
        return;
      }
    }
    job.attempts += 1;
    const promptId = `${job.id}-${job.attempts}`;
    job.state = 'running';
    job.dispatch = { backend: backendId, promptId };
    job.updatedAt = new Date().toISOString();
    const run = this.runs.track(job, batch, backendId, promptId);
    if (prepared) run.classTypes = classTypesOf(prepared.graph);
    this.book.announce(job, batch);
    // The prompt id is on disk before ComfyUI hears of it, so a crash in between is reconciled, not re-run blindly.
    void this.book
      .persist(batch)
      .then(() =>
        prepared ? this.send(run, client, prepared, front) : this.stageAndSend(run, client, front),
      );
  }

  /**
   * A job claimed as its batch was accepted (claim.ts), now on disk with its prompt id, its POST /prompt sent
   * during the write: tracked, and followed once ComfyUI has answered that POST.
   */
  sendClaimed({ job, backend, client, prepared, posted }: SentClaim, batch: BatchRecord): void {
    const run = this.runs.track(job, batch, backend, job.dispatch!.promptId, { slotTaken: true });
    run.classTypes = classTypesOf(prepared.graph);
    this.book.announce(job, batch);
    void this.send(run, client, prepared, true, posted);
  }

  /**
   * An edit: its inputs uploaded to this backend (again after a failover), then bound and sent. A refusal
   * (source_changed, a path no longer allowed) fails the job; an upload that failed on the way is tried again
   * like a POST /prompt without an answer.
   */
  private async stageAndSend(run: Run, client: BackendClient, front: boolean): Promise<void> {
    if (!this.runs.isCurrent(run)) return;
    let prepared: PreparedPrompt;
    try {
      const staged = await this.options.stageInputs!(run.job.spec, run.backend);
      if (!this.runs.isCurrent(run)) return;
      prepared = this.options.prepare(run.job.spec, staged);
    } catch (error) {
      if (!this.runs.isCurrent(run)) return;
      this.runs.untrack(run);
      if (isTransient(error)) {
        this.options.logger.warn('uploading an edit input failed; the job is dispatched again', {
          job: run.job.id,
          error,
        });
        this.book.retryOrFail(run.job, run.batch, messageOf(error), resubmitDelayMs(run.job.attempts));
      } else {
        this.book.finish(run.job, run.batch, {
          state: 'failed',
          error: toJobError(error, 'staging_failed'),
        });
      }
      return;
    }
    run.classTypes = classTypesOf(prepared.graph);
    await this.send(run, client, prepared, front);
  }

  /** POST /prompt (or the answer to one already sent: `sent`), then the run followed to its result. */
  private async send(
    run: Run,
    client: BackendClient,
    prepared: PreparedPrompt,
    front: boolean,
    sent?: PostOutcome,
  ): Promise<void> {
    if (!this.runs.isCurrent(run)) return;
    const failed = await (sent ?? postPrompt(client, prepared, run.promptId, front));
    if (failed) {
      await this.onSubmitError(run, client, failed.error, prepared.outputNodes);
      return;
    }
    this.options.pool.readObjectInfoAhead(run.backend);
    await this.follow(run, client, prepared.outputNodes);
  }

  /** Waits for the run's prompt and handles its result; a failure of the wait itself re-queues or fails the job. */
  private async follow(
    run: Run,
    client: BackendClient,
    outputNodes: string[],
    known?: RunResult,
  ): Promise<void> {
    try {
      await this.onResult(run, client, known ?? (await this.waitForRun(run, client)), outputNodes);
    } catch (error) {
      this.onRunError(run, error);
    }
  }

  private waitForRun(run: Run, client: BackendClient): Promise<RunResult> {
    return client.waitFor(run.promptId, { signal: run.abort.signal });
  }

  /**
   * POST /prompt failed. A refusal is final, and keeps ComfyUI's node_errors. Otherwise ComfyUI may have queued
   * the prompt anyway, so it is looked for there: found, the run follows it like a leftover prompt, and the
   * image is made once. Not found, the job is dispatched again after a short pause, and the old prompt id is
   * kept from ever running there, in case the request is still on its way.
   */
  private async onSubmitError(
    run: Run,
    client: BackendClient,
    error: unknown,
    outputNodes: string[],
  ): Promise<void> {
    if (!this.runs.isCurrent(run)) return;
    const { job, batch } = run;
    if (submitFailure(error) === 'refused') {
      this.runs.untrack(run);
      this.refusals.refused(run, error);
      return;
    }
    const found = await lookUp(client, run.promptId).catch(() => 'unknown' as const);
    if (!this.runs.isCurrent(run)) return;
    if (found !== 'absent' && found !== 'unknown') {
      this.options.logger.info('POST /prompt failed, but ComfyUI has the prompt; following it', {
        job: job.id,
        promptId: run.promptId,
        error,
      });
      await this.follow(run, client, outputNodes, found === 'queued' ? undefined : found);
      return;
    }
    this.failover.disown(run.backend, run.promptId);
    this.runs.untrack(run);
    this.options.logger.warn('POST /prompt failed; the job is dispatched again', {
      job: job.id,
      attempt: job.attempts,
      error,
    });
    this.book.retryOrFail(job, batch, messageOf(error), resubmitDelayMs(job.attempts));
  }

  /** ComfyUI's answer for the run: the image delivered, or the job failed or sent again (outcomeOf). */
  async onResult(run: Run, client: BackendClient, result: RunResult, outputNodes: string[]): Promise<void> {
    if (!this.runs.isCurrent(run)) return;
    const { job, batch } = run;
    const outcome = outcomeOf(result, outputNodes);
    if (outcome.kind === 'deliver') {
      this.runs.releaseSlot(run);
      this.runs.advancePhase(run, 'saving');
      try {
        const feed = new ImageFeed();
        const image = downloadImage(
          client,
          outcome.image,
          run.abort.signal,
          (attempt, error) =>
            this.options.logger.warn('downloading the image failed; trying again', {
              job: job.id,
              attempt,
              error,
            }),
          feed,
        ).then((bytes) => {
          if (!this.runs.isCurrent(run))
            throw new Error('the run was cancelled or stopped during the download');
          return bytes;
        });
        const delivered = await this.options.deliver(job, batch.id, image, run.backend, feed);
        this.runs.untrack(run);
        this.book.finish(job, batch, { state: 'completed', result: delivered });
      } catch (error) {
        if (!this.runs.isCurrent(run)) return;
        this.runs.untrack(run);
        this.book.finish(job, batch, {
          state: 'failed',
          error: toJobError(error, 'delivery_failed'),
        });
      }
      return;
    }
    this.runs.untrack(run);
    if (result.status === 'error') {
      this.options.logger.warn('ComfyUI failed running a job', {
        job: job.id,
        backend: run.backend,
        ...executionFailureLog(result.error),
      });
    }
    if (outcome.kind === 'fail') this.book.finish(job, batch, { state: 'failed', error: outcome.error });
    else this.book.retryOrFail(job, batch, outcome.reason);
  }

  /** Following a prompt ComfyUI has (or had) failed: its client closed, or its queue and history could not be read. */
  onRunError(run: Run, error: unknown): void {
    if (!this.runs.isCurrent(run)) return;
    this.runs.untrack(run);
    const name = error instanceof Error ? error.name : '';
    if (name === 'ComfyValidationError' || name === 'ComfyHttpError') {
      this.refusals.refused(run, error);
    } else {
      // Another backend (or this one later) gets the job; the prompt this backend may still hold must not run too.
      this.options.logger.warn('following the run failed; the job goes back to the queue', {
        job: run.job.id,
        error,
      });
      this.failover.disown(run.backend, run.promptId);
      this.book.retryOrFail(run.job, run.batch, messageOf(error));
    }
  }

  /** The run took longer than the job timeout: the job fails and ComfyUI is told to stop. */
  async onTimeout(run: Run): Promise<void> {
    if (!this.runs.isCurrent(run)) return;
    this.runs.untrack(run);
    run.abort.abort();
    this.book.finish(run.job, run.batch, {
      state: 'failed',
      error: timeoutError(this.timeoutMs),
    });
    await this.failover.interrupt(run.backend, run.promptId);
  }

  /** A cancel: the run ends here, and its prompt is removed from ComfyUI's queue or interrupted. */
  async stop(run: Run): Promise<void> {
    run.cancelled = true;
    this.runs.untrack(run);
    run.abort.abort();
    const client = this.options.pool.client(run.backend);
    if (!client) return;
    try {
      // Delete first (if still pending), then interrupt (if it started in between or was running).
      await client.deleteQueued([run.promptId]);
      await client.interrupt(run.promptId);
    } catch (error) {
      this.options.logger.warn('could not stop a cancelled run in ComfyUI', {
        backend: run.backend,
        error,
      });
    }
  }
}
