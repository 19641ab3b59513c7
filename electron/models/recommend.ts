import type { WorkflowMeta } from '../workflows/meta.js';

/*
 * Which bundled model the dashboard offers to download: the fastest one that fits the device's memory. Pure:
 * sidecars and a device in, a workflow id out.
 */

export interface OfferCandidate {
  id: string;
  meta: WorkflowMeta;
}

export interface Recommendation {
  id: string;
  /** false: nothing fits (or no GPU); this is the model needing the least memory. */
  fits: boolean;
}

/**
 * Sidecars state memory in the nominal GB a card is sold with; ComfyUI reports what the driver exposes, a little
 * less (an "8 GB" card says about 7.6–8 GiB), so a card counts as having the nominal size at 95 % of it.
 */
const nominalSlack = 0.95;

export function fitsMemory(minVramGb: number, memoryBytes: number): boolean {
  return memoryBytes >= minVramGb * 1e9 * nominalSlack;
}

export function recommendModel(
  candidates: readonly OfferCandidate[],
  device: { type: string; vramTotal: number } | undefined,
): Recommendation | undefined {
  // Only sidecars that say how to offer the model, with a link for every file, can be downloaded.
  const offered = candidates.filter(
    (candidate) => candidate.meta.offer && candidate.meta.models.every((model) => model.url),
  );
  const rank = (candidate: OfferCandidate) => candidate.meta.offer!;
  const hasGpu = device !== undefined && device.type.toLowerCase() !== 'cpu';
  if (hasGpu) {
    const fastest = [...offered]
      .sort((a, b) => rank(a).speedRank - rank(b).speedRank)
      .find((candidate) => fitsMemory(rank(candidate).minVramGb, device.vramTotal));
    if (fastest) return { id: fastest.id, fits: true };
  }
  const smallest = [...offered].sort(
    (a, b) => rank(a).minVramGb - rank(b).minVramGb || rank(a).speedRank - rank(b).speedRank,
  )[0];
  return smallest ? { id: smallest.id, fits: false } : undefined;
}
