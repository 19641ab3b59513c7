/**
 * How close an encoded variant is to the pixels it was made from: SSIM from ssim.js, in its Bezkrovny variant
 * (SSIM per 11-px window, averaged; measured an order of magnitude faster than the sliding-window variants with
 * the same verdicts). ssim.js runs on the event loop, so the images are first brought, in sharp's thread pool, to at
 * most 512 px on the shorter side (bigger variants are compared at 1/2–1/3 scale, where their compression
 * artefacts still show) and composited over mid grey, so damage to the alpha channel counts too. One comparison
 * then costs the event loop a few tens of milliseconds.
 */
import sharp from 'sharp';
import { ssim } from 'ssim.js';
import { rawInput, type RawImage } from './raw-image.js';

/** The floor below which a smaller file is not worth it: about where compression starts to be visible. */
export const ssimFloor = 0.95;

const comparedShorterSide = 512;

/** Pixels ready for `similarity`: RGBA, opaque, at the comparison scale. */
export interface Comparable {
  data: Uint8ClampedArray;
  width: number;
  height: number;
}

export async function toComparable(image: RawImage): Promise<Comparable> {
  const scale = Math.min(1, comparedShorterSide / Math.min(image.width, image.height));
  let pipeline = sharp(image.data, rawInput(image));
  if (image.channels === 4) pipeline = pipeline.flatten({ background: { r: 128, g: 128, b: 128 } });
  if (scale < 1) {
    pipeline = pipeline.resize(
      Math.max(1, Math.round(image.width * scale)),
      Math.max(1, Math.round(image.height * scale)),
      { fit: 'fill' },
    );
  }
  const { data, info } = await pipeline.ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return {
    data: new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength),
    width: info.width,
    height: info.height,
  };
}

export function similarity(reference: Comparable, candidate: Comparable): number {
  if (reference.width !== candidate.width || reference.height !== candidate.height) {
    throw new Error(
      `similarity: ${reference.width}×${reference.height} and ${candidate.width}×${candidate.height} differ in size`,
    );
  }
  return ssim(reference, candidate, { ssim: 'bezkrovny', downsample: false }).mssim;
}
