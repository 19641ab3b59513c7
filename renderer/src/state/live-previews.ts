import type { BatchView, DashboardEvent } from '../../../shared/dashboard-api.js';

/*
 * What the Batches view shows on a running item while ComfyUI samples it: the newest preview frame and the step
 * rate seen so far. Memory only, for as long as the page shows the job running: an entry goes when it finishes.
 */

/** A sampler step as the page saw it arrive (`at`: ms on the page's monotonic clock, performance.now). */
export interface StepSeen {
  step: number;
  at: number;
}

export interface LivePreview {
  /** The newest frame, a data: URL. */
  image?: string;
  /** The first and the latest step seen of the current sampler run, and its step count. */
  first?: StepSeen;
  latest?: StepSeen;
  max?: number;
}

/** By job id. */
export type LivePreviews = ReadonlyMap<string, LivePreview>;

/** After one live event: a preview replaces the job's frame; a new sampler step is timed. Same map if nothing changed. */
export function applyPreviewEvent(live: LivePreviews, event: DashboardEvent, now: number): LivePreviews {
  if (event.type === 'preview') {
    if (live.get(event.jobId)?.image === event.image) return live;
    return new Map(live).set(event.jobId, { ...live.get(event.jobId), image: event.image });
  }
  if (event.type !== 'progress' || event.value <= 0 || event.max <= 0) return live;
  const entry = live.get(event.jobId) ?? {};
  // The same step again (a phase change reports the step it is at): keep the time it first arrived.
  if (entry.latest?.step === event.value && entry.max === event.max) return live;
  const seen = { step: event.value, at: now };
  // Fewer steps than before, or another count: a new sampler run (a second pass, or the job ran again).
  const restarted =
    !entry.first || !entry.latest || event.value < entry.latest.step || entry.max !== event.max;
  return new Map(live).set(event.jobId, {
    ...entry,
    first: restarted ? seen : entry.first,
    latest: seen,
    max: event.max,
  });
}

/** Forgets the jobs a batch snapshot shows finished; the same map if it shows none of those kept. */
export function forgetFinished(live: LivePreviews, batch: BatchView): LivePreviews {
  const finished = batch.items.filter((item) => item.state !== 'running' && item.state !== 'pending');
  if (!finished.some((item) => live.has(item.jobId))) return live;
  const kept = new Map(live);
  for (const item of finished) kept.delete(item.jobId);
  return kept;
}

/**
 * Milliseconds until the sampler's last step, at the rate seen from the first step seen to the latest; none
 * before two different steps were seen.
 */
export function samplingEtaMs(live: LivePreview | undefined): number | undefined {
  const { first, latest, max } = live ?? {};
  if (!first || !latest || max === undefined) return undefined;
  const steps = latest.step - first.step;
  const elapsed = latest.at - first.at;
  if (steps <= 0 || elapsed <= 0) return undefined;
  return Math.max(0, ((max - latest.step) * elapsed) / steps);
}

/** "about 12 s left", "about 3 min left", "finishing". */
export function formatEta(ms: number): string {
  const seconds = Math.ceil(ms / 1000);
  if (seconds <= 0) return 'finishing';
  if (seconds < 90) return `about ${seconds} s left`;
  return `about ${Math.round(seconds / 60)} min left`;
}

/** "Step 3/20 · about 12 s left" for a running item, or undefined before its first step. */
export function stepLine(
  progress: { value: number; max: number } | undefined,
  live: LivePreview | undefined,
): string | undefined {
  if (!progress || progress.max <= 0) return undefined;
  const eta = samplingEtaMs(live);
  const step = `Step ${progress.value}/${progress.max}`;
  return eta === undefined ? step : `${step} · ${formatEta(eta)}`;
}
