/**
 * The finished batches behind a seeded gallery, written by the bridge's own batch store: what a data folder holds
 * after a busy week (finished batches stay on disk for seven days after their last change).
 */
import { dirname } from 'node:path';
import { resultOf } from '../electron/bridge/pipeline.js';
import { BatchStore } from '../electron/jobs/batch-store.js';
import type { BatchRecord, JobRecord } from '../electron/jobs/types.js';
import { silentLogger } from '../electron/log.js';
import type { GenerationRecord } from '../shared/generation.js';
import { seededBatchId, seededBatchSize } from './seed-gallery.js';

/** Spread over the last `spanMs` (default six days: inside the retention), the newest finished a minute ago. */
export async function seedFinishedBatches(options: {
  dataDir: string;
  records: readonly GenerationRecord[];
  spanMs?: number;
}): Promise<number> {
  const store = new BatchStore(options.dataDir, silentLogger);
  const span = options.spanMs ?? 6 * 24 * 60 * 60_000;
  const newest = Date.now() - 60_000;
  const batches: BatchRecord[] = [];
  for (let start = 0; start < options.records.length; start += seededBatchSize) {
    const items = options.records.slice(start, start + seededBatchSize);
    const finishedAt = (index: number) =>
      new Date(newest - span + (span * index) / options.records.length).toISOString();
    batches.push({
      id: seededBatchId(start / seededBatchSize),
      priority: 'batch',
      createdAt: finishedAt(start),
      jobs: items.map((record, offset): JobRecord => {
        const index = start + offset;
        return {
          id: `j_seed${String(index).padStart(10, '0')}`,
          index: offset,
          spec: {
            prompt: record.prompt,
            negativePrompt: '',
            width: record.width,
            height: record.height,
            seed: record.seed,
            format: record.format,
            workflow: record.workflow,
            savePath: record.path,
            allowedRoots: [dirname(record.path)],
            overwrite: false,
          },
          state: 'completed',
          dispatch: { backend: record.backend, promptId: `j_seed${String(index).padStart(10, '0')}-1` },
          attempts: 1,
          result: resultOf(record),
          updatedAt: finishedAt(index),
        };
      }),
    });
  }
  // A few at a time: each create is durable (fsync of the file and the folder).
  for (let start = 0; start < batches.length; start += 20) {
    await Promise.all(batches.slice(start, start + 20).map((batch) => store.create(batch)));
  }
  await store.flush();
  return batches.length;
}
