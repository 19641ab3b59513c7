import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isErrno } from '../images/errno.js';
import type { Logger } from '../log.js';
import { jsonFilesIn, writeDurably } from './durable-files.js';
import { FinishedBatches, readBatchFile } from './finished-batches.js';
import { markJobsPhase, startPhase } from '../phase-timeline.js';
import { stateNotSavedError } from './state-not-saved.js';
import { PRIVATE_DIR_MODE } from '../private-files.js';
import { isBatchSettled, type BatchRecord } from './types.js';

export interface BatchStoreOptions {
  /** Pause before a failed write is tried again; it doubles after each failure, up to `retryMaxMs`. */
  retryFirstMs?: number;
  retryMaxMs?: number;
}

/**
 * Batches on disk, one JSON file each, replaced atomically (temp file, fsync, rename, fsync of the folder): a
 * crash leaves the old or the new state, never a torn file, and a write that has resolved survives the crash.
 *
 * `create` is the acknowledgement: a new batch's id may be handed out once it resolves. It refuses with
 * `state_not_saved` (what to free, where) while the state cannot be written, and a refused batch leaves nothing.
 *
 * `save` records a change of an accepted batch. Writes of one batch are serialised and coalesced: while one is in
 * flight only the latest state waits, and it is serialised when its write starts, so a save costs nothing until
 * then (a clone per call cost a restart with 1,000 pending jobs about a second). A write that fails is never
 * dropped: the state stays queued and is tried again, with growing pauses, until it is on disk.
 *
 * A settled batch (every item and its web variants finished) is final and is written to `finished/` instead, with
 * its idempotency key's file beside it (finished-batches.ts): a start reads only the unsettled ones, and a finished batch is read when
 * someone asks for it, so neither the start-up nor the memory grows with the week of finished work kept on disk.
 */
export class BatchStore {
  /** Where the batch files are: `<data>/batches`. */
  readonly folder: string;
  /** Settled batches: `<data>/batches/finished/<id>.json`, and `<sha256 of its idempotency key>.key` naming it. */
  readonly finishedFolder: string;
  private readonly finished: FinishedBatches;
  private readonly writing = new Map<string, Promise<void>>();
  /** The live record of each batch whose latest state is not on disk yet. */
  private readonly queued = new Map<string, BatchRecord>();
  /** Batches whose last write failed; their state waits in `queued`. */
  private readonly failed = new Set<string>();
  private readonly retryFirstMs: number;
  private readonly retryMaxMs: number;
  private retryDelayMs: number;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** The batches folder was made (or found) by this store; see writeBatchFile. */
  private folderMade = false;

  constructor(
    private readonly dataDir: string,
    private readonly logger: Logger,
    options: BatchStoreOptions = {},
  ) {
    this.folder = join(dataDir, 'batches');
    this.finishedFolder = join(this.folder, 'finished');
    this.finished = new FinishedBatches(this.finishedFolder, logger);
    this.retryFirstMs = options.retryFirstMs ?? 500;
    this.retryMaxMs = options.retryMaxMs ?? 30_000;
    this.retryDelayMs = this.retryFirstMs;
  }

  /** Every stored batch, unsettled and finished, oldest first. */
  async loadAll(): Promise<BatchRecord[]> {
    const batches = [...(await this.loadUnfinished()), ...(await this.finished.readAll())];
    return batches.sort(byCreation);
  }

  /**
   * The batches not settled yet, oldest first: what a start resumes. A settled batch still among them (written by
   * an older version) is moved to `finished/`, or deleted if `isExpired` says so; one whose finished file exists
   * is a leftover of a move cut short.
   */
  async loadUnfinished(isExpired: (batch: BatchRecord) => boolean = () => false): Promise<BatchRecord[]> {
    await this.makeFolder();
    const batches: BatchRecord[] = [];
    for (const name of await jsonFilesIn(this.folder)) {
      const batch = await readBatchFile(join(this.folder, name), this.logger);
      if (!batch) continue;
      if (this.readFinished(batch.id) || (isBatchSettled(batch) && isExpired(batch))) {
        await rm(join(this.folder, name), { force: true });
      } else if (isBatchSettled(batch) && this.finished.accepts(batch.id)) {
        await this.finished.moveIn(join(this.folder, name), batch);
      } else {
        batches.push(batch);
      }
    }
    return batches.sort(byCreation);
  }

  /** A settled batch, read from disk; undefined if there is none of that id (or it cannot be read). */
  readFinished(id: string): BatchRecord | undefined {
    return this.finished.read(id);
  }

  /** The settled batch an idempotency key created, if it is still kept. */
  findFinishedByKey(key: string): BatchRecord | undefined {
    return this.finished.findByKey(key);
  }

  /** The `limit` settled batches written last, newest first (by the time their file was written). */
  recentFinished(limit: number): Promise<BatchRecord[]> {
    return this.finished.recent(limit);
  }

  /**
   * Deletes the settled batches `isExpired` says are past their retention. Only files not written for
   * `retentionMs` are read to ask: a batch's last change comes before its last write.
   */
  removeExpiredFinished(
    isExpired: (batch: BatchRecord) => boolean,
    retentionMs: number,
    now = Date.now(),
  ): Promise<void> {
    return this.finished.removeExpired(isExpired, retentionMs, now, (id) => this.remove(id));
  }

