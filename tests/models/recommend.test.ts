import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fitsMemory, recommendModel, type OfferCandidate } from '../../electron/models/recommend.js';
import { parseWorkflowMeta } from '../../electron/workflows/meta.js';
import { bundledWorkflowsDir } from '../core/harness.js';

/** The bundled sidecars, as the dashboard sees them. */
const bundled: OfferCandidate[] = readdirSync(bundledWorkflowsDir)
  .filter((name) => name.endsWith('.meta.json'))
  .map((name) => ({
    id: name.replace(/\.meta\.json$/, ''),
    meta: parseWorkflowMeta(JSON.parse(readFileSync(join(bundledWorkflowsDir, name), 'utf8')), name),
  }));
const gpu = (gb: number) => ({ type: 'cuda', vramTotal: gb * 2 ** 30 });

describe('recommended model for a device', () => {
  it('offers the fastest bundled model that fits the VRAM', () => {
    expect(recommendModel(bundled, gpu(24))).toEqual({ id: 'sdxl-turbo', fits: true });
    // A card sold as 8 GB reports a little under 8 GiB.
    expect(recommendModel(bundled, { type: 'cuda', vramTotal: 8_000_000_000 * 0.96 })).toEqual({
      id: 'sdxl-turbo',
      fits: true,
    });
    expect(recommendModel(bundled, gpu(6))).toEqual({ id: 'sd15', fits: true });
  });

  it('falls back to the model needing least memory, saying it does not fit, on a CPU or a small card', () => {
    expect(recommendModel(bundled, { type: 'cpu', vramTotal: 64 * 2 ** 30 })).toEqual({
      id: 'sd15',
      fits: false,
    });
    expect(recommendModel(bundled, gpu(2))).toEqual({ id: 'sd15', fits: false });
    expect(recommendModel(bundled, undefined)).toEqual({ id: 'sd15', fits: false });
  });

  it('never offers a sidecar without an offer or with a file lacking a link', () => {
    const noLink = bundled.map((candidate) =>
      candidate.id === 'sdxl-turbo'
        ? {
            ...candidate,
            meta: { ...candidate.meta, models: [{ file: 'x.safetensors', folder: 'checkpoints' }] },
          }
        : candidate,
    );
    expect(recommendModel(noLink, gpu(24))).toEqual({ id: 'sd15', fits: true });
    expect(
      recommendModel(
        bundled.filter((candidate) => !candidate.meta.offer),
        gpu(24),
      ),
    ).toBeUndefined();
  });

  it('counts a card as its nominal size at 95 %', () => {
    expect(fitsMemory(8, 7.6e9)).toBe(true);
    expect(fitsMemory(8, 7.5e9)).toBe(false);
  });

  it('gives every offered bundled model a licence and a link for each file, and no unverified checksum', () => {
    const offered = bundled.filter((candidate) => candidate.meta.offer);
    expect(offered.map((candidate) => candidate.id).sort()).toEqual([
      'flux-schnell',
      'sd15',
      'sdxl',
      'sdxl-turbo',
      'z-image-turbo',
    ]);
    for (const candidate of offered) {
      expect(candidate.meta.license, candidate.id).toBeDefined();
      for (const model of candidate.meta.models) expect(model.url, model.file).toMatch(/^https:\/\//);
    }
  });
});
