/**
 * Meets a file's byte budget without visible loss, or says it could not. First the quality: a bounded binary search
 * (at most `maxEncodes` encodes per size) for the highest quality whose file fits the budget and stays at or above
 * the similarity floor. Only when no quality does, the dimensions: up to two smaller sizes, each still wider than the
 * next smaller variant of the ladder (else that variant already serves). When nothing works, the file is made at its
 * planned size with the smallest encode that kept the floor, and reported as over budget. The top quality is taken as
 * it is when it fits, so its similarity is measured (a decode and a comparison, about as costly as the encode) only
 * when it does not.
 */
import { decodeRaw, encodeRaw, flattenRaw, qualityRange, resizeRaw, type ResizeTarget } from './encode.js';
import type { WebFormat } from './purposes.js';
import type { RawImage } from './raw-image.js';
import { similarity, ssimFloor, toComparable, type Comparable } from './similarity.js';

export interface Trial {
  quality: number;
  bytes: number;
  /** Not measured: the top quality, which fitted at once. */
  ssim?: number | undefined;
}

export interface SearchLimits {
  min: number;
  max: number;
  maxBytes: number;
  floor: number;
  maxEncodes: number;
}

export interface SearchOutcome {
  /** The highest quality that fits and keeps the floor (the top quality fits whatever its SSIM). */
  best?: Trial;
  trials: Trial[];
}

/**
 * The search, over any `trial` (tests pass a model). File size grows and SSIM grows with quality, so: a quality
 * that fits with SSIM below the floor sends the search up, one that does not fit sends it down, and one that
 * neither fits nor keeps the floor ends it (every lower quality is worse, every higher one bigger).
 */
export async function searchQuality(
  trial: (quality: number, measure: boolean) => Promise<Trial>,
  limits: SearchLimits,
): Promise<SearchOutcome> {
  const top = await trial(limits.max, false);
  if (top.bytes <= limits.maxBytes) return { best: top, trials: [top] };
  // Over budget at the top: its similarity matters now (the fallback and the next size read it).
  const trials: Trial[] = [await trial(limits.max, true)];
  const attempt = async (quality: number): Promise<Trial> => {
    const result = await trial(quality, true);
    trials.push(result);
    return result;
  };
  let best: Trial | undefined;
  let low = limits.min;
  let high = limits.max - 1;
  while (low <= high && trials.length < limits.maxEncodes) {
    const quality = Math.ceil((low + high) / 2);
    const result = await attempt(quality);
    const fits = result.bytes <= limits.maxBytes;
    const keepsFloor = keepsSimilarity(result, limits.floor);
    if (fits && keepsFloor) {
      best = result;
      low = quality + 1;
    } else if (fits) {
      low = quality + 1;
    } else if (keepsFloor) {
      high = quality - 1;
    } else {
      break;
    }
  }
  return best ? { best, trials } : { trials };
}

export interface BudgetRequest {
  /** The full-size decoded source. */
  source: RawImage;
  target: ResizeTarget;
  format: WebFormat;
  maxBytes: number;
  /** Transparent pixels are flattened onto this colour before encoding (`#rrggbb`). */
  background?: string;
  /** Shrinking stays strictly wider than this (the next smaller variant's width; the planned width forbids it). */
  floorWidth: number;
  signal?: AbortSignal;
  /** Defaults: 6 encodes per size, SSIM floor 0.95. */
  maxEncodes?: number;
  floor?: number;
}

export interface BudgetResult {
  data: Buffer;
  width: number;
  height: number;
  format: WebFormat;
  maxBytes: number;
  met: boolean;
  quality: number;
  /** Undefined when the top quality fitted at once (not measured). */
  ssim?: number;
  /** Encodes spent, all sizes together. */
  encodes: number;
  /** Set when the file was made smaller than planned to meet the budget. */
  shrunkFrom?: { width: number; height: number };
}

const maxShrinks = 2;

