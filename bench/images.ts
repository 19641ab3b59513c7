/** Real 1024² PNGs for the benchmarks: blurred noise like the fake ComfyUI's `textured` images. */
import { linkSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';

/** Each call draws fresh noise, so every file has its own pixels (about 1.4 MB at 1024²). */
export function texturedPng(size: number): Promise<Buffer> {
  return sharp({
    create: {
      width: size,
      height: size,
      channels: 3,
      background: '#000',
      noise: { type: 'gaussian', mean: 128, sigma: 12 },
    },
  })
    .blur(1.2)
    .png()
    .toBuffer();
}

/** `count` distinct PNG files (each its own pixels) in `dir`, named image-000.png …; returns their paths. */
export async function writeDistinctPngs(dir: string, count: number, size = 1024): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const paths: string[] = [];
  for (let index = 0; index < count; index++) {
    const path = join(dir, `image-${String(index).padStart(3, '0')}.png`);
    writeFileSync(path, await texturedPng(size));
    paths.push(path);
  }
  return paths;
}

/** The same files under other names in `dir` (hard links: no copy, and no decoder cache keyed by file name hits). */
export function linkCopies(sources: readonly string[], dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  return sources.map((source, index) => {
    const path = join(dir, `copy-${String(index).padStart(3, '0')}.png`);
    linkSync(source, path);
    return path;
  });
}
