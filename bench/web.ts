/**
 * The web-ready asset engine against sharp alone: for each distinct 1024² photo-like PNG, a hero asset (4 widths ×
 * AVIF, WebP, JPEG = 12 files, each under its byte budget, with an SSIM check where the quality had to be lowered,
 * plus the placeholder) through the engine's default pool, then sharp alone making the same 12 files at the
 * qualities the engine chose (decode, resize, encode, write; everything at once, sharp's fastest way). Interleaved
 * rounds, best of each.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { makeWebAsset, type WebAsset } from '../electron/web/make-web-asset.js';
import { createWorkPool } from '../electron/web/pool.js';
import { photoPng } from '../tests/web/photo.js';
import type { Figure } from './report.js';
import type { Workspace } from './workspace.js';

const rounds = 2;
const side = 1024;

async function sharpAlone(
  sources: readonly string[],
  assets: readonly WebAsset[],
  outDir: string,
): Promise<void> {
  await Promise.all(
    sources.flatMap((source, index) =>
      (assets[index]?.variants ?? []).map((variant) => {
        const resized = sharp(source).resize(variant.width, variant.height, { fit: 'fill' });
        const out = join(outDir, `${index}-${variant.width}.${variant.format}`);
        const quality = variant.budget.quality;
        switch (variant.format) {
          case 'avif':
            return resized.avif({ quality, effort: 4 }).toFile(out);
          case 'webp':
            return resized.webp({ quality, effort: 4 }).toFile(out);
          case 'jpeg':
            return resized.jpeg({ quality, mozjpeg: true }).toFile(out);
          case 'png':
          case 'ico': // a favicon's ICO holds a PNG; the bench's hero makes none
            return resized.png({ compressionLevel: 9 }).toFile(out);
        }
      }),
    ),
  );
}

export async function measureWebAssets(workspace: Workspace, count: number): Promise<Figure[]> {
  const root = workspace.dir('web');
  const pool = createWorkPool();
  const pngs = await Promise.all(
    Array.from({ length: count }, (_, seed) => photoPng({ width: side, height: side, seed: seed + 1 })),
  );
  const engineMs: number[] = [];
  const sharpMs: number[] = [];
  let variants = 0;
  let searched = 0;
  for (let round = 0; round < rounds; round++) {
    const dir = workspace.dir('web', `engine-${round}`);
    const sources = pngs.map((png, index) => {
      const path = join(dir, `photo-${index}.png`);
      writeFileSync(path, png);
      return path;
    });
    let started = performance.now();
    const assets = await Promise.all(
      sources.map((mainPath) =>
        makeWebAsset({
          mainPath,
          prompt: 'a photo',
          web: 'hero',
          allowedRoots: [root],
          recoveryDir: join(root, 'replaced'),
          pool,
        }),
      ),
    );
    engineMs.push(performance.now() - started);
    variants = assets.reduce((sum, asset) => sum + asset.variants.length, 0);
    searched = assets.reduce(
      (sum, asset) => sum + asset.variants.filter((variant) => variant.budget.ssim !== undefined).length,
      0,
    );

    started = performance.now();
    await sharpAlone(sources, assets, workspace.dir('web', `sharp-${round}`));
    sharpMs.push(performance.now() - started);
  }
  const bestEngine = Math.min(...engineMs);
  const bestSharp = Math.min(...sharpMs);
  return [
    {
      name: `Web assets: variants per second from ${side}² sources (hero: AVIF + WebP + JPEG)`,
      value: variants / (bestEngine / 1000),
      unit: '/s',
      note: `${count} sources, ${variants} variants in ${(bestEngine / 1000).toFixed(2)} s (pool of ${pool.concurrency}, best of ${rounds})`,
    },
    {
      name: 'Web assets: engine ÷ sharp throughput (same encodes)',
      value: bestSharp / bestEngine,
      unit: '',
      target: { limit: 0.9, kind: 'min' },
      note: `sharp alone ${(bestSharp / 1000).toFixed(2)} s for the same files at the chosen qualities, all at once; the engine searched the quality (decode + SSIM per trial) for ${searched} of ${variants} files and makes the placeholder`,
    },
  ];
}
