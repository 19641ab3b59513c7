import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isErrno } from '../images/errno.js';
import type { Logger } from '../log.js';
import { jsonFilesIn, writeDurably } from './durable-files.js';
import { PRIVATE_DIR_MODE } from '../private-files.js';
import type { BatchRecord } from './types.js';

/**
 * Settled batches on disk (batch-store.ts writes them here): `<data>/batches/finished/<id>.json`, and
 * `<sha256 of its idempotency key>.key` naming the batch a key created. A settled batch is final, so it is read
 * only when someone asks for it, and swept by the time its file was written.
 */
export class FinishedBatches {
  constructor(
    readonly folder: string,
    private readonly logger: Logger,
  ) {}

  /** Every settled batch, in no particular order. */
  async readAll(): Promise<BatchRecord[]> {
    const batches: BatchRecord[] = [];
    for (const name of await jsonFilesIn(this.folder)) {
      const batch = await readBatchFile(join(this.folder, name), this.logger);
      if (batch) batches.push(batch);
    }
    return batches;
  }

  /** A settled batch, read from disk; undefined if there is none of that id (or it cannot be read). */
  read(id: string): BatchRecord | undefined {
    if (!safeId.test(id)) return undefined;
    try {
      return JSON.parse(readFileSync(this.pathOf(id), 'utf8')) as BatchRecord;
    } catch (error) {
      if (!isErrno(error, 'ENOENT')) {
        this.logger.error('a finished batch could not be read', { batch: id, error });
      }
      return undefined;
    }
  }

  /** The settled batch an idempotency key created, if it is still kept. */
  findByKey(key: string): BatchRecord | undefined {
    let id: string;
    try {
      id = readFileSync(this.keyPathOf(key), 'utf8');
    } catch {
      return undefined;
    }
    const batch = this.read(id);
    return batch?.idempotency?.key === key ? batch : undefined;
  }

  /** The `limit` settled batches written last, newest first (by the time their file was written). */
  async recent(limit: number): Promise<BatchRecord[]> {
    const written = await this.byWriteTime();
    const batches: BatchRecord[] = [];
    for (const { name } of written.slice(0, limit)) {
      const batch = await readBatchFile(join(this.folder, name), this.logger);
      if (batch) batches.push(batch);
    }
    return batches;
  }

  /**
   * Deletes the settled batches `isExpired` says are past their retention, each through `remove` (which also
   * forgets any unsettled state of it). Only files not written for `retentionMs` are read to ask: a batch's last
   * change comes before its last write.
   */
  async removeExpired(
    isExpired: (batch: BatchRecord) => boolean,
    retentionMs: number,
    now: number,
    remove: (id: string) => Promise<void>,
  ): Promise<void> {
    for (const { name, mtimeMs } of (await this.byWriteTime()).reverse()) {
      if (now - mtimeMs <= retentionMs) break;
      const batch = await readBatchFile(join(this.folder, name), this.logger);
      if (!batch || !isExpired(batch)) continue;
      await remove(batch.id);
      if (batch.idempotency) await rm(this.keyPathOf(batch.idempotency.key), { force: true });
    }
  }

  /** Whether a batch of this id may be kept here (its id is safe as a file name). */
  accepts(id: string): boolean {
    return safeId.test(id);
  }

  /** The batch's final state, then its key's file. */
  async write(batch: BatchRecord, text: string): Promise<void> {
    await mkdir(this.folder, { recursive: true, mode: PRIVATE_DIR_MODE });
    await writeDurably(this.pathOf(batch.id), text);
    if (batch.idempotency) await writeDurably(this.keyPathOf(batch.idempotency.key), batch.id);
  }

  /** Moves an unsettled batch's file here, not rewritten: the file keeps its time, which the sweep goes by. */
  async moveIn(file: string, batch: BatchRecord): Promise<void> {
    await mkdir(this.folder, { recursive: true, mode: PRIVATE_DIR_MODE });
    await rename(file, this.pathOf(batch.id));
    if (batch.idempotency) await writeDurably(this.keyPathOf(batch.idempotency.key), batch.id);
  }

  async remove(id: string): Promise<void> {
    if (safeId.test(id)) await rm(this.pathOf(id), { force: true });
  }

  private pathOf(id: string): string {
    return join(this.folder, `${id}.json`);
  }

  private keyPathOf(key: string): string {
    return join(this.folder, `${createHash('sha256').update(key).digest('hex')}.key`);
  }

  /** Settled batches' files, most recently written first. */
  private async byWriteTime(): Promise<{ name: string; mtimeMs: number }[]> {
    const files: { name: string; mtimeMs: number }[] = [];
    for (const name of await jsonFilesIn(this.folder)) {
      const stats = await stat(join(this.folder, name)).catch(() => undefined);
      if (stats) files.push({ name, mtimeMs: stats.mtimeMs });
    }
    return files.sort((a, b) => b.mtimeMs - a.mtimeMs);
  }
}

/** A stored batch's file; undefined (logged, the file left in place) if it cannot be read. */
export async function readBatchFile(path: string, logger: Logger): Promise<BatchRecord | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as BatchRecord;
  } catch (error) {
    logger.error('a stored batch could not be read; it is left in place', { file: path, error });
    return undefined;
  }
}

/** Batch ids the bridge makes (`b_` and hex); anything else is never looked up as a file name. */
const safeId = /^[A-Za-z0-9_-]{1,128}$/u;
