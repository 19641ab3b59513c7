import type { Logger } from '../log.js';
import type { BackendClient, BackendPool } from './backend-pool.js';
import type { JobBook } from './job-book.js';
import type { JobQueue } from './job-queue.js';
import type { RunTable } from './runs.js';
import type { JobRecord } from './types.js';

export interface FailoverOptions {
  pool: Pick<BackendPool, 'client'>;
  logger: Logger;
  runs: RunTable;
  book: JobBook;
  queue: JobQueue;
  /** Follows a prompt the backend already has, for a job adopted back to it (Recovery.reconcile). */
  reconcile(job: JobRecord, backendId: string, client: BackendClient): Promise<void>;
}

/**
 * What becomes of a backend's work when it stops answering and when it comes back, and of prompts no job wants
 * any more: a job is never completed twice, and ComfyUI is not left running an image nobody will collect.
 */
export class Failover {
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

  constructor(private readonly options: FailoverOptions) {}

  /**
   * The backend stopped answering: its runs, and the jobs of a restart still waiting to be reconciled with it
   * (`recovering`), go back to the front of the queue for the others; the prompts it holds become orphans.
   */
  backendDown(backendId: string, recovering: readonly JobRecord[]): void {
    const { runs, book } = this.options;
    const stranded = runs.onBackend(backendId);
    if (stranded.length === 0 && recovering.length === 0) return;
    this.options.logger.warn('backend down; handing its jobs to the others', {
      backend: backendId,
      jobs: stranded.length + recovering.length,
    });
    const orphans = this.orphans.get(backendId) ?? new Map<string, JobRecord>();
    for (const run of stranded) {
      orphans.set(run.promptId, run.job);
      run.cancelled = true;
      runs.untrack(run);
      run.abort.abort();
      book.retryOrFail(run.job, run.batch, `ComfyUI at ${backendId} stopped answering`);
    }
    for (const job of recovering) {
      orphans.set(job.dispatch!.promptId, job);
      book.requeue(job, book.batchOf(job.id), true);
    }
    this.orphans.set(backendId, orphans);
  }

  /** The backend answers again: its orphans are adopted or cleared, and the prompts given up on there removed. */
  backendUp(backendId: string, client: BackendClient): void {
    const orphans = this.orphans.get(backendId);
    if (orphans?.size) {
      this.orphans.delete(backendId);
      const stale: string[] = [];
      for (const [promptId, job] of orphans) {
        if (job.state === 'pending' && this.adopt(job, backendId, promptId)) {
          void this.options.reconcile(job, backendId, client);
        } else stale.push(promptId);
      }
      if (stale.length > 0) void this.clearOrphans(client, stale);
    }
    // Its 'started' events may have been missed while it was away.
    if (this.unwanted.get(backendId)?.size) void this.clearUnwanted(backendId, client);
  }

  /** A prompt started on a backend: interrupted if it is one given up on. */
  started(backendId: string, promptId: string): void {
    if (!this.unwanted.get(backendId)?.delete(promptId)) return;
    this.options.logger.warn('a prompt given up on reached ComfyUI late; interrupting it', {
      backend: backendId,
      promptId,
    });
    void this.interrupt(backendId, promptId);
  }

  /** Keeps a prompt id from running on a backend: removed from its queue now, interrupted if it ever starts. */
  disown(backendId: string, promptId: string): void {
    const ids = this.unwanted.get(backendId) ?? new Set<string>();
    ids.add(promptId);
    // Only a request still in flight can bring one back, so old entries are no longer worth keeping.
    if (ids.size > maxUnwantedPerBackend) ids.delete(ids.values().next().value!);
    this.unwanted.set(backendId, ids);
    const client = this.options.pool.client(backendId);
    if (client) void this.clearOrphans(client, [promptId]);
  }

  /** Interrupts a prompt; a failure is only logged. */
  async interrupt(backend: string, promptId: string): Promise<void> {
    try {
      await this.options.pool.client(backend)?.interrupt(promptId);
    } catch (error) {
      this.options.logger.warn('could not interrupt a run', { backend, promptId, error });
    }
  }

  /**
   * Takes a job that is still waiting in our queue back to the prompt its recovered backend already has, so a
   * connection that only flapped does not make ComfyUI run the image twice. False if it is not queued.
   */
  private adopt(job: JobRecord, backendId: string, promptId: string): boolean {
    const { book } = this.options;
    if (!this.options.queue.take(job, book.batchOf(job.id).priority)) return false;
    job.state = 'running';
    job.dispatch = { backend: backendId, promptId };
    job.updatedAt = new Date().toISOString();
    book.announce(job, book.batchOf(job.id));
    void book.persist(book.batchOf(job.id));
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

/** How many disowned prompt ids a backend keeps (see Failover.unwanted). */
const maxUnwantedPerBackend = 1_000;
