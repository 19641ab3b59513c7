/**
 * A data folder whose gallery index already holds N generations, written by the index's own journal writer (one
 * `{"op":"add","record":…}` line each), with a real image behind every record.
 */
import { linkSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { openJournal, type JournalEntry } from '../electron/gallery/journal.js';
import { fileIdentityOf } from '../electron/images/file-identity.js';
import { silentLogger } from '../electron/log.js';
import type { FileIdentity, GenerationRecord } from '../shared/generation.js';

const subjects = ['lighthouse at dusk', 'red fox in snow', 'city skyline', 'bowl of ramen', 'mountain lake'];
const styles = ['watercolor', 'photo', 'isometric 3d', 'pencil sketch'];

/** Generations of one batch in the seeded data folder (their batch files: seed-batches.ts). */
export const seededBatchSize = 100;

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
    batchId: seededBatchId(Math.floor(index / seededBatchSize)),
    createdAt,
    file,
  };
}

export const seededBatchId = (batch: number): string => `b_seed${String(batch).padStart(10, '0')}`;

/** Writes the index and returns its records, oldest first. */
export async function seedGallery(options: {
  dataDir: string;
  imagesDir: string;
  count: number;
  /** Real images the records point at (hard-linked under one name per record). */
  sources: readonly string[];
}): Promise<GenerationRecord[]> {
  mkdirSync(options.dataDir, { recursive: true });
  mkdirSync(options.imagesDir, { recursive: true });
  const records: GenerationRecord[] = [];
  for (let index = 0; index < options.count; index++) {
    const source = options.sources[index % options.sources.length]!;
    const path = join(options.imagesDir, `gen-${String(index).padStart(5, '0')}.png`);
    linkSync(source, path);
    // The identity of the file recorded, as the pipeline keeps it (an entry without one would show "replaced").
    const file = fileIdentityOf(statSync(path, { bigint: true }));
    records.push(seededRecord(index, path, file));
  }
  const { journal } = await openJournal(join(options.dataDir, 'gallery.jsonl'), silentLogger);
  try {
    journal.rewrite(records.map((record): JournalEntry => ({ op: 'add', record })));
  } finally {
    journal.close();
  }
  return records;
}
