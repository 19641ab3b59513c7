import type { BatchPriority, JobRecord } from './types.js';

/** What the dispatcher does with a job the queue offers: leave it there, stop looking, or take it (then run). */
export type Offer = 'keep' | 'stop' | (() => void);

/**
 * The jobs waiting for a backend, interactive calls ahead of batch items, and those waiting out a pause before
 * they go back in. With the jobs of submits still being written, they are what the queue cap counts.
 */
export class JobQueue {
  private readonly queues: Record<BatchPriority, JobRecord[]> = { interactive: [], batch: [] };
  /** Jobs waiting out the pause before they are dispatched again. */
  private readonly backoffs = new Set<NodeJS.Timeout>();
  /** Jobs of submits being written to disk: they count against the cap before they are queued. */
  private admitting = 0;
  private stopped = false;

  /** Jobs in the queue now. */
  get length(): number {
    return this.queues.interactive.length + this.queues.batch.length;
  }

  /** Whether any job of that priority waits in the queue. */
  hasWaiting(priority: BatchPriority): boolean {
    return this.queues[priority].length > 0;
  }

  /** Jobs accepted and not yet sent to a ComfyUI: queued, waiting out a retry pause, or being accepted. */
  pending(): number {
    return this.length + this.backoffs.size + this.admitting;
  }

  /** Counts `count` jobs as pending while `write` stores their batch. */
  async admit<T>(count: number, write: () => Promise<T>): Promise<T> {
    this.admitting += count;
    try {
      return await write();
    } finally {
      this.admitting -= count;
    }
  }

  add(job: JobRecord, priority: BatchPriority, front = false): void {
    this.queues[priority][front ? 'unshift' : 'push'](job);
  }

  /**
   * Puts the job at the front after `delayMs`, then calls `ready`; not if it was cancelled meanwhile or the queue
   * stopped (the job is on disk as pending and resumes on start).
   */
  addLater(job: JobRecord, priority: BatchPriority, delayMs: number, ready: () => void): void {
    const timer = setTimeout(() => {
      this.backoffs.delete(timer);
      if (job.state !== 'pending' || this.stopped) return;
      this.queues[priority].unshift(job);
      ready();
    }, delayMs);
    timer.unref();
    this.backoffs.add(timer);
  }

  /** Takes the job out of the queue; false if it was not in the `priority` queue. */
  take(job: JobRecord, priority: BatchPriority): boolean {
    const queue = this.queues[priority];
    const index = queue.indexOf(job);
    if (index < 0) return false;
    queue.splice(index, 1);
    return true;
  }

  remove(job: JobRecord): void {
    for (const priority of Object.keys(this.queues) as BatchPriority[]) this.take(job, priority);
  }

  /** Position of a queued job (0 = next), or undefined when it is not in the queue. */
  position(jobId: string): number | undefined {
    const job = this.queues.interactive.findIndex((queued) => queued.id === jobId);
    if (job >= 0) return job;
    const inBatch = this.queues.batch.findIndex((queued) => queued.id === jobId);
    return inBatch >= 0 ? this.queues.interactive.length + inBatch : undefined;
  }

  /** Offers each queued job in order, interactive first; a job taken leaves the queue before its action runs. */
  offer(decide: (job: JobRecord, priority: BatchPriority) => Offer): void {
    for (const priority of ['interactive', 'batch'] as const) {
      const queue = this.queues[priority];
      for (let i = 0; i < queue.length;) {
        const answer = decide(queue[i]!, priority);
        if (answer === 'stop') return;
        if (answer === 'keep') {
          i += 1;
          continue;
        }
        queue.splice(i, 1);
        answer();
      }
    }
  }

  /** Drops the pending pauses; jobs stay as they are on disk. */
  stop(): void {
    this.stopped = true;
    for (const timer of this.backoffs) clearTimeout(timer);
    this.backoffs.clear();
  }
}
