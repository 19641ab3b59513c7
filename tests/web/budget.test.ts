import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeWithinBudget, searchQuality, type Trial } from '../../electron/web/budget.js';
import { decodeSource, encodeRaw, qualityRange } from '../../electron/web/encode.js';
import type { RawImage } from '../../electron/web/raw-image.js';
import { photoPng } from './photo.js';

/** A model codec: bytes and SSIM grow with quality. */
function model(bytesPerQuality: number, ssimAt: (quality: number) => number) {
  return (quality: number): Promise<Trial> =>
    Promise.resolve({ quality, bytes: quality * bytesPerQuality, ssim: ssimAt(quality) });
}

describe('searchQuality', () => {
  const limits = { min: 30, max: 82, floor: 0.95, maxEncodes: 6 };

  it('stops at the top quality when it fits', async () => {
    const outcome = await searchQuality(
      model(100, () => 0.99),
      { ...limits, maxBytes: 10_000 },
    );
    expect(outcome.best?.quality).toBe(82);
    expect(outcome.trials).toHaveLength(1);
  });

  it('finds the highest quality that fits within six encodes', async () => {
    const outcome = await searchQuality(
      model(1000, () => 0.99),
      { ...limits, maxBytes: 57_500 },
    );
    expect(outcome.trials.length).toBeLessThanOrEqual(6);
    expect(outcome.best?.bytes).toBeLessThanOrEqual(57_500);
    // Binary search over 30..81 in five steps lands within one step of the answer (57).
    expect(outcome.best?.quality).toBeGreaterThanOrEqual(56);
  });

  it('does not go below the similarity floor to fit, and gives up early when nothing can', async () => {
    const outcome = await searchQuality(
      model(1000, (quality) => 0.9 + quality / 1000),
      { ...limits, maxBytes: 40_000 }, // fits at 40 and below, but SSIM ≥ 0.95 needs quality ≥ 50
    );
    expect(outcome.best).toBeUndefined();
    expect(outcome.trials.length).toBeLessThanOrEqual(6);
    expect(outcome.trials.every((trial) => trial.bytes > 40_000 || trial.ssim! < 0.95)).toBe(true);
  });

  it('measures nothing when the top quality fits, and every trial once it does not', async () => {
    const calls: [number, boolean][] = [];
    const recording = (bytesPerQuality: number) => (quality: number, measure: boolean) => {
      calls.push([quality, measure]);
      return model(
        bytesPerQuality,
        () => 0.99,
      )(quality).then((trial) => (measure ? trial : { quality, bytes: trial.bytes }));
    };
    const fits = await searchQuality(recording(100), { ...limits, maxBytes: 10_000 });
    expect(calls).toEqual([[82, false]]);
    expect(fits.best).toEqual({ quality: 82, bytes: 8200 });

    calls.length = 0;
    const searched = await searchQuality(recording(1000), { ...limits, maxBytes: 57_500 });
    expect(calls[0]).toEqual([82, false]);
    expect(calls.slice(1).every(([, measure]) => measure)).toBe(true);
    // The top is in the trials once, measured (the fallback and the next size compare it).
    expect(searched.trials.filter((trial) => trial.quality === 82)).toEqual([
      { quality: 82, bytes: 82_000, ssim: 0.99 },
    ]);
  });
});