  /**
   * Writes a new batch durably. Any earlier state that failed to save is tried first: while it cannot be written
   * no new batch is accepted. Rejects with a `state_not_saved` BridgeError, and leaves no file of this batch.
   */
  async create(batch: BatchRecord): Promise<void> {
    const path = this.pathOf(batch.id);
    for (const job of batch.jobs) startPhase(job.id, 'persist');
    try {
      await this.retryFailedNow();
      await this.writeBatchFile(path, JSON.stringify(batch));
      markJobsPhase(batch.jobs, 'persisted');
    } catch (error) {
      // The rename may have happened before the folder's sync failed: a refused batch must not run after a restart.
      await rm(path, { force: true }).catch(() => undefined);
      throw await stateNotSavedError(error, this.folder, this.dataDir);
    }
  }

  /**
   * Schedules a write of the batch's current state; resolves once that state (or a later one) is on disk. Rejects
   * if the write fails, but the state stays queued and is written later (logged as a warning, not dropped).
   */
  save(batch: BatchRecord): Promise<void> {
    this.queued.set(batch.id, batch);
    return this.startWrite(batch.id);
  }

  /** Deletes a batch's file (a finished batch past its retention). */
  async remove(id: string): Promise<void> {
    this.queued.delete(id);
    this.failed.delete(id);
    await rm(this.pathOf(id), { force: true });
    await this.finished.remove(id);
  }

  /**
   * Waits for every pending write, and tries failed ones once more; used on shutdown. State that still cannot be
   * written is logged, not waited for: those batches resume from their last saved state.
   */
  async flush(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    await this.retryFailedNow().catch(() => undefined);
    while (this.writing.size > 0) await Promise.allSettled([...this.writing.values()]);
    if (this.failed.size > 0) {
      this.logger.error(
        'batch state could not be saved before stopping; these batches resume from their last saved state',
        {
          folder: this.folder,
          batches: [...this.failed],
        },
      );
    }
  }

  /**
   * writeDurably into the batches folder, made once rather than before every write: asking for it cost two trips
   * to the file system on every generation's path. A folder removed since fails the write with ENOENT; it is
   * then made again and the write tried once more.
   */
  private async writeBatchFile(path: string, text: string): Promise<void> {
    if (!this.folderMade) await this.makeFolder();
    try {
      await writeDurably(path, text);
    } catch (error) {
      if (!isErrno(error, 'ENOENT')) throw error;
      await this.makeFolder();
      await writeDurably(path, text);
    }
  }

  private async makeFolder(): Promise<void> {
    await mkdir(this.folder, { recursive: true, mode: PRIVATE_DIR_MODE });
    this.folderMade = true;
  }

  private pathOf(id: string): string {
    return join(this.folder, `${id}.json`);
  }

  /**
   * The batch's final state into `finished/`, then its key's file, then the unsettled file is removed: a crash in
   * between leaves both, and the finished one wins at the next start.
   */
  private async writeFinished(batch: BatchRecord, text: string): Promise<void> {
    await this.finished.write(batch, text);
    await rm(this.pathOf(batch.id), { force: true });
  }

  private startWrite(id: string): Promise<void> {
    let run = this.writing.get(id);
    if (!run) {
      run = this.drain(id);
      this.writing.set(id, run);
    }
    return run;
  }

  private async retryFailedNow(): Promise<void> {
    if (this.failed.size === 0) return;
    const results = await Promise.allSettled([...this.failed].map((id) => this.startWrite(id)));
    for (const result of results) if (result.status === 'rejected') throw result.reason;
  }

  private async drain(id: string): Promise<void> {
    try {
      for (let next = this.queued.get(id); next; next = this.queued.get(id)) {
        this.queued.delete(id);
        try {
          const text = JSON.stringify(next);
          markJobsPhase(next.jobs, 'save');
          if (isBatchSettled(next) && this.finished.accepts(id)) await this.writeFinished(next, text);
          else await this.writeBatchFile(this.pathOf(id), text);
          markJobsPhase(next.jobs, 'saved');
        } catch (error) {
          // Kept for the next try, unless a newer state of the batch is already waiting.
          if (!this.queued.has(id)) this.queued.set(id, next);
          throw error;
        }
      }
      this.onSaved(id);
    } catch (error) {
      this.onFailed(id, error);
      throw error;
    } finally {
      // Same synchronous step as the loop's last check: a save() after this starts a new drain.
      this.writing.delete(id);
    }
  }

  private onSaved(id: string): void {
    if (!this.failed.delete(id) || this.failed.size > 0) return;
    this.logger.info('batch state is saved again', { folder: this.folder });
    this.retryDelayMs = this.retryFirstMs;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  private onFailed(id: string, error: unknown): void {
    if (this.failed.size === 0) {
      this.logger.warn('could not save batch state; it is kept in memory and saved again until it succeeds', {
        folder: this.folder,
        batch: id,
        error,
      });
    } else {
      this.logger.debug('batch state still not saved', { batch: id, error });
    }
    this.failed.add(id);
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.retryTimer || this.stopped) return;
    const delay = this.retryDelayMs;
    this.retryDelayMs = Math.min(delay * 2, this.retryMaxMs);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      // Each failure schedules the next try; a success of the last one resets the pause.
      for (const id of this.failed) this.startWrite(id).catch(() => undefined);
    }, delay);
    this.retryTimer.unref();
  }
}

const byCreation = (a: BatchRecord, b: BatchRecord) => a.createdAt.localeCompare(b.createdAt);
