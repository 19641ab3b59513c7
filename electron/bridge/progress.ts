import type { BatchCounts } from '../jobs/types.js';
import type { ProgressUpdate } from '../mcp/service.js';

/**
 * Where a single image is, as the agent's progress bar sees it: waiting in our queue, queued in ComfyUI's, then
 * ComfyUI's own phases in order (loading, sampling n/N, decoding) and saving (ComfyUI's output node, then the
 * bridge's download and write).
 */
export type GenerationPhase =
  | { kind: 'queued'; position: number }
  | { kind: 'submitted' }
  | { kind: 'loading' }
  | { kind: 'sampling'; value: number; max: number }
  | { kind: 'decoding' }
  | { kind: 'saving' };

const total = 100;

/** Percent of the whole call for a phase: up to 5 % before sampling, sampling to 90 %, then decoding and saving. */
export function percentFor(phase: GenerationPhase): number {
  switch (phase.kind) {
    case 'queued':
      return 0;
    case 'submitted':
      return 3;
    case 'loading':
      return 5;
    case 'sampling':
      return 5 + (85 * Math.min(phase.value, phase.max)) / Math.max(phase.max, 1);
    case 'decoding':
      return 90;
    case 'saving':
      return 95;
  }
}

/** Words for a phase; `unreachable` (why no backend can take work) explains a wait that would otherwise look busy. */
export function messageFor(phase: GenerationPhase, unreachable?: string): string {
  switch (phase.kind) {
    case 'queued':
      if (unreachable !== undefined) return `waiting: ${unreachable}`;
      return phase.position === 0 ? 'waiting for a free ComfyUI' : `queued: ${phase.position} ahead`;
    case 'submitted':
      return 'queued in ComfyUI';
    case 'loading':
      return 'loading the model';
    case 'sampling':
      return phase.max === 0 ? 'sampling' : `step ${phase.value}/${phase.max}`;
    case 'decoding':
      return 'decoding the image';
    case 'saving':
      return 'saving the image';
  }
}

/** The phase of a running job as the scheduler knows it; sampling before its first step has max 0. */
export function phaseOfRun(
  run:
    | { phase: 'loading' | 'sampling' | 'decoding' | 'saving'; step?: { value: number; max: number } }
    | undefined,
): GenerationPhase {
  if (!run) return { kind: 'submitted' };
  if (run.phase === 'sampling')
    return { kind: 'sampling', value: run.step?.value ?? 0, max: run.step?.max ?? 0 };
  return { kind: run.phase };
}

/**
 * How often a waiting call sends progress when nothing changed. Claude Code closes a call that has been silent
 * for 60 s, and a progress notification resets that clock; other clients' idle timers are shorter.
 */
export const DEFAULT_HEARTBEAT_MS = 5_000;

/** What a call reports at one moment: `value` of `total`, and words for it. */
export interface ProgressSnapshot {
  value: number;
  total: number;
  message: string;
}

/**
 * Sends a call's progress: whenever asked, and as a heartbeat while nothing changes. MCP requires every
 * notification's progress to be larger than the last, so a repeated value is nudged up by `total / 10,000`.
 * The heartbeat reads the current state again, so it also carries changes nobody announced.
 */
export class ProgressStream {
  private last = -1;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly send: (update: ProgressUpdate) => void,
    private readonly snapshot: () => ProgressSnapshot,
    heartbeatMs: number,
  ) {
    this.timer = setInterval(() => this.emit(), heartbeatMs);
    this.timer.unref();
  }

  emit(): void {
    const { value, total, message } = this.snapshot();
    const progress = Math.min(total, Math.max(value, this.last + total / 10_000));
    if (progress <= this.last) return;
    this.last = progress;
    this.send({ progress: Math.round(progress * 10_000) / 10_000, total, message });
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** Progress of one image (generate_image), on a 0–100 scale by phase. */
export class ProgressReporter {
  private phase: GenerationPhase = { kind: 'queued', position: 0 };
  private readonly stream: ProgressStream;

  /** `unreachable` is read at every report, so the heartbeat tells when ComfyUI goes away or comes back. */
  constructor(
    send: (update: ProgressUpdate) => void,
    heartbeatMs: number,
    unreachable: () => string | undefined = () => undefined,
  ) {
    this.stream = new ProgressStream(
      send,
      () => ({ value: percentFor(this.phase), total, message: messageFor(this.phase, unreachable()) }),
      heartbeatMs,
    );
  }

  update(phase: GenerationPhase): void {
    this.phase = phase;
    this.stream.emit();
  }

  stop(): void {
    this.stream.stop();
  }
}

/** A running item of a batch and where it is inside ComfyUI. */
export interface RunningItem {
  index: number;
  phase: GenerationPhase;
}

/**
 * Progress of a whole batch (check_batch_status): finished items count one each, a running item the share its
 * phase stands for (as for one image); the message says how many are done and where each running item is.
 */
export function describeBatch(counts: BatchCounts, running: readonly RunningItem[]): ProgressSnapshot {
  const finished = counts.completed + counts.failed + counts.cancelled;
  let value = finished;
  const parts = [`${finished}/${counts.total} done`];
  if (counts.failed > 0) parts.push(`${counts.failed} failed`);
  for (const item of running) {
    value += percentFor(item.phase) / 100;
    parts.push(`item ${item.index}: ${messageFor(item.phase)}`);
  }
  if (running.length === 0 && counts.pending > 0) parts.push(`${counts.pending} waiting`);
  return { value, total: counts.total, message: parts.join(', ') };
}
