import type { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { BatchStore } from './batch-store.js';
import type { JobQueue } from './job-queue.js';
import { gaveUpError } from './run-outcome.js';
import {
  isBatchDone,
  isBatchSettled,
  terminalStates,
  type BatchIdempotency,
  type BatchPriority,
  type BatchRecord,
  type JobError,
  type JobRecord,
  type JobResult,
  type JobSpec,
  type WebState,
} from './types.js';

export interface JobBookOptions {
  store: BatchStore;
  /** Where changes are announced (the Scheduler): 'job', 'web', 'batch-done', 'batch-settled'. */
  events: EventEmitter;
  queue: JobQueue;
  /** Dispatches what it can: after a job went back to the queue or finished (its slot may be free). */
  pump(): void;
  /** Dispatches after which a job that keeps losing its backend fails. */
  maxAttempts: number;
  /** Called as a job finishes, before it is announced. */
  onFinish(job: JobRecord): void;
}

/**
 * Every batch the scheduler knows and the state of its jobs: each change of a job's state is announced and saved,
 * and a job sent back goes to the queue.
 */
export class JobBook {
  private readonly batches = new Map<string, BatchRecord>();
  private readonly batchByJob = new Map<string, BatchRecord>();

  constructor(private readonly options: JobBookOptions) {}

  addBatch(batch: BatchRecord): void {
    this.batches.set(batch.id, batch);
  }

  addJob(job: JobRecord, batch: BatchRecord): void {
    this.batchByJob.set(job.id, batch);
  }

  get(batchId: string): BatchRecord | undefined {
    return this.batches.get(batchId);
  }

  list(): BatchRecord[] {
    return [...this.batches.values()];
  }

  /** The batch in memory that an idempotency key created. */
  findByIdempotencyKey(key: string): BatchRecord | undefined {
    for (const batch of this.batches.values()) if (batch.idempotency?.key === key) return batch;
    return undefined;
  }

  /** The batch of a job the book holds. */
  batchOf(jobId: string): BatchRecord {
    return this.batchByJob.get(jobId)!;
  }

  /** Announces a change of the job made by the caller (dispatched, adopted). */
  announce(job: JobRecord, batch: BatchRecord): void {
    this.options.events.emit('job', job, batch);
  }

  finish(
    job: JobRecord,
    batch: BatchRecord,
    outcome: { state: 'completed' | 'failed' | 'cancelled'; result?: JobResult; error?: JobError },
  ): void {
    if (terminalStates.has(job.state)) return;
    this.options.onFinish(job);
    job.state = outcome.state;
    if (outcome.result) job.result = outcome.result;
    if (outcome.error) job.error = outcome.error;
    job.updatedAt = new Date().toISOString();
    this.announce(job, batch);
    void this.persist(batch);
    if (isBatchDone(batch)) this.options.events.emit('batch-done', batch);
    if (isBatchSettled(batch)) this.options.events.emit('batch-settled', batch);
    this.options.pump();
  }

  /** Back to the queue, unless the job has used up its attempts: then it fails with `reason`. */
  retryOrFail(job: JobRecord, batch: BatchRecord, reason: string, delayMs = 0): void {
    if (job.attempts >= this.options.maxAttempts) {
      this.finish(job, batch, { state: 'failed', error: gaveUpError(job.attempts, reason) });
      return;
    }
    this.requeue(job, batch, true, delayMs);
  }

  /** Back to the queue; after `delayMs` when a ComfyUI that just failed should get a moment first. */
  requeue(job: JobRecord, batch: BatchRecord, front = false, delayMs = 0): void {
    job.state = 'pending';
    delete job.dispatch;
    job.updatedAt = new Date().toISOString();
    this.announce(job, batch);
    void this.persist(batch);
    if (delayMs > 0) {
      this.options.queue.addLater(job, batch.priority, delayMs, () => this.options.pump());
      return;
    }
    this.options.queue.add(job, batch.priority, front);
    this.options.pump();
  }

  /**
   * Records a completed job's web variants (bridge/web-jobs.ts) in its batch on disk; resolves once saved (or
   * queued to be saved: the store keeps trying).
   */
  async recordWeb(job: JobRecord, state: WebState): Promise<void> {
    const batch = this.batchByJob.get(job.id);
    if (!batch || job.state !== 'completed') return;
    job.web = state;
    job.updatedAt = new Date().toISOString();
    this.options.events.emit('web', job, batch);
    const saved = this.persist(batch);
    if (isBatchSettled(batch)) this.options.events.emit('batch-settled', batch);
    await saved;
  }

  async persist(batch: BatchRecord): Promise<void> {
    try {
      await this.options.store.save(batch);
    } catch {
      // The store logs it and keeps trying: the state stays in memory until it is on disk.
    }
  }
}

/** A new batch of pending jobs, one per spec, with fresh ids. */
export function newBatch(
  specs: readonly JobSpec[],
  priority: BatchPriority,
  idempotency?: BatchIdempotency,
): BatchRecord {
  const now = new Date().toISOString();
  return {
    id: `b_${randomUUID().replaceAll('-', '').slice(0, 16)}`,
    priority,
    createdAt: now,
    ...(idempotency ? { idempotency } : {}),
    jobs: specs.map((spec, index) => ({
      id: `j_${randomUUID().replaceAll('-', '').slice(0, 16)}`,
      index,
      spec,
      state: 'pending',
      attempts: 0,
      updatedAt: now,
    })),
  };
}
