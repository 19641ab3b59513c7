import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { defaultSettings } from '../../shared/settings.js';
import type { ApiGraph, ImageRef, RunResult } from '../comfy/types.js';
import type { Logger } from '../log.js';
import type { BackendClient, BackendPool } from './backend-pool.js';
import type { BatchStore } from './batch-store.js';
import { SchedulerStoppedError, waitForBatch, type WaitOptions } from './batch-wait.js';
import { executionFailureLog } from './comfy-failure.js';
import { chooseBackend, whyUndispatchable } from './dispatch.js';
import { JobBook, newBatch } from './job-book.js';
import { JobQueue } from './job-queue.js';
import { lookUp } from './prompt-lookup.js';
import { queueFullRefusal } from './queue-cap.js';
import { isTransient, resubmitDelayMs, submitFailure, viewRetryDelaysMs } from './retry.js';
import {
  cancelledError,
  cannotRunError,
  classTypesOf,
  messageOf,
  missesAnInput,
  outcomeOf,
  timeoutError,
  toJobError,
} from './run-outcome.js';
import {
  isBatchDone,
  terminalStates,
  type BatchIdempotency,
  type BatchPriority,
  type BatchRecord,
  type JobRecord,
  type JobResult,
  type JobSpec,
  type StagedInputs,
  type WebState,
} from './types.js';
import { PhaseBook, phaseOfNode, type JobPhase, type RunPhase } from './run-phase.js';

/** A workflow bound to one job's parameters, ready for POST /prompt. */
export interface PreparedPrompt {
  graph: ApiGraph;
  /** Output nodes whose images are the job's result, in order of preference. */
  outputNodes: string[];
}

export interface SchedulerOptions {
  store: BatchStore;
  pool: BackendPool;
  logger: Logger;
  /**
   * Binds the job's workflow (an edit's with the names its inputs got on the backend); throws (a BridgeError) when
   * the workflow is unknown or unusable.
   */
  prepare(spec: JobSpec, staged?: StagedInputs): PreparedPrompt;
  /**
   * An edit's source (and mask), read again and uploaded to the backend that runs the job, before its prompt is
   * bound; throws a BridgeError (source_changed, a path refusal) that fails the job, or a transient error that
   * sends it again.
   */
  stageInputs?(spec: JobSpec, backendId: string): Promise<StagedInputs>;
  /** Forgets the inputs uploaded to that backend (it answered that one is missing); with `stageInputs`. */
  forgetInputs?(backendId: string): void;
  /** The workflow's output nodes, for a run recovered after a restart. */
  outputNodes?(spec: JobSpec): string[];
  /** Whether a backend has every node type and model file the workflow needs. */
  canRun(workflow: string, backendId: string): boolean;
  /** What a backend lacks for the workflow, in words that say what to install. */
  explainCannotRun(workflow: string, backendId: string): string;
  /** Turns ComfyUI's image into the requested file (size, format, metadata, save path) and records it. */
  deliver(job: JobRecord, batchId: string, image: Buffer, backendId: string): Promise<JobResult>;
  /** A job's result if it was already delivered (a restart between writing the file and saving the batch). */
  findDelivered(job: JobRecord): JobResult | undefined;
  /** Dispatches after which a job that keeps losing its backend fails. */
  maxAttempts?: number;
  /** How long one ComfyUI run may take before it is interrupted and failed. */
  jobTimeoutMs?: number;
  /** How long a finished batch stays answerable (and on disk) after its last change; its images stay in the gallery. */
  finishedBatchRetentionMs?: number;
  /** Jobs that may wait in the queue at once (read on every submit, so a settings change applies at once). */
  maxPendingJobs?: () => number;
  now?: () => number;
}

export const defaultFinishedBatchRetentionMs = 7 * 24 * 60 * 60_000;

export interface JobProgress {
  batchId: string;
  jobId: string;
  value: number;
  max: number;
  node?: string;
}

