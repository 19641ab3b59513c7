/**
 * convert_image (WebP, many paths) against sharp alone: the same 100 PNGs (hard-linked under fresh names for every run so
 * no decoder cache helps either side), the same settings, interleaved runs, best of each.
 */
import { join } from 'node:path';
import sharp from 'sharp';
import { linkCopies, writeDistinctPngs } from './images.js';
import type { BenchClient } from './mcp.js';
import type { Figure } from './report.js';
import type { Workspace } from './workspace.js';

const quality = 80;
const rounds = 2;

async function sharpAlone(paths: readonly string[], outDir: string): Promise<void> {
  // Everything at once: sharp queues the work on libuv's pool, its own fastest way through a list.
  await Promise.all(
    paths.map((path, index) =>
      sharp(path)
        .autoOrient()
        .webp({ quality, lossless: false })
        .toFile(join(outDir, `out-${index}.webp`)),
    ),
  );
}

export async function measureWebp(
  workspace: Workspace,
  client: BenchClient,
  allowedDir: string,
  count: number,
): Promise<Figure[]> {
  const sources = await writeDistinctPngs(join(allowedDir, 'webp-sources'), count);
  const bridgeMs: number[] = [];
  const sharpMs: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const forSharp = linkCopies(sources, join(allowedDir, `sharp-${round}`));
    let started = performance.now();
    await sharpAlone(forSharp, workspace.dir('webp-sharp-out', String(round)));
    sharpMs.push(performance.now() - started);

    const forBridge = linkCopies(sources, join(allowedDir, `bridge-${round}`));
    started = performance.now();
    const result = (await client.call('convert_image', { paths: forBridge, quality })) as {
      converted: number;
    };
    bridgeMs.push(performance.now() - started);
    if (result.converted !== count)
      throw new Error(`convert_image converted ${result.converted} of ${count}`);
  }
  const bestBridge = Math.min(...bridgeMs);
  const bestSharp = Math.min(...sharpMs);
  return [
    {
      name: `WebP conversion of ${count} 1024² PNGs: bridge ÷ sharp throughput`,
      value: bestSharp / bestBridge,
      unit: '',
      target: { limit: 0.9, kind: 'min' },
      note: `bridge ${(bestBridge / 1000).toFixed(2)} s, sharp alone ${(bestSharp / 1000).toFixed(2)} s (best of ${rounds}, quality ${quality})`,
    },
  ];
}
