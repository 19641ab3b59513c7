export interface Size {
  width: number;
  height: number;
}

/** What sizes a workflow can generate well. */
export interface SizeRules {
  /** Side lengths must be a multiple of this: 8 for SD1.5/SDXL latents, 16 for SD3/Flux-family latents. */
  multiple: number;
  minSide: number;
  maxSide: number;
  /** The resolution the model was trained at; without it every size is generated as requested. */
  native?: Size;
}

/**
 * A request within this band around the native pixel count is generated at its own size. Outside it,
 * models repeat subjects (far larger) or fall apart (far smaller), so we generate near native and let the
 * image pipeline resize.
 */
export const NATIVE_PIXEL_BAND = { below: 0.5, above: 1.5 } as const;

function roundToMultiple(value: number, multiple: number): number {
  return Math.round(value / multiple) * multiple;
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

function targetPixels(requested: Size, native: Size | undefined): number {
  const pixels = requested.width * requested.height;
  if (!native) return pixels;
  const nativePixels = native.width * native.height;
  const near =
    pixels >= nativePixels * NATIVE_PIXEL_BAND.below && pixels <= nativePixels * NATIVE_PIXEL_BAND.above;
  return near ? pixels : nativePixels;
}

/**
 * The size to generate at for a request: the request's aspect ratio, at its own pixel count when that is
 * near the model's native one (else at the native count), sides within the rules and rounded to the
 * multiple. The image pipeline then resizes and crops to the exact request.
 */
export function planGenerationSize(requested: Size, rules: SizeRules): Size {
  const { width: w, height: h } = requested;
  if (!(w > 0 && h > 0 && Number.isFinite(w) && Number.isFinite(h))) {
    throw new RangeError(`width and height must be positive numbers (got ${w}×${h})`);
  }
  const aspect = w / h;
  const pixels = targetPixels(requested, rules.native);
  let width = Math.sqrt(pixels * aspect);
  let height = Math.sqrt(pixels / aspect);

  // Keep the aspect ratio while fitting the sides; only an extreme ratio gets clamped on one side.
  const shrink = Math.min(1, rules.maxSide / Math.max(width, height));
  width *= shrink;
  height *= shrink;
  const grow = Math.max(1, rules.minSide / Math.min(width, height));
  width *= grow;
  height *= grow;

  const m = rules.multiple;
  const lowest = Math.ceil(rules.minSide / m) * m;
  const highest = Math.max(lowest, Math.floor(rules.maxSide / m) * m);
  return {
    width: clamp(roundToMultiple(width, m), lowest, highest),
    height: clamp(roundToMultiple(height, m), lowest, highest),
  };
}