/** A preview frame ComfyUI sent while sampling a job: in memory only, never written anywhere. */
export interface JobPreview {
  batchId: string;
  jobId: string;
  mime: string;
  bytes: Buffer;
}

interface Active {
  job: JobRecord;
  batch: BatchRecord;
  backend: string;
  promptId: string;
  abort: AbortController;
  cancelled: boolean;
  /** The backend's window slot is given back as soon as ComfyUI is done, before the download and write. */
  slotReleased: boolean;
  timer?: NodeJS.Timeout;
  /** Node id → class type of the graph sent, to name the phase a node starts (unknown for a reconciled run). */
  classTypes?: Record<string, string>;
}

export { SchedulerStoppedError } from './batch-wait.js';

/**
 * Owns the queue of jobs: interactive calls go ahead of batch items; each backend gets a small in-flight
 * window so its GPU never waits for us; a job whose backend died is handed to another, never completed twice.
 *
 * Events: 'job' (job, batch) on every state change; 'progress' (JobProgress); 'preview' (JobPreview) for each
 * frame ComfyUI sends while sampling; 'phase' (JobPhase) when a running job enters loading, sampling, decoding
 * or saving; 'batch-done' (batch); 'web' (job, batch) when a completed job's web variants change state;
 * 'batch-settled' (batch) once every item and its web variants are finished.
 */
export class Scheduler extends EventEmitter {
  private readonly queue = new JobQueue();
  private readonly book: JobBook;
  private readonly active = new Map<string, Active>();
  private readonly byPrompt = new Map<string, Active>();
  /**
   * Prompts left on a backend that failed over, with their jobs. If it comes back while such a job still waits in
   * our queue, the prompt it already has is adopted; otherwise it is removed from its queue.
   */
  private readonly orphans = new Map<string, Map<string, JobRecord>>();
  /**
   * Per backend, prompt ids whose POST /prompt failed with no clear answer and that ComfyUI did not have when
   * asked. The request may still be on its way (a slow handler): if such a prompt ever starts, it is interrupted,
   * because its job has been dispatched again.
   */
  private readonly unwanted = new Map<string, Set<string>>();
  private readonly recovering = new Map<string, JobRecord[]>();
  private paused = false;
  private stopped = false;
  private pumping = false;
  private pumpAgain = false;
  private readonly jobTimeoutMs: number;
  /**
   * The clients listened to, not their URLs: a URL removed in Settings and added again gets a new client,
   * whose events must be heard too (keyed by URL, progress stopped for good after such a change).
   */
  private readonly subscribed = new WeakSet<BackendClient>();
  private readonly phases = new PhaseBook();
  /** Edit jobs sent again once after their backend lost an uploaded input (failRefused); until they finish. */
  private readonly reuploaded = new Set<string>();
  /** Work that follows a batch's completed items (their web variants, bridge/web-jobs.ts), stopped by cancel too. */
  private readonly cancelFollowUps = new Set<(batch: BatchRecord) => Promise<void>>();

  constructor(private readonly options: SchedulerOptions) {
    super();
    // Every call waiting on a batch (generate_image, check_batch_status, the dashboard) listens here while it
    // waits; their number is bounded by the queue cap, not by Node's leak heuristic of 10.
    this.setMaxListeners(0);
    this.book = new JobBook({
      store: options.store,
      events: this,
      queue: this.queue,
      pump: () => this.pump(),
      maxAttempts: options.maxAttempts ?? 3,
      onFinish: (job) => this.reuploaded.delete(job.id),
    });
    this.jobTimeoutMs = options.jobTimeoutMs ?? 30 * 60_000;
    options.pool.on('up', (id: string) => this.onBackendUp(id));
    options.pool.on('down', (id: string) => this.onBackendDown(id));
    options.pool.on('change', () => this.pump());
  }

