import type { EventEmitter } from 'node:events';
import type { BackendClient, BackendPool } from './backend-pool.js';
import { phaseOfNode } from './run-phase.js';
import type { RunTable } from './runs.js';

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

export interface RunEventsOptions {
  pool: Pick<BackendPool, 'client'>;
  runs: RunTable;
  /** Where 'progress' (JobProgress) and 'preview' (JobPreview) are emitted: the Scheduler. */
  events: EventEmitter;
  /** A prompt started on the backend (one of ours or not). */
  onStarted(backendId: string, promptId: string): void;
}

/** Turns a backend's websocket events into its runs' phases, sampler steps and preview frames. */
export class RunEvents {
  /**
   * The clients listened to, not their URLs: a URL removed in Settings and added again gets a new client,
   * whose events must be heard too (keyed by URL, progress stopped for good after such a change).
   */
  private readonly subscribed = new WeakSet<BackendClient>();

  constructor(private readonly options: RunEventsOptions) {}

  listen(backendId: string): void {
    const { runs, events } = this.options;
    const client = this.options.pool.client(backendId);
    if (!client || this.subscribed.has(client)) return;
    this.subscribed.add(client);
    client.on('started', ({ promptId }) => {
      const started = runs.ofPrompt(promptId);
      if (started) runs.advancePhase(started, 'loading');
      this.options.onStarted(backendId, promptId);
    });
    client.on('executing', ({ promptId, node }) => {
      const run = runs.ofPrompt(promptId);
      const phase = run && node !== null ? phaseOfNode(run.classTypes?.[node]) : undefined;
      if (run && phase) runs.advancePhase(run, phase);
    });
    client.on('progress', (event) => {
      const run = runs.ofPrompt(event.promptId);
      if (!run) return;
      runs.step(run, event.value, event.max);
      runs.advancePhase(run, 'sampling');
      events.emit('progress', {
        batchId: run.batch.id,
        jobId: run.job.id,
        value: event.value,
        max: event.max,
        node: event.node,
      } satisfies JobProgress);
    });
    client.on('preview', ({ promptId, mime, bytes }) => {
      const run = promptId === undefined ? undefined : runs.ofPrompt(promptId);
      if (!run) return;
      events.emit('preview', { batchId: run.batch.id, jobId: run.job.id, mime, bytes } satisfies JobPreview);
    });
  }
}
