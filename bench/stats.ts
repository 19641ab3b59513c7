/** Pure summaries of measured samples. */

/** Nearest-rank percentile (p in 0–100) of the samples; NaN for none. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export const median = (samples: readonly number[]): number => percentile(samples, 50);

export function sum(samples: readonly number[]): number {
  return samples.reduce((total, value) => total + value, 0);
}

/** Runs `measure` `count` times in a row and returns each duration in milliseconds. */
export async function timeEach(
  count: number,
  measure: (index: number) => Promise<unknown>,
): Promise<number[]> {
  const durations: number[] = [];
  for (let index = 0; index < count; index++) {
    const started = performance.now();
    await measure(index);
    durations.push(performance.now() - started);
  }
  return durations;
}
