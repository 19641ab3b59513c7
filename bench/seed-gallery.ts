/**
 * A data folder whose gallery index already holds N generations, written in the index's own journal format
 * (one `{"op":"add","record":…}` line each), with a real image behind every record.
 */
import { linkSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileIdentityOf } from '../electron/images/file-identity.js';
import type { FileIdentity, GenerationRecord } from '../shared/generation.js';

const subjects = ['lighthouse at dusk', 'red fox in snow', 'city skyline', 'bowl of ramen', 'mountain lake'];
const styles = ['watercolor', 'photo', 'isometric 3d', 'pencil sketch'];

/** One record in five mentions "lighthouse": a filtered query finds a page quickly; "variant 123" finds one. */
export function seededRecord(index: number, path: string, file: FileIdentity): GenerationRecord {
  const createdAt = new Date(Date.UTC(2026, 0, 1) + index * 60_000).toISOString();
  return {
    id: `seed-${String(index).padStart(5, '0')}`,
    path,
    prompt: `${subjects[index % subjects.length]!}, ${styles[index % styles.length]!}, variant ${index}`,
    seed: index,
    width: 1024,
    height: 1024,
    format: 'png',
    bytes: file.size,
    workflow: 'sd15',
    backend: 'http://127.0.0.1:8188',
    batchId: `seed-batch-${Math.floor(index / 100)}`,
    createdAt,
    file,
  };
}

export function seedGallery(options: {
  dataDir: string;
  imagesDir: string;
  count: number;
  /** Real images the records point at (hard-linked under one name per record). */
  sources: readonly string[];
}): void {
  mkdirSync(options.dataDir, { recursive: true });
  mkdirSync(options.imagesDir, { recursive: true });
  const lines: string[] = [];
  for (let index = 0; index < options.count; index++) {
    const source = options.sources[index % options.sources.length]!;
    const path = join(options.imagesDir, `gen-${String(index).padStart(5, '0')}.png`);
    linkSync(source, path);
    // The identity of the file recorded, as the pipeline keeps it (an entry without one would show "replaced").
    const file = fileIdentityOf(statSync(path, { bigint: true }));
    lines.push(JSON.stringify({ op: 'add', record: seededRecord(index, path, file) }));
  }
  writeFileSync(join(options.dataDir, 'gallery.jsonl'), lines.join('\n') + '\n');
}
