import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { NATIVE_PIXEL_BAND, planGenerationSize, type SizeRules } from '../../electron/workflows/size.js';

const sd15: SizeRules = { multiple: 8, minSide: 256, maxSide: 2048, native: { width: 512, height: 512 } };
const sdxl: SizeRules = { multiple: 8, minSide: 512, maxSide: 2048, native: { width: 1024, height: 1024 } };
const flux: SizeRules = { multiple: 16, minSide: 256, maxSide: 2048, native: { width: 1024, height: 1024 } };
const anySize: SizeRules = { multiple: 1, minSide: 1, maxSide: 4096 };

describe('planGenerationSize examples', () => {
  it('keeps a request that already suits the model', () => {
    expect(planGenerationSize({ width: 1024, height: 1024 }, sdxl)).toEqual({ width: 1024, height: 1024 });
    expect(planGenerationSize({ width: 1216, height: 832 }, sdxl)).toEqual({ width: 1216, height: 832 });
    expect(planGenerationSize({ width: 768, height: 512 }, sd15)).toEqual({ width: 768, height: 512 });
  });

  it('rounds a near-native request to the latent multiple', () => {
    expect(planGenerationSize({ width: 1000, height: 1000 }, flux)).toEqual({ width: 1008, height: 1008 });
    expect(planGenerationSize({ width: 1001, height: 999 }, sdxl)).toEqual({ width: 1000, height: 1000 });
  });

  it('generates a far smaller request near the native pixel count, same aspect', () => {
    expect(planGenerationSize({ width: 64, height: 64 }, sdxl)).toEqual({ width: 1024, height: 1024 });
    // A 32×16 favicon strip on SD1.5: 2:1 at ~512² pixels.
    expect(planGenerationSize({ width: 32, height: 16 }, sd15)).toEqual({ width: 728, height: 360 });
  });

  it('generates a far larger request near the native pixel count, same aspect', () => {
    // A 1920×1080 hero on SDXL: 16:9 at ~1 MP instead of 2 MP, which would repeat subjects.
    expect(planGenerationSize({ width: 1920, height: 1080 }, sdxl)).toEqual({ width: 1368, height: 768 });
    expect(planGenerationSize({ width: 4096, height: 4096 }, flux)).toEqual({ width: 1024, height: 1024 });
  });

  it('clamps an extreme aspect ratio to the allowed sides', () => {
    expect(planGenerationSize({ width: 4000, height: 10 }, sdxl)).toEqual({ width: 2048, height: 512 });
    expect(planGenerationSize({ width: 10, height: 4000 }, flux)).toEqual({ width: 256, height: 2048 });
  });

  it('generates exactly the request when the workflow has no native size and multiple 1', () => {
    expect(planGenerationSize({ width: 1920, height: 1080 }, anySize)).toEqual({ width: 1920, height: 1080 });
    expect(planGenerationSize({ width: 1, height: 1 }, anySize)).toEqual({ width: 1, height: 1 });
    expect(planGenerationSize({ width: 9000, height: 100 }, anySize)).toEqual({ width: 4096, height: 46 });
  });

  it('refuses sizes that are not positive numbers', () => {
    expect(() => planGenerationSize({ width: 0, height: 512 }, sdxl)).toThrow(RangeError);
    expect(() => planGenerationSize({ width: 512, height: Number.NaN }, sdxl)).toThrow(/positive numbers/);
  });
});

const rulesArbitrary = fc
  .record({
    multiple: fc.constantFrom(1, 8, 16, 32, 64),
    minSide: fc.integer({ min: 1, max: 512 }),
    span: fc.integer({ min: 0, max: 4096 }),
    native: fc.option(
      fc.record({ width: fc.integer({ min: 256, max: 2048 }), height: fc.integer({ min: 256, max: 2048 }) }),
      {
        nil: undefined,
      },
    ),
  })
  .map(({ multiple, minSide, span, native }) => {
    const rules: SizeRules = { multiple, minSide, maxSide: minSide + span + multiple };
    if (native) rules.native = native;
    return rules;
  });
const sizeArbitrary = fc.record({
  width: fc.integer({ min: 1, max: 16384 }),
  height: fc.integer({ min: 1, max: 16384 }),
});

describe('planGenerationSize properties', () => {
  it('always gives whole multiples within the allowed sides', () => {
    fc.assert(
      fc.property(sizeArbitrary, rulesArbitrary, (requested, rules) => {
        const planned = planGenerationSize(requested, rules);
        const lowest = Math.ceil(rules.minSide / rules.multiple) * rules.multiple;
        const highest = Math.max(lowest, Math.floor(rules.maxSide / rules.multiple) * rules.multiple);
        for (const side of [planned.width, planned.height]) {
          expect(Number.isInteger(side)).toBe(true);
          expect(side % rules.multiple).toBe(0);
          expect(side).toBeGreaterThanOrEqual(lowest);
          expect(side).toBeLessThanOrEqual(highest);
        }
      }),
    );
  });

  it('keeps the aspect ratio unless a side had to be clamped', () => {
    fc.assert(
      fc.property(sizeArbitrary, rulesArbitrary, (requested, rules) => {
        const planned = planGenerationSize(requested, rules);
        const clamped = [planned.width, planned.height].some(
          (side) =>
            side <= Math.ceil(rules.minSide / rules.multiple) * rules.multiple ||
            side >= rules.maxSide - rules.multiple,
        );
        if (clamped) return;
        // Rounding each side to the multiple moves the ratio by at most half a multiple per side.
        const ratio = planned.width / planned.height;
        const worst = Math.max(
          Math.abs((planned.width + rules.multiple / 2) / (planned.height - rules.multiple / 2) - ratio),
          Math.abs((planned.width - rules.multiple / 2) / (planned.height + rules.multiple / 2) - ratio),
        );
        expect(Math.abs(ratio - requested.width / requested.height)).toBeLessThanOrEqual(worst + 1e-9);
      }),
    );
  });

  it('lands near the native pixel count, or keeps the requested one inside the band', () => {
    const rules = { ...sdxl, minSide: 8, maxSide: 16384 };
    fc.assert(
      fc.property(sizeArbitrary, (requested) => {
        // Thinner than 8:1 would clamp a side, which the aspect property covers.
        fc.pre(
          Math.max(requested.width, requested.height) / Math.min(requested.width, requested.height) <= 8,
        );
        const planned = planGenerationSize(requested, rules);
        const native = 1024 * 1024;
        const asked = requested.width * requested.height;
        const inBand = asked >= native * NATIVE_PIXEL_BAND.below && asked <= native * NATIVE_PIXEL_BAND.above;
        // Rounding each side to the nearest 8 moves it by at most 4.
        const slack = 4 * (planned.width + planned.height) + 16;
        expect(Math.abs(planned.width * planned.height - (inBand ? asked : native))).toBeLessThanOrEqual(
          slack,
        );
      }),
    );
  });

  it('keeps exactly a request that is already a multiple, within the sides and within the band', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 64, max: 256 }),
        fc.integer({ min: 64, max: 256 }),
        (widthSteps, heightSteps) => {
          const requested = { width: widthSteps * 8, height: heightSteps * 8 };
          const pixels = requested.width * requested.height;
          fc.pre(
            pixels >= 1024 * 1024 * NATIVE_PIXEL_BAND.below &&
              pixels <= 1024 * 1024 * NATIVE_PIXEL_BAND.above,
          );
          expect(planGenerationSize(requested, sdxl)).toEqual(requested);
        },
      ),
    );
  });
});
