import type { BackendPool } from './backend-pool.js';
import { SchedulerStoppedError } from './batch-wait.js';
import { PhaseBook, type JobPhase, type RunPhase } from './run-phase.js';
import type { BatchRecord, JobRecord } from './types.js';

/** One prompt a backend was given for a job, from its dispatch (or adoption) until the job leaves it. */
export interface Run {
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

export interface RunTableOptions {
  pool: Pick<BackendPool, 'adjustInFlight'>;
  /** How long one ComfyUI run may take before `onTimeout`. */
  timeoutMs: number;
  onTimeout(run: Run): void;
  /** A backend's window slot was given back: another job may go there. */
  onSlotFreed(): void;
  /** A running job entered a later phase. */
  onPhase(phase: JobPhase): void;
}

/**
 * The runs in flight, by job and by prompt id. Each holds a slot of its backend's in-flight window and a timeout,
 * and has a phase (loading … saving) for a caller that asks while it runs. Only the current run of a job may
 * change it: one that was cancelled, failed over or replaced is ignored when its answer comes late.
 */
export class RunTable {
  private readonly byJob = new Map<string, Run>();
  private readonly byPromptId = new Map<string, Run>();
  private readonly phases = new PhaseBook();
  private stopped = false;

  constructor(private readonly options: RunTableOptions) {}

  get size(): number {
    return this.byJob.size;
  }

  /** `slotTaken`: the backend's window slot was already taken for it (a job dispatched as it was accepted). */
  track(
    job: JobRecord,
    batch: BatchRecord,
    backend: string,
    promptId: string,
    options: { slotTaken?: boolean } = {},
  ): Run {
    const run: Run = {
      job,
      batch,
      backend,
      promptId,
      abort: new AbortController(),
      cancelled: false,
      slotReleased: false,
    };
    this.byJob.set(job.id, run);
    this.byPromptId.set(promptId, run);
    if (!options.slotTaken) this.options.pool.adjustInFlight(backend, 1);
    run.timer = setTimeout(() => this.options.onTimeout(run), this.options.timeoutMs);
    run.timer.unref();
    return run;
  }

  untrack(run: Run): void {
    if (this.byJob.get(run.job.id) !== run) return;
    clearTimeout(run.timer);
    this.byJob.delete(run.job.id);
    this.byPromptId.delete(run.promptId);
    this.phases.forget(run.job.id);
    this.releaseSlot(run);
  }

  releaseSlot(run: Run): void {
    if (run.slotReleased) return;
    run.slotReleased = true;
    this.options.pool.adjustInFlight(run.backend, -1);
    this.options.onSlotFreed();
  }

  isCurrent(run: Run): boolean {
    return !this.stopped && !run.cancelled && this.byJob.get(run.job.id) === run;
  }

  ofJob(jobId: string): Run | undefined {
    return this.byJob.get(jobId);
  }

  ofPrompt(promptId: string): Run | undefined {
    return this.byPromptId.get(promptId);
  }

  onBackend(backendId: string): Run[] {
    return [...this.byJob.values()].filter((run) => run.backend === backendId);
  }

  phaseOf(jobId: string): { phase: RunPhase; step?: { value: number; max: number } } | undefined {
    return this.phases.of(jobId);
  }

  advancePhase(run: Run, phase: RunPhase): void {
    if (!this.phases.advance(run.job.id, phase)) return;
    this.options.onPhase({ batchId: run.batch.id, jobId: run.job.id, phase });
  }

  /** Records a sampler step; the caller advances to sampling right after, so that event carries the step. */
  step(run: Run, value: number, max: number): void {
    this.phases.step(run.job.id, value, max);
  }

  /** No run is current any more: their timeouts stop and their waits are aborted, ComfyUI's work is left alone. */
  stop(): void {
    this.stopped = true;
    for (const run of this.byJob.values()) {
      clearTimeout(run.timer);
      run.abort.abort(new SchedulerStoppedError());
    }
  }
}