export async function encodeWithinBudget(request: BudgetRequest): Promise<BudgetResult> {
  const limits: SearchLimits = {
    ...qualityRange[request.format],
    maxBytes: request.maxBytes,
    floor: request.floor ?? ssimFloor,
    maxEncodes: request.maxEncodes ?? 6,
  };
  const planned = await trySize(request, request.target, limits);
  let encodes = planned.trials.length;
  if (planned.best) return planned.result(planned.best, true, encodes);

  let reference = planned;
  for (let shrink = 1; shrink <= maxShrinks; shrink++) {
    const smaller = smallerTarget(request, reference, limits.floor);
    if (!smaller) break;
    const attempt = await trySize(request, smaller, limits);
    encodes += attempt.trials.length;
    if (attempt.best) {
      const { width, height } = request.target;
      return { ...attempt.result(attempt.best, true, encodes), shrunkFrom: { width, height } };
    }
    reference = attempt;
  }
  // Over budget: the smallest file that still looks right, else the best-looking one.
  const keepingFloor = planned.trials.filter((trial) => keepsSimilarity(trial, limits.floor));
  const fallback =
    keepingFloor.length > 0
      ? keepingFloor.reduce((a, b) => (b.bytes < a.bytes ? b : a))
      : planned.trials.reduce((a, b) => ((b.ssim ?? 1) > (a.ssim ?? 1) ? b : a));
  return planned.result(fallback, false, encodes);
}

interface SizeAttempt extends SearchOutcome {
  target: ResizeTarget;
  result(trial: Trial, met: boolean, encodes: number): BudgetResult;
}

/** Searches the quality at one size, keeping the encoded bytes of every trial so the chosen one is not redone. */
async function trySize(
  request: BudgetRequest,
  target: ResizeTarget,
  limits: SearchLimits,
): Promise<SizeAttempt> {
  request.signal?.throwIfAborted();
  const sized = await resizeRaw(request.source, target);
  const resized = request.background === undefined ? sized : await flattenRaw(sized, request.background);
  let reference: Promise<Comparable> | undefined;
  const encoded = new Map<number, Buffer>();
  const outcome = await searchQuality(async (quality, measure) => {
    request.signal?.throwIfAborted();
    const data = encoded.get(quality) ?? (await encodeRaw(resized, request.format, quality));
    encoded.set(quality, data);
    if (!measure) return { quality, bytes: data.byteLength };
    const decoded = await toComparable(await decodeRaw(data, resized.channels));
    return {
      quality,
      bytes: data.byteLength,
      ssim: similarity(await (reference ??= toComparable(resized)), decoded),
    };
  }, limits);
  return {
    ...outcome,
    target,
    result: (trial, met, encodes) => ({
      data: encoded.get(trial.quality) ?? Buffer.alloc(0),
      width: resized.width,
      height: resized.height,
      format: request.format,
      maxBytes: request.maxBytes,
      met,
      quality: trial.quality,
      ...(trial.ssim === undefined ? {} : { ssim: Math.round(trial.ssim * 10_000) / 10_000 }),
      encodes,
    }),
  };
}

/**
 * The next size to try: bytes scale about with area, so the width shrinks by √(budget / smallest acceptable
 * bytes), with a 10 % margin, by at most half; undefined when that is not wider than `floorWidth`.
 */
function smallerTarget(
  request: BudgetRequest,
  attempt: SizeAttempt,
  floor: number,
): ResizeTarget | undefined {
  const acceptable = attempt.trials.filter((trial) => keepsSimilarity(trial, floor));
  const pool = acceptable.length > 0 ? acceptable : attempt.trials;
  const smallest = Math.min(...pool.map((trial) => trial.bytes));
  const factor = Math.max(0.5, Math.min(0.9, Math.sqrt(request.maxBytes / smallest) * 0.9));
  const width = Math.floor(attempt.target.width * factor);
  if (width <= request.floorWidth || width < 16) return undefined;
  const height = Math.max(1, Math.round((request.target.height * width) / request.target.width));
  return { width, height, fit: attempt.target.fit };
}

/** An unmeasured trial is the top quality, which needs no check. */
function keepsSimilarity(trial: Trial, floor: number): boolean {
  return (trial.ssim ?? 1) >= floor;
}
