/**
 * The scheduler's facade: the one object the bridge, MCP and dashboard talk to. Its parts live in their own
 * modules (job-book, job-queue, dispatch, run-flow, failover, recovery, batch-wait); what is left here is the
 * wiring between them and the public methods, so it stays one file a little over ~300 lines.
 */
import { EventEmitter } from 'node:events';
import { defaultSettings } from '../../shared/settings.js';
import { waitForBatch, type WaitOptions } from './batch-wait.js';
import { claimAtOnce, postClaim, withdrawClaim } from './claim.js';
import { chooseBackend, whyUndispatchable } from './dispatch.js';
import { Failover } from './failover.js';
import { JobBook, newBatch } from './job-book.js';
import { JobQueue } from './job-queue.js';
import { queueFullRefusal } from './queue-cap.js';
import { Recovery } from './recovery.js';
import { RunEvents } from './run-events.js';
import { RunFlow } from './run-flow.js';
import { cancelledError, cannotRunError } from './run-outcome.js';
import type { RunPhase } from './run-phase.js';
import { RunTable } from './runs.js';
import type { SchedulerOptions } from './scheduler-options.js';
import {
  terminalStates,
  type BatchIdempotency,
  type BatchPriority,
  type BatchRecord,
  type JobRecord,
  type JobSpec,
  type WebState,
} from './types.js';

export { SchedulerStoppedError } from './batch-wait.js';
export { defaultFinishedBatchRetentionMs } from './recovery.js';
export type { JobPreview, JobProgress } from './run-events.js';
export type { PreparedPrompt, SchedulerOptions } from './scheduler-options.js';

/**
 * Owns the queue of jobs: interactive calls go ahead of batch items; each backend gets a small in-flight
 * window so its GPU never waits for us; a job whose backend died is handed to another, never completed twice.
 * This class is the public face and the dispatcher; the work is done by its parts: JobQueue (who waits),
 * JobBook (batches and job states, announced and saved), RunTable (runs in flight), RunFlow (one run, dispatch to
 * delivery), RunEvents (ComfyUI's progress), Failover (a backend lost and back), Recovery (after a restart).
 *
 * Events: 'job' (job, batch) on every state change; 'progress' (JobProgress); 'preview' (JobPreview) for each
 * frame ComfyUI sends while sampling; 'phase' (JobPhase) when a running job enters loading, sampling, decoding
 * or saving; 'batch-done' (batch); 'web' (job, batch) when a completed job's web variants change state;
 * 'batch-settled' (batch) once every item and its web variants are finished.
 */
export class Scheduler extends EventEmitter {
  private readonly queue = new JobQueue();
  private readonly book: JobBook;
  private readonly runs: RunTable;
  private readonly flow: RunFlow;
  private readonly runEvents: RunEvents;
  private readonly failover: Failover;
  private readonly recovery: Recovery;
  private paused = false;
  private stopped = false;
  private pumping = false;
  private pumpAgain = false;
  /** Work that follows a batch's completed items (their web variants, bridge/web-jobs.ts), stopped by cancel too. */
  private readonly cancelFollowUps = new Set<(batch: BatchRecord) => Promise<void>>();

  constructor(private readonly options: SchedulerOptions) {
    super();
    // Every call waiting on a batch (generate_image, check_batch_status, the dashboard) listens here while it
    // waits; their number is bounded by the queue cap, not by Node's leak heuristic of 10.
    this.setMaxListeners(0);
    const timeoutMs = options.jobTimeoutMs ?? 30 * 60_000;
    this.book = new JobBook({
      store: options.store,
      events: this,
      queue: this.queue,
      pump: () => this.pump(),
      maxAttempts: options.maxAttempts ?? 3,
      onFinish: (job) => this.flow.forget(job.id),
    });
    this.runs = new RunTable({
      pool: options.pool,
      timeoutMs,
      onTimeout: (run) => void this.flow.onTimeout(run),
      onSlotFreed: () => this.pump(),
      onPhase: (phase) => this.emit('phase', phase),
    });
    this.failover = new Failover({
      pool: options.pool,
      logger: options.logger,
      runs: this.runs,
      book: this.book,
      queue: this.queue,
      reconcile: (job, backendId, client) => this.recovery.reconcile(job, backendId, client),
    });
    this.flow = new RunFlow(options, this.runs, this.book, this.failover, timeoutMs);
    this.recovery = new Recovery(options, this.book, this.runs, this.flow);
    this.runEvents = new RunEvents({
      pool: options.pool,
      runs: this.runs,
      events: this,
      onStarted: (backendId, promptId) => this.failover.started(backendId, promptId),
    });
    options.pool.on('up', (id: string) => this.onBackendUp(id));
    options.pool.on('down', (id: string) => this.onBackendDown(id));
    options.pool.on('change', () => this.pump());
  }