  /** Loads stored batches: finished items keep their results, runs ComfyUI already had are reconciled, the rest re-queued. */
  async start(): Promise<void> {
    for (const batch of await this.options.store.loadAll()) {
      if (this.isExpired(batch)) {
        await this.options.store.remove(batch.id);
        continue;
      }
      this.book.addBatch(batch);
      for (const job of batch.jobs) {
        this.book.addJob(job, batch);
        if (terminalStates.has(job.state)) continue;
        const delivered = this.options.findDelivered(job);
        if (delivered) {
          this.book.finish(job, batch, { state: 'completed', result: delivered });
        } else if (job.state === 'running' && job.dispatch) {
          const list = this.recovering.get(job.dispatch.backend) ?? [];
          list.push(job);
          this.recovering.set(job.dispatch.backend, list);
        } else {
          this.book.requeue(job, batch);
        }
      }
    }
    // A backend that is no longer configured cannot be asked: its runs are dispatched afresh.
    const known = new Set(this.options.pool.ids());
    for (const [backend, jobs] of this.recovering) {
      if (known.has(backend)) continue;
      this.recovering.delete(backend);
      for (const job of jobs) this.book.requeue(job, this.book.batchOf(job.id));
    }
    for (const load of this.options.pool.loads()) {
      this.subscribe(load.id);
      if (load.available) this.onBackendUp(load.id);
    }
    this.pump();
  }

  /** A finished batch whose last item changed longer ago than the retention period. */
  private isExpired(batch: BatchRecord): boolean {
    if (!isBatchDone(batch)) return false;
    const lastChange = Math.max(
      Date.parse(batch.createdAt),
      ...batch.jobs.map((job) => Date.parse(job.updatedAt)),
    );
    const retention = this.options.finishedBatchRetentionMs ?? defaultFinishedBatchRetentionMs;
    return (this.options.now ?? Date.now)() - lastChange > retention;
  }

  /**
   * Accepts a batch: refused whole with `queue_full` when it would take the pending jobs over the cap, and with
   * `state_not_saved` when it cannot be written. Resolves only once the batch is durably on disk, so an id handed
   * out survives a crash.
   */
  async submit(
    specs: readonly JobSpec[],
    priority: BatchPriority,
    idempotency?: BatchIdempotency,
  ): Promise<BatchRecord> {
    const limit = this.options.maxPendingJobs?.() ?? defaultSettings.maxPendingJobs;
    const refusal = queueFullRefusal(this.queue.pending(), specs.length, limit);
    if (refusal) throw refusal;
    const batch = newBatch(specs, priority, idempotency);
    await this.queue.admit(specs.length, () => this.options.store.create(batch));
    this.book.addBatch(batch);
    for (const job of batch.jobs) {
      this.book.addJob(job, batch);
      this.queue.add(job, priority);
    }
    this.pump();
    return batch;
  }

  get(batchId: string): BatchRecord | undefined {
    return this.book.get(batchId);
  }

  list(): BatchRecord[] {
    return this.book.list();
  }

  /**
   * Resolves with the batch when every item is finished (with `settled`, their web variants too), or when the time
   * is up, whichever comes first.
   */
  wait(batchId: string, options: WaitOptions): Promise<BatchRecord> {
    const batch = this.book.get(batchId);
    if (!batch) return Promise.reject(new Error(`unknown batch ${batchId}`));
    return waitForBatch(this, batch, options);
  }

  /**
   * Cancels every unfinished item: pending ones leave the queue, running ones are removed from or interrupted in
   * ComfyUI; and resolves once the work following its completed items (onCancel) has stopped too.
   */
  async cancel(batchId: string): Promise<{ cancelled: string[]; alreadyFinished: number }> {
    const batch = this.book.get(batchId);
    if (!batch) throw new Error(`unknown batch ${batchId}`);
    const cancelled: string[] = [];
    const stopping: Promise<void>[] = [];
    for (const job of batch.jobs) {
      if (terminalStates.has(job.state)) continue;
      cancelled.push(job.id);
      const run = this.active.get(job.id);
      if (run) stopping.push(this.stopRun(run));
      this.queue.remove(job);
      this.book.finish(job, batch, {
        state: 'cancelled',
        error: cancelledError,
      });
    }
    for (const followUp of this.cancelFollowUps) stopping.push(followUp(batch));
    await Promise.allSettled(stopping);
    return { cancelled, alreadyFinished: batch.jobs.length - cancelled.length };
  }

