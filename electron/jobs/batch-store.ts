import { mkdir, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../private-files.js';
import type { BatchRecord } from './types.js';

/**
 * Batches on disk, one JSON file each, replaced atomically (temp file, fsync, rename) so a crash leaves either
 * the old or the new state, never a torn file. Writes of one batch are serialised and coalesced: while one is
 * in flight only the latest state waits, so a busy batch costs a bounded number of writes.
 */
export class BatchStore {
  private readonly dir: string;
  private readonly writing = new Map<string, Promise<void>>();
  private readonly queued = new Map<string, BatchRecord>();

  constructor(
    dataDir: string,
    private readonly logger: Logger,
  ) {
    this.dir = join(dataDir, 'batches');
  }

  async loadAll(): Promise<BatchRecord[]> {
    await mkdir(this.dir, { recursive: true, mode: PRIVATE_DIR_MODE });
    const batches: BatchRecord[] = [];
    for (const name of await readdir(this.dir)) {
      if (!name.endsWith('.json')) continue;
      try {
        batches.push(JSON.parse(await readFile(join(this.dir, name), 'utf8')) as BatchRecord);
      } catch (error) {
        this.logger.error('a stored batch could not be read; it is left in place', { file: name, error });
      }
    }
    return batches.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** Schedules a write of the batch's current state; resolves once that state (or a later one) is on disk. */
  save(batch: BatchRecord): Promise<void> {
    this.queued.set(batch.id, structuredClone(batch));
    let run = this.writing.get(batch.id);
    if (!run) {
      run = this.drain(batch.id);
      this.writing.set(batch.id, run);
    }
    return run;
  }

  /** Deletes a batch's file (a finished batch past its retention). */
  async remove(id: string): Promise<void> {
    await rm(join(this.dir, `${id}.json`), { force: true });
  }

  /** Waits for every pending write; used on shutdown. */
  async flush(): Promise<void> {
    while (this.writing.size > 0) await Promise.allSettled([...this.writing.values()]);
  }

  private async drain(id: string): Promise<void> {
    try {
      await mkdir(this.dir, { recursive: true, mode: PRIVATE_DIR_MODE });
      for (let next = this.queued.get(id); next; next = this.queued.get(id)) {
        this.queued.delete(id);
        await writeJsonAtomic(join(this.dir, `${id}.json`), next);
      }
    } finally {
      // Same synchronous step as the loop's last check: a save() after this starts a new drain.
      this.writing.delete(id);
    }
  }
}

async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, JSON.stringify(value), { mode: PRIVATE_FILE_MODE });
  const handle = await open(temp, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, path);
}
