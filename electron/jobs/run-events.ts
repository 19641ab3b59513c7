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

/** Events of one held prompt kept at most, oldest first dropped (a write takes milliseconds, not thousands of events). */
const maxHeldEvents = 1_000;

/** Turns a backend's websocket events into its runs' phases, sampler steps and preview frames. */
export class RunEvents {
  /**
   * The clients listened to, not their URLs: a URL removed in Settings and added again gets a new client,
   * whose events must be heard too (keyed by URL, progress stopped for good after such a change).
   */
  private readonly subscribed = new WeakSet<BackendClient>();
  /** Prompts sent before their run is followed (jobs/claim.ts): their events wait here, in order, until released. */
  private readonly held = new Map<string, (() => void)[]>();

  constructor(private readonly options: RunEventsOptions) {}

  /** Keeps the prompt's events from its run until `release` (or `drop`): its POST goes out before it is tracked. */
  hold(promptId: string): void {
    this.held.set(promptId, []);
  }

  /** Hands the prompt's held events to its run, in the order they came; later ones go straight to it. */
  release(promptId: string): void {
    const events = this.held.get(promptId);
    this.held.delete(promptId);
    for (const apply of events ?? []) apply();
  }

  /** Forgets a held prompt's events: it was withdrawn, and no run will follow it. */
  drop(promptId: string): void {
    this.held.delete(promptId);
  }

  listen(backendId: string): void {
    const client = this.options.pool.client(backendId);
    if (!client || this.subscribed.has(client)) return;
    this.subscribed.add(client);
    client.on('started', ({ promptId }) => {
      this.options.onStarted(backendId, promptId);
      this.whenReleased(promptId, () => this.onStarted(promptId));
    });
    client.on('executing', ({ promptId, node }) =>
      this.whenReleased(promptId, () => this.onExecuting(promptId, node)),
    );
    client.on('progress', (event) => this.whenReleased(event.promptId, () => this.onProgress(event)));
    client.on('preview', (event) => {
      const { promptId } = event;
      if (promptId !== undefined) this.whenReleased(promptId, () => this.onPreview(promptId, event));
    });
  }

  private whenReleased(promptId: string, apply: () => void): void {
    const events = this.held.get(promptId);
    if (!events) return apply();
    if (events.length >= maxHeldEvents) events.shift();
    events.push(apply);
  }

  private onStarted(promptId: string): void {
    const { runs } = this.options;
    const started = runs.ofPrompt(promptId);
    if (started) runs.advancePhase(started, 'loading');
  }

  private onExecuting(promptId: string, node: string | null): void {
    const { runs } = this.options;
    const run = runs.ofPrompt(promptId);
    const phase = run && node !== null ? phaseOfNode(run.classTypes?.[node]) : undefined;
    if (run && phase) runs.advancePhase(run, phase);
  }

  private onProgress(event: { promptId: string; node: string; value: number; max: number }): void {
    const { runs, events } = this.options;
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
  }

  private onPreview(promptId: string, frame: { mime: string; bytes: Buffer }): void {
    const run = this.options.runs.ofPrompt(promptId);
    if (!run) return;
    this.options.events.emit('preview', {
      batchId: run.batch.id,
      jobId: run.job.id,
      mime: frame.mime,
      bytes: frame.bytes,
    } satisfies JobPreview);
  }
}
