import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { fileIdentityOf } from '../../electron/images/file-identity.js';
import type { GenerationRecord } from '../../shared/generation.js';

/**
 * A data folder's gallery seeded in the journal's own format: `count` distinct 16² PNGs in `imagesDir`, one
 * record each (a minute apart, so the newest is the last), for e2e tests that need more than a few generations.
 */
export async function seedGallery(options: {
  dataDir: string;
  imagesDir: string;
  count: number;
  idPrefix: string;
  fileName: (index: number) => string;
  prompt: (index: number) => string;
}): Promise<void> {
  mkdirSync(options.imagesDir, { recursive: true });
  const lines: string[] = [];
  for (let index = 0; index < options.count; index++) {
    const path = join(options.imagesDir, options.fileName(index));
    await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: index, g: 90, b: 160 } } })
      .png()
      .toFile(path);
    const file = fileIdentityOf(statSync(path, { bigint: true }));
    const record: GenerationRecord = {
      id: `${options.idPrefix}${index}`,
      path,
      prompt: options.prompt(index),
      seed: index,
      width: 16,
      height: 16,
      format: 'png',
      bytes: file.size,
      workflow: 'sd15',
      backend: 'http://127.0.0.1:8188',
      createdAt: new Date(Date.UTC(2026, 0, 1) + index * 60_000).toISOString(),
      file,
    };
    lines.push(JSON.stringify({ op: 'add', record }));
  }
  writeFileSync(join(options.dataDir, 'gallery.jsonl'), lines.join('\n') + '\n');
}
