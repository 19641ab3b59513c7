import type { BackendClient } from './backend-pool.js';
import type { JobBook } from './job-book.js';
import { lookUp } from './prompt-lookup.js';
import type { RunFlow } from './run-flow.js';
import type { RunTable } from './runs.js';
import type { SchedulerOptions } from './scheduler-options.js';
import { isBatchDone, terminalStates, type BatchRecord, type JobRecord } from './types.js';

export const defaultFinishedBatchRetentionMs = 7 * 24 * 60 * 60_000;

/** A finished batch whose last item changed longer ago than the retention period. */
export function isExpired(batch: BatchRecord, retentionMs: number, now: () => number): boolean {
  if (!isBatchDone(batch)) return false;
  const lastChange = Math.max(
    Date.parse(batch.createdAt),
    ...batch.jobs.map((job) => Date.parse(job.updatedAt)),
  );
  return now() - lastChange > retentionMs;
}

/** What recovery needs of the scheduler's options: the store, the backends, and the adapters that find results. */
export type RecoveryOptions = Pick<
  SchedulerOptions,
  'store' | 'pool' | 'findDelivered' | 'outputNodes' | 'prepare' | 'finishedBatchRetentionMs' | 'now'
>;

/**
 * The batches stored before a restart: finished items keep their results (or get the file already written),
 * runs a ComfyUI was given are reconciled with it once it answers, the rest go back to the queue.
 */
export class Recovery {
  /** Per backend, jobs that were running there when the bridge went down, until it answers (or goes down). */
  private readonly recovering = new Map<string, JobRecord[]>();

  constructor(
    private readonly options: RecoveryOptions,
    private readonly book: JobBook,
    private readonly runs: RunTable,
    private readonly flow: RunFlow,
  ) {}

  /**
   * Loads the unsettled stored batches into the book; finished ones past retention are removed from disk. Settled
   * batches stay on disk, read when asked for (Scheduler.get, findByIdempotencyKey, recentFinished).
   */
  async load(): Promise<void> {
    const { book } = this;
    const { store, pool } = this.options;
    const unfinished = await store.loadUnfinished((batch) => this.isExpired(batch));
    await store.removeExpiredFinished((batch) => this.isExpired(batch), this.retentionMs(), this.now());
    for (const batch of unfinished) {
      if (this.isExpired(batch)) {
        await store.remove(batch.id);
        continue;
      }
      book.addBatch(batch);
      for (const job of batch.jobs) {
        book.addJob(job, batch);
        if (terminalStates.has(job.state)) continue;
        // Only a job sent to a ComfyUI can have written its file (a requeue clears `dispatch`): the others need
        // no look into the gallery, whose index may still be loading.
        const delivered = job.dispatch ? await this.options.findDelivered(job) : undefined;
        if (delivered) {
          book.finish(job, batch, { state: 'completed', result: delivered });
        } else if (job.state === 'running' && job.dispatch) {
          const list = this.recovering.get(job.dispatch.backend) ?? [];
          list.push(job);
          this.recovering.set(job.dispatch.backend, list);
        } else {
          book.requeue(job, batch);
        }
      }
    }
    // A backend that is no longer configured cannot be asked: its runs are dispatched afresh.
    const known = new Set(pool.ids());
    for (const [backend, jobs] of this.recovering) {
      if (known.has(backend)) continue;
      this.recovering.delete(backend);
      for (const job of jobs) book.requeue(job, book.batchOf(job.id));
    }
  }

  /** The jobs still to be reconciled with a backend, which are then no longer kept here. */
  take(backendId: string): JobRecord[] {
    const jobs = this.recovering.get(backendId) ?? [];
    this.recovering.delete(backendId);
    return jobs;
  }

  /** Finds out what became of a prompt the backend was given before a restart (or a failover), and follows it. */
  async reconcile(job: JobRecord, backendId: string, client: BackendClient): Promise<void> {
    const { runs, flow } = this;
    const promptId = job.dispatch!.promptId;
    const run = runs.track(job, this.book.batchOf(job.id), backendId, promptId);
    // Only the wait is given up once history answers: run.abort must stay live for the /view download.
    const stopWaiting = new AbortController();
    const waiting = client.waitFor(promptId, {
      signal: AbortSignal.any([run.abort.signal, stopWaiting.signal]),
    });
    waiting.catch(() => undefined);
    try {
      const found = await lookUp(client, promptId);
      if (found === 'queued') {
        await flow.onResult(run, client, await waiting, this.outputNodesOf(job));
        return;
      }
      stopWaiting.abort();
      if (found === 'absent') await flow.onResult(run, client, { status: 'lost' }, []);
      else await flow.onResult(run, client, found, this.outputNodesOf(job));
    } catch (error) {
      flow.onRunError(run, error);
    }
  }

  private isExpired(batch: BatchRecord): boolean {
    return isExpired(batch, this.retentionMs(), () => this.now());
  }

  private retentionMs(): number {
    return this.options.finishedBatchRetentionMs ?? defaultFinishedBatchRetentionMs;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private outputNodesOf(job: JobRecord): string[] {
    try {
      return this.options.outputNodes?.(job.spec) ?? this.options.prepare(job.spec).outputNodes;
    } catch {
      return [];
    }
  }
}