  /**
   * `stop` runs at every cancel of a batch, after its unfinished items are cancelled, and the cancel waits for it:
   * for work done after an item completed (its web variants). Returns the function that removes it.
   */
  onCancel(stop: (batch: BatchRecord) => Promise<void>): () => void {
    this.cancelFollowUps.add(stop);
    return () => this.cancelFollowUps.delete(stop);
  }

  setPaused(paused: boolean): void {
    this.paused = paused;
    this.pump();
  }

  get isPaused(): boolean {
    return this.paused;
  }

  counts(): { pending: number; running: number } {
    return { pending: this.queue.length, running: this.active.size };
  }

  /** Position of a pending job in our queue (0 = next), or undefined once it has been dispatched. */
  /** The phase (and latest step) of a running job, for a caller that starts listening while it runs. */
  phaseOf(jobId: string): { phase: RunPhase; step?: { value: number; max: number } } | undefined {
    return this.phases.of(jobId);
  }

  queuePosition(jobId: string): number | undefined {
    return this.queue.position(jobId);
  }

  /** Stops dispatching and tracking without touching ComfyUI's work; every batch stays resumable on disk. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.queue.stop();
    for (const run of this.active.values()) {
      clearTimeout(run.timer);
      run.abort.abort(new SchedulerStoppedError());
    }
    this.emit('stopped');
    await this.options.store.flush();
  }

  /** Dispatches what it can. Re-entrant calls (a job that fails at once frees its slot) are folded into one loop. */
  private pump(): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        this.pumpOnce();
      } while (this.pumpAgain);
    } finally {
      this.pumping = false;
    }
  }

  private pumpOnce(): void {
    if (this.stopped || this.paused) return;
    this.queue.offer((job, priority) => {
      const loads = this.options.pool.loads();
      if (!loads.some((load) => load.available && load.inFlight < load.window)) return 'stop';
      const canRun = (id: string) => this.options.canRun(job.spec.workflow, id);
      const backend = chooseBackend(loads, canRun);
      if (backend)
        return () => this.dispatch(job, this.book.batchOf(job.id), backend, priority === 'interactive');
      // Waiting would never end when every ComfyUI we can reach lacks something this workflow needs; otherwise
      // later jobs may use another workflow that some backend can run.
      if (whyUndispatchable(loads, canRun) !== 'none-can-run') return 'keep';
      return () =>
        this.failUnrunnable(
          job,
          loads.filter((load) => load.available).map((load) => load.id),
        );
    });
  }

  private failUnrunnable(job: JobRecord, backends: string[]): void {
    const reasons = backends.map((id) => `${id}: ${this.options.explainCannotRun(job.spec.workflow, id)}`);
    this.book.finish(job, this.book.batchOf(job.id), {
      state: 'failed',
      error: cannotRunError(job.spec.workflow, reasons),
    });
  }

  private dispatch(job: JobRecord, batch: BatchRecord, backendId: string, front: boolean): void {
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
    const run = this.track(job, batch, backendId, promptId);
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
   * An edit: its inputs uploaded to this backend (again after a failover), then bound and sent. A refusal
   * (source_changed, a path no longer allowed) fails the job; an upload that failed on the way is tried again
   * like a POST /prompt without an answer.
   */
  private async stageAndSend(run: Active, client: BackendClient, front: boolean): Promise<void> {
    if (!this.isCurrent(run)) return;
    let prepared: PreparedPrompt;
    try {
      const staged = await this.options.stageInputs!(run.job.spec, run.backend);
      if (!this.isCurrent(run)) return;
      prepared = this.options.prepare(run.job.spec, staged);
    } catch (error) {
      if (!this.isCurrent(run)) return;
      this.untrack(run);
      if (isTransient(error)) {
        this.options.logger.warn('uploading an edit input failed; the job is dispatched again', {
          job: run.job.id,
          error,
        });
        this.book.retryOrFail(run.job, run.batch, messageOf(error), resubmitDelayMs(run.job.attempts));
      } else {
        this.book.finish(run.job, run.batch, { state: 'failed', error: toJobError(error, 'staging_failed') });
      }
      return;
    }
    run.classTypes = classTypesOf(prepared.graph);
    await this.send(run, client, prepared, front);
  }

  private async send(
    run: Active,
    client: BackendClient,
    prepared: PreparedPrompt,
    front: boolean,
  ): Promise<void> {
    if (!this.isCurrent(run)) return;
    try {
      await client.submit(prepared.graph, { promptId: run.promptId, front });
    } catch (error) {
      await this.onSubmitError(run, client, error, prepared.outputNodes);
      return;
    }
    await this.follow(run, client, prepared.outputNodes);
  }

  /** Waits for the run's prompt and handles its result; a failure of the wait itself re-queues or fails the job. */
  private async follow(
    run: Active,
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

  private track(job: JobRecord, batch: BatchRecord, backend: string, promptId: string): Active {
    const run: Active = {
      job,
      batch,
      backend,
      promptId,
      abort: new AbortController(),
      cancelled: false,
      slotReleased: false,
    };
    this.active.set(job.id, run);
    this.byPrompt.set(promptId, run);
    this.options.pool.adjustInFlight(backend, 1);
    run.timer = setTimeout(() => void this.onTimeout(run), this.jobTimeoutMs);
    run.timer.unref();
    return run;
  }

  private untrack(run: Active): void {
    if (this.active.get(run.job.id) !== run) return;
    clearTimeout(run.timer);
    this.active.delete(run.job.id);
    this.byPrompt.delete(run.promptId);
    this.phases.forget(run.job.id);
    this.releaseSlot(run);
  }

  private releaseSlot(run: Active): void {
    if (run.slotReleased) return;
    run.slotReleased = true;
    this.options.pool.adjustInFlight(run.backend, -1);
    this.pump();
  }

  private waitForRun(run: Active, client: BackendClient): Promise<RunResult> {
    return client.waitFor(run.promptId, { signal: run.abort.signal });
  }

  /**
   * POST /prompt failed. A refusal is final, and keeps ComfyUI's node_errors. Otherwise ComfyUI may have queued
   * the prompt anyway, so it is looked for there: found, the run follows it like a leftover prompt, and the
   * image is made once. Not found, the job is dispatched again after a short pause, and the old prompt id is
   * kept from ever running there, in case the request is still on its way.
   */
  private async onSubmitError(
    run: Active,
    client: BackendClient,
    error: unknown,
    outputNodes: string[],
  ): Promise<void> {
    if (!this.isCurrent(run)) return;
    const { job, batch } = run;
    if (submitFailure(error) === 'refused') {
      this.untrack(run);
      this.failRefused(run, error);
      return;
    }
    const found = await lookUp(client, run.promptId).catch(() => 'unknown' as const);
    if (!this.isCurrent(run)) return;
    if (found !== 'absent' && found !== 'unknown') {
      this.options.logger.info('POST /prompt failed, but ComfyUI has the prompt; following it', {
        job: job.id,
        promptId: run.promptId,
        error,
      });
      await this.follow(run, client, outputNodes, found === 'queued' ? undefined : found);
      return;
    }
    this.disown(run.backend, run.promptId);
    this.untrack(run);
    this.options.logger.warn('POST /prompt failed; the job is dispatched again', {
      job: job.id,
      attempt: job.attempts,
      error,
    });
    this.book.retryOrFail(job, batch, messageOf(error), resubmitDelayMs(job.attempts));
  }

  /** Downloads the image; a 5xx, a dropped connection or no answer in time is tried again a few times. */
  private async download(run: Active, client: BackendClient, ref: ImageRef): Promise<Buffer> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await client.view(ref, run.abort.signal);
      } catch (error) {
        const delay = viewRetryDelaysMs[attempt - 1];
        if (run.abort.signal.aborted || !isTransient(error)) throw error;
        if (delay === undefined) {
          throw Object.assign(new Error(`Gave up after ${attempt} attempts: ${messageOf(error)}`), {
            cause: error,
          });
        }
        this.options.logger.warn('downloading the image failed; trying again', {
          job: run.job.id,
          attempt,
          error,
        });
        await sleep(delay, undefined, { signal: run.abort.signal });
      }
    }
  }

  private async onResult(
    run: Active,
    client: BackendClient,
    result: RunResult,
    outputNodes: string[],
  ): Promise<void> {
    if (!this.isCurrent(run)) return;
    const { job, batch } = run;
    const outcome = outcomeOf(result, outputNodes);
    if (outcome.kind === 'deliver') {
      this.releaseSlot(run);
      this.advancePhase(run, 'saving');
      try {
        const bytes = await this.download(run, client, outcome.image);
        if (!this.isCurrent(run)) return;
        const delivered = await this.options.deliver(job, batch.id, bytes, run.backend);
        this.untrack(run);
        this.book.finish(job, batch, { state: 'completed', result: delivered });
      } catch (error) {
        if (!this.isCurrent(run)) return;
        this.untrack(run);
        this.book.finish(job, batch, { state: 'failed', error: toJobError(error, 'delivery_failed') });
      }
      return;
    }
    this.untrack(run);
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
  private onRunError(run: Active, error: unknown): void {
    if (!this.isCurrent(run)) return;
    this.untrack(run);
    const name = error instanceof Error ? error.name : '';
    if (name === 'ComfyValidationError' || name === 'ComfyHttpError') {
      this.failRefused(run, error);
    } else {
      // Another backend (or this one later) gets the job; the prompt this backend may still hold must not run too.
      this.options.logger.warn('following the run failed; the job goes back to the queue', {
        job: run.job.id,
        error,
      });
      this.disown(run.backend, run.promptId);
      this.book.retryOrFail(run.job, run.batch, messageOf(error));
    }
  }

  /** ComfyUI refused the prompt: the job fails with its node_errors (tracebacks only in this log line). */
  private failRefused(run: Active, error: unknown): void {
    const { nodeErrors } = error as { nodeErrors?: unknown };
    if (run.job.spec.edit && !this.reuploaded.has(run.job.id) && missesAnInput(nodeErrors)) {
      // The upload this backend was sent is gone from its input folder (emptied while ComfyUI stayed up): upload
      // again, once; a second refusal fails the job as any other.
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
    this.book.finish(run.job, run.batch, { state: 'failed', error: toJobError(error, 'comfyui_rejected') });
  }

  private async onTimeout(run: Active): Promise<void> {
    if (!this.isCurrent(run)) return;
    this.untrack(run);
    run.abort.abort();
    this.book.finish(run.job, run.batch, { state: 'failed', error: timeoutError(this.jobTimeoutMs) });
    await this.interruptQuietly(run.backend, run.promptId);
  }

  /**
   * Records a completed job's web variants (bridge/web-jobs.ts) in its batch on disk; resolves once saved (or
   * queued to be saved: the store keeps trying).
   */
  recordWeb(job: JobRecord, state: WebState): Promise<void> {
    return this.book.recordWeb(job, state);
  }

  private isCurrent(run: Active): boolean {
    return !this.stopped && !run.cancelled && this.active.get(run.job.id) === run;
  }

  private async stopRun(run: Active): Promise<void> {
    run.cancelled = true;
    this.untrack(run);
    run.abort.abort();
    const client = this.options.pool.client(run.backend);
    if (!client) return;
    try {
      // Delete first (if still pending), then interrupt (if it started in between or was running).
      await client.deleteQueued([run.promptId]);
      await client.interrupt(run.promptId);
    } catch (error) {
      this.options.logger.warn('could not stop a cancelled run in ComfyUI', { backend: run.backend, error });
    }
  }

  private async interruptQuietly(backend: string, promptId: string): Promise<void> {
    try {
      await this.options.pool.client(backend)?.interrupt(promptId);
    } catch (error) {
      this.options.logger.warn('could not interrupt a run', { backend, promptId, error });
    }
  }

  private subscribe(backendId: string): void {
    const client = this.options.pool.client(backendId);
    if (!client || this.subscribed.has(client)) return;
    this.subscribed.add(client);
    client.on('started', ({ promptId }) => {
      const started = this.byPrompt.get(promptId);
      if (started) this.advancePhase(started, 'loading');
      if (!this.unwanted.get(backendId)?.delete(promptId)) return;
      this.options.logger.warn('a prompt given up on reached ComfyUI late; interrupting it', {
        backend: backendId,
        promptId,
      });
      void this.interruptQuietly(backendId, promptId);
    });
    client.on('executing', ({ promptId, node }) => {
      const run = this.byPrompt.get(promptId);
      const phase = run && node !== null ? phaseOfNode(run.classTypes?.[node]) : undefined;
      if (run && phase) this.advancePhase(run, phase);
    });
    client.on('progress', (event) => {
      const run = this.byPrompt.get(event.promptId);
      if (!run) return;
      this.phases.step(run.job.id, event.value, event.max);
      this.advancePhase(run, 'sampling');
      this.emit('progress', {
        batchId: run.batch.id,
        jobId: run.job.id,
        value: event.value,
        max: event.max,
        node: event.node,
      } satisfies JobProgress);
    });
    client.on('preview', ({ promptId, mime, bytes }) => {
      const run = promptId === undefined ? undefined : this.byPrompt.get(promptId);
      if (!run) return;
      this.emit('preview', { batchId: run.batch.id, jobId: run.job.id, mime, bytes } satisfies JobPreview);
    });
  }

  private advancePhase(run: Active, phase: RunPhase): void {
    if (!this.phases.advance(run.job.id, phase)) return;
    this.emit('phase', { batchId: run.batch.id, jobId: run.job.id, phase } satisfies JobPhase);
  }

  private onBackendUp(backendId: string): void {
    this.subscribe(backendId);
    const client = this.options.pool.client(backendId);
    if (!client) return;
    const orphans = this.orphans.get(backendId);
    if (orphans?.size) {
      this.orphans.delete(backendId);
      const stale: string[] = [];
      for (const [promptId, job] of orphans) {
        if (job.state === 'pending' && this.adopt(job, backendId, promptId)) {
          void this.reconcile(job, this.book.batchOf(job.id), backendId, client);
        } else stale.push(promptId);
      }
      if (stale.length > 0) void this.clearOrphans(client, stale);
    }
    // Its 'started' events may have been missed while it was away.
    if (this.unwanted.get(backendId)?.size) void this.clearUnwanted(backendId, client);
    const recovering = this.recovering.get(backendId);
    if (recovering) {
      this.recovering.delete(backendId);
      for (const job of recovering) void this.reconcile(job, this.book.batchOf(job.id), backendId, client);
    }
    this.pump();
  }

  /** After a restart: finds out what became of a run ComfyUI was given before the bridge went down. */
  private async reconcile(
    job: JobRecord,
    batch: BatchRecord,
    backendId: string,
    client: BackendClient,
  ): Promise<void> {
    const promptId = job.dispatch!.promptId;
    const run = this.track(job, batch, backendId, promptId);
    // Only the wait is given up once history answers: run.abort must stay live for the /view download.
    const stopWaiting = new AbortController();
    const waiting = client.waitFor(promptId, {
      signal: AbortSignal.any([run.abort.signal, stopWaiting.signal]),
    });
    waiting.catch(() => undefined);
    try {
      const found = await lookUp(client, promptId);
      if (found === 'queued') {
        await this.onResult(run, client, await waiting, this.outputNodesOf(job));
        return;
      }
      stopWaiting.abort();
      if (found === 'absent') await this.onResult(run, client, { status: 'lost' }, []);
      else await this.onResult(run, client, found, this.outputNodesOf(job));
    } catch (error) {
      this.onRunError(run, error);
    }
  }

  private outputNodesOf(job: JobRecord): string[] {
    try {
      return this.options.outputNodes?.(job.spec) ?? this.options.prepare(job.spec).outputNodes;
    } catch {
      return [];
    }
  }

  private onBackendDown(backendId: string): void {
    const stranded = [...this.active.values()].filter((run) => run.backend === backendId);
    const recovering = this.recovering.get(backendId) ?? [];
    this.recovering.delete(backendId);
    if (stranded.length === 0 && recovering.length === 0) return;
    this.options.logger.warn('backend down; handing its jobs to the others', {
      backend: backendId,
      jobs: stranded.length + recovering.length,
    });
    const orphans = this.orphans.get(backendId) ?? new Map<string, JobRecord>();
    for (const run of stranded) {
      orphans.set(run.promptId, run.job);
      run.cancelled = true;
      this.untrack(run);
      run.abort.abort();
      this.book.retryOrFail(run.job, run.batch, `ComfyUI at ${backendId} stopped answering`);
    }
    for (const job of recovering) {
      orphans.set(job.dispatch!.promptId, job);
      this.book.requeue(job, this.book.batchOf(job.id), true);
    }
    this.orphans.set(backendId, orphans);
  }

  /**
   * Takes a job that is still waiting in our queue back to the prompt its recovered backend already has, so a
   * connection that only flapped does not make ComfyUI run the image twice. False if it is not queued.
   */
  private adopt(job: JobRecord, backendId: string, promptId: string): boolean {
    if (!this.queue.take(job, this.book.batchOf(job.id).priority)) return false;
    job.state = 'running';
    job.dispatch = { backend: backendId, promptId };
    job.updatedAt = new Date().toISOString();
    this.book.announce(job, this.book.batchOf(job.id));
    void this.book.persist(this.book.batchOf(job.id));
    return true;
  }

  private async clearOrphans(client: BackendClient, promptIds: string[]): Promise<void> {
    try {
      await client.deleteQueued(promptIds);
      for (const promptId of promptIds) await client.interrupt(promptId);
    } catch (error) {
      this.options.logger.warn('could not clear runs left on a recovered backend', { error });
    }
  }

  /** Keeps a prompt id from running on a backend: removed from its queue now, interrupted if it ever starts. */
  private disown(backendId: string, promptId: string): void {
    const ids = this.unwanted.get(backendId) ?? new Set<string>();
    ids.add(promptId);
    // Only a request still in flight can bring one back, so old entries are no longer worth keeping.
    if (ids.size > maxUnwantedPerBackend) ids.delete(ids.values().next().value!);
    this.unwanted.set(backendId, ids);
    const client = this.options.pool.client(backendId);
    if (client) void this.clearOrphans(client, [promptId]);
  }

  /** Removes (or interrupts) the disowned prompts a backend has in its queue. */
  private async clearUnwanted(backendId: string, client: BackendClient): Promise<void> {
    try {
      const queue = await client.queue();
      const ids = this.unwanted.get(backendId);
      const present = [...queue.running, ...queue.pending]
        .map((entry) => entry.promptId)
        .filter((id) => ids?.delete(id));
      if (present.length > 0) await this.clearOrphans(client, present);
    } catch (error) {
      this.options.logger.warn('could not check a recovered backend for prompts given up on', {
        backend: backendId,
        error,
      });
    }
  }
}

/** How many disowned prompt ids a backend keeps (see Scheduler.unwanted). */
const maxUnwantedPerBackend = 1_000;
