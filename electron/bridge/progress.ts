import type { ProgressUpdate } from '../mcp/service.js';

/** Where a single image is, as the agent's progress bar sees it. */
export type GenerationPhase =
  | { kind: 'queued'; position: number }
  | { kind: 'submitted' }
  | { kind: 'sampling'; value: number; max: number }
  | { kind: 'saving' };

const total = 100;

/** Percent of the whole call for a phase: queueing is the first 5 %, sampling runs to 95 %, saving the rest. */
export function percentFor(phase: GenerationPhase): number {
  switch (phase.kind) {
    case 'queued':
      return 0;
    case 'submitted':
      return 5;
    case 'sampling':
      return 5 + (90 * Math.min(phase.value, phase.max)) / Math.max(phase.max, 1);
    case 'saving':
      return 95;
  }
}

export function messageFor(phase: GenerationPhase): string {
  switch (phase.kind) {
    case 'queued':
      return phase.position === 0 ? 'waiting for a free ComfyUI' : `queued: ${phase.position} ahead`;
    case 'submitted':
      return 'queued in ComfyUI';
    case 'sampling':
      return `step ${phase.value}/${phase.max}`;
    case 'saving':
      return 'saving the image';
  }
}

/**
 * Sends progress for one call. MCP requires every notification's progress to be larger than the last, so a
 * heartbeat (which keeps clients' idle timers from firing while ComfyUI is busy elsewhere) nudges it up a little.
 */
export class ProgressReporter {
  private last = -1;
  private phase: GenerationPhase = { kind: 'queued', position: 0 };
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly send: (update: ProgressUpdate) => void,
    heartbeatMs: number,
  ) {
    this.timer = setInterval(() => this.emit(), heartbeatMs);
    this.timer.unref();
  }

  update(phase: GenerationPhase): void {
    this.phase = phase;
    this.emit();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private emit(): void {
    const progress = Math.min(total, Math.max(percentFor(this.phase), this.last + 0.01));
    if (progress <= this.last) return;
    this.last = progress;
    this.send({ progress: Math.round(progress * 100) / 100, total, message: messageFor(this.phase) });
  }
}