describe('encodeWithinBudget with real sharp', () => {
  let photo: RawImage;
  let grainy: RawImage;
  let cutout: RawImage;
  beforeAll(async () => {
    photo = (await decodeSource(await photoPng({ width: 1200, height: 800 }), 1e8)).image;
    grainy = (await decodeSource(await photoPng({ width: 640, height: 426, grain: 160 }), 1e8)).image;
    const decoded = await decodeSource(await photoPng({ width: 400, height: 400, alpha: true }), 1e8);
    expect(decoded.hasAlpha).toBe(true);
    cutout = decoded.image;
  }, 60_000);

  it('keeps the everyday quality when it already fits', async () => {
    const result = await encodeWithinBudget({
      source: photo,
      target: { width: 640, height: 427, fit: 'fill' },
      format: 'webp',
      maxBytes: 200_000,
      floorWidth: 0,
    });
    expect(result).toMatchObject({
      met: true,
      quality: qualityRange.webp.max,
      encodes: 1,
      width: 640,
      height: 427,
    });
    // The top quality fitted at once: no decode and comparison were spent on it.
    expect(result.ssim).toBeUndefined();
    const meta = await sharp(result.data).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['webp', 640, 427]);
  });

  it('lowers the quality to meet a tight budget and reports quality and SSIM', async () => {
    const everyday = await encodeRaw(photo, 'jpeg', qualityRange.jpeg.max);
    const maxBytes = Math.round(everyday.byteLength * 0.6);
    const result = await encodeWithinBudget({
      source: photo,
      target: { width: 1200, height: 800, fit: 'fill' },
      format: 'jpeg',
      maxBytes,
      floorWidth: 1080,
    });
    expect(result.met).toBe(true);
    expect(result.data.byteLength).toBeLessThanOrEqual(maxBytes);
    expect(result.quality).toBeLessThan(qualityRange.jpeg.max);
    expect(result.ssim).toBeGreaterThanOrEqual(0.95);
    expect(result.encodes).toBeLessThanOrEqual(6);
    expect(result.shrunkFrom).toBeUndefined();
    const meta = await sharp(result.data).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 1200, 800]);
  });

  it('shrinks the dimensions only when no quality above the floor fits', async () => {
    const lowest = await encodeRaw(photo, 'webp', qualityRange.webp.min);
    const maxBytes = Math.round(lowest.byteLength * 0.6);
    const result = await encodeWithinBudget({
      source: photo,
      target: { width: 1200, height: 800, fit: 'fill' },
      format: 'webp',
      maxBytes,
      floorWidth: 640,
    });
    expect(result.met).toBe(true);
    expect(result.shrunkFrom).toEqual({ width: 1200, height: 800 });
    expect(result.width).toBeLessThan(1200);
    expect(result.width).toBeGreaterThan(640);
    expect(result.height).toBe(Math.round((800 * result.width) / 1200));
    expect(result.data.byteLength).toBeLessThanOrEqual(maxBytes);
    const meta = await sharp(result.data).metadata();
    expect([meta.width, meta.height]).toEqual([result.width, result.height]);
  });

  it('reports an impossible budget as not met, at the planned size, without going below the floor', async () => {
    const result = await encodeWithinBudget({
      source: grainy,
      target: { width: 640, height: 426, fit: 'fill' },
      format: 'avif',
      maxBytes: 1500,
      floorWidth: 600,
    });
    expect(result.met).toBe(false);
    expect(result.data.byteLength).toBeGreaterThan(1500);
    expect([result.width, result.height]).toEqual([640, 426]);
    expect(result.encodes).toBeLessThanOrEqual(6);
    const meta = await sharp(result.data).metadata();
    expect(meta.format).toBe('heif');
    expect(meta.compression).toBe('av1');
  });

  it('keeps transparency in AVIF, WebP and PNG', async () => {
    for (const format of ['avif', 'webp', 'png'] as const) {
      const result = await encodeWithinBudget({
        source: cutout,
        target: { width: 200, height: 200, fit: 'cover' },
        format,
        maxBytes: 100_000,
        floorWidth: 0,
      });
      const { data, info } = await sharp(result.data)
        .ensureAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
      const alphaAt = (x: number, y: number): number => data[(y * info.width + x) * 4 + 3] ?? -1;
      const alphas = new Set<number>();
      for (let y = 0; y < info.height; y += 7)
        for (let x = 0; x < info.width; x += 7) alphas.add(alphaAt(x, y));
      expect(Math.min(...alphas), format).toBe(0);
      expect(Math.max(...alphas), format).toBe(255);
    }
  });

  it('stops when its signal is aborted', async () => {
    await expect(
      encodeWithinBudget({
        source: photo,
        target: { width: 640, height: 427, fit: 'fill' },
        format: 'avif',
        maxBytes: 100,
        floorWidth: 0,
        signal: AbortSignal.abort(),
      }),
    ).rejects.toThrow(/abort/iu);
  });
});
