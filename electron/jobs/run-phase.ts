/**
 * Where a running job is inside ComfyUI, from its websocket events: loading (models and text encoders, from
 * execution_start), sampling (any step progress), decoding (a VAE decode node), saving (an output node, then the
 * bridge's own download and write). Phases only move forward, so a node that runs late (a loader for an upscaler
 * after the decode) does not send the progress bar back.
 */
export const runPhases = ['loading', 'sampling', 'decoding', 'saving'] as const;
export type RunPhase = (typeof runPhases)[number];

/** The phase a node's execution starts, by its class type; undefined when the node says nothing about it. */
export function phaseOfNode(classType: string | undefined): RunPhase | undefined {
  if (classType === undefined) return undefined;
  if (/VAEDecode/i.test(classType)) return 'decoding';
  if (/Sampler/i.test(classType)) return 'sampling';
  if (/^(Save|Preview)Image/i.test(classType) || /SaveImage|ImageSave|Save Image/i.test(classType))
    return 'saving';
  return undefined;
}

/** Whether moving from `current` to `next` goes forward. */
export function isLaterPhase(current: RunPhase | undefined, next: RunPhase): boolean {
  return current === undefined || runPhases.indexOf(next) > runPhases.indexOf(current);
}

export interface JobPhase {
  batchId: string;
  jobId: string;
  phase: RunPhase;
}

/** The phase and latest step of every running job, so a caller that subscribes late starts from the truth. */
export class PhaseBook {
  private readonly phases = new Map<string, { phase: RunPhase; step?: { value: number; max: number } }>();

  /** Records `phase` if it moves the job forward; true when it did (the caller announces it). */
  advance(jobId: string, phase: RunPhase): boolean {
    const current = this.phases.get(jobId);
    if (!isLaterPhase(current?.phase, phase)) return false;
    // The last step stays: a bar that reached 20/20 should not drop back to empty while the image decodes.
    this.phases.set(jobId, current?.step ? { phase, step: current.step } : { phase });
    return true;
  }

  /** Records a sampler step; the caller advances to sampling right after, so that event carries the step. */
  step(jobId: string, value: number, max: number): void {
    const current = this.phases.get(jobId);
    if (current) current.step = { value, max };
    else this.phases.set(jobId, { phase: 'loading', step: { value, max } });
  }

  of(jobId: string): { phase: RunPhase; step?: { value: number; max: number } } | undefined {
    return this.phases.get(jobId);
  }

  /** The job left the running state (finished, or back in the queue to start over). */
  forget(jobId: string): void {
    this.phases.delete(jobId);
  }
}