  /** Loads stored batches: finished items keep their results, runs ComfyUI already had are reconciled, the rest re-queued. */
  async start(): Promise<void> {
    await this.recovery.load();
    for (const load of this.options.pool.loads()) {
      this.runEvents.listen(load.id);
      if (load.available) this.onBackendUp(load.id);
    }
    this.pump();
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
    // An interactive call that can start at once is dispatched in the very write that accepts it (its prompt id is
    // in that write), and its POST /prompt goes out while the write runs (claim.ts postClaim): the run is followed,
    // and the batch known, only once the write is durable.
    const claims = this.canClaim(priority) ? claimAtOnce(batch.jobs, this.options) : [];
    const written = this.queue.admit(specs.length, () => this.options.store.create(batch));
    const sent = claims.map((claim) => {
      this.runEvents.hold(claim.job.dispatch!.promptId);
      return postClaim(claim);
    });
    try {
      await written;
    } catch (error) {
      for (const claim of sent) {
        this.options.pool.adjustInFlight(claim.backend, -1);
        this.runEvents.drop(claim.job.dispatch!.promptId);
        void withdrawClaim(claim, this.failover);
      }
      this.pump();
      throw error;
    }
    this.book.addBatch(batch);
    for (const job of batch.jobs) {
      this.book.addJob(job, batch);
      if (!sent.some((claim) => claim.job === job)) this.queue.add(job, priority);
    }
    for (const claim of sent) this.flow.sendClaimed(claim, batch);
    if (sent.length > 0) {
      // What ComfyUI said of the prompts during the write reaches the caller too: it adds its listeners in its
      // continuation of this call, which runs before any timer or I/O callback.
      setImmediate(() => {
        for (const claim of sent) this.runEvents.release(claim.job.dispatch!.promptId);
      });
    }
    this.pump();
    return batch;
  }

  /** Whether a new batch's jobs may be dispatched as it is accepted: interactive, with none waiting before them. */
  private canClaim(priority: BatchPriority): boolean {
    return (
      priority === 'interactive' && !this.stopped && !this.paused && !this.queue.hasWaiting('interactive')
    );
  }

  /** A batch in memory (unsettled, or settled since the start), else a settled one read from disk. */
  get(batchId: string): BatchRecord | undefined {
    return this.book.get(batchId) ?? this.options.store.readFinished(batchId);
  }

  /** The batches in memory: every unsettled one, and those settled since the start. */
  list(): BatchRecord[] {
    return this.book.list();
  }

  /** The batch an idempotency key created, in memory or settled on disk. */
  findByIdempotencyKey(key: string): BatchRecord | undefined {
    return this.book.findByIdempotencyKey(key) ?? this.options.store.findFinishedByKey(key);
  }

  /** The `limit` batches settled last on disk (those of earlier runs among them), newest first. */
  recentFinished(limit: number): Promise<BatchRecord[]> {
    return this.options.store.recentFinished(limit);
  }

  /**
   * Resolves with the batch when every item is finished (with `settled`, their web variants too), or when the time
   * is up, whichever comes first.
   */
  wait(batchId: string, options: WaitOptions): Promise<BatchRecord> {
    const batch = this.get(batchId);
    if (!batch) return Promise.reject(new Error(`unknown batch ${batchId}`));
    return waitForBatch(this, batch, options, this.stopped);
  }

  /**
   * Cancels every unfinished item: pending ones leave the queue, running ones are removed from or interrupted in
   * ComfyUI; and resolves once the work following its completed items (onCancel) has stopped too.
   */
  async cancel(batchId: string): Promise<{ cancelled: string[]; alreadyFinished: number }> {
    const batch = this.get(batchId);
    if (!batch) throw new Error(`unknown batch ${batchId}`);
    const cancelled: string[] = [];
    const stopping: Promise<void>[] = [];
    for (const job of batch.jobs) {
      if (terminalStates.has(job.state)) continue;
      cancelled.push(job.id);
      const run = this.runs.ofJob(job.id);
      if (run) stopping.push(this.flow.stop(run));
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
    return { pending: this.queue.length, running: this.runs.size };
  }

  /** The phase (and latest step) of a running job, for a caller that starts listening while it runs. */
  phaseOf(jobId: string): { phase: RunPhase; step?: { value: number; max: number } } | undefined {
    return this.runs.phaseOf(jobId);
  }

  /** Position of a pending job in our queue (0 = next), or undefined once it has been dispatched. */
  queuePosition(jobId: string): number | undefined {
    return this.queue.position(jobId);
  }

  /** Stops dispatching and tracking without touching ComfyUI's work; every batch stays resumable on disk. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.queue.stop();
    this.runs.stop();
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
        return () => this.flow.dispatch(job, this.book.batchOf(job.id), backend, priority === 'interactive');
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

  /**
   * Records a completed job's web variants (bridge/web-jobs.ts) in its batch on disk; resolves once saved (or
   * queued to be saved: the store keeps trying).
   */
  recordWeb(job: JobRecord, state: WebState): Promise<void> {
    return this.book.recordWeb(job, state);
  }

  private onBackendUp(backendId: string): void {
    this.runEvents.listen(backendId);
    const client = this.options.pool.client(backendId);
    if (!client) return;
    this.failover.backendUp(backendId, client);
    for (const job of this.recovery.take(backendId)) void this.recovery.reconcile(job, backendId, client);
    this.pump();
  }

  private onBackendDown(backendId: string): void {
    this.failover.backendDown(backendId, this.recovery.take(backendId));
  }
}
