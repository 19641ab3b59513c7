/**
 * The core side of the MCP App's app-only tools (mcp/app/): thumbnails of finished items and the pick among
 * variants. Both act only on images this bridge made: an item of a known batch, through its gallery record
 * (whose id is the job's), read from the record's checked file and written with the atomic, folder-checked write.
 */
import { BridgeError } from '../errors.js';
import { allowedFolderOf, type Gallery, type GalleryHandle } from '../gallery/index.js';
import { AtomicWriteError, writeFileAtomic } from '../images/atomic-write.js';
import { PathPolicyError } from '../images/path-error.js';
import type { Scheduler } from '../jobs/scheduler.js';
import type { BatchRecord, JobRecord } from '../jobs/types.js';
import type { KeptVariant, ResultAppService } from '../mcp/app/service.js';
import { variantTarget } from './variant-target.js';

export interface ResultAppOptions {
  scheduler: Pick<Scheduler, 'get'>;
  gallery: GalleryHandle;
  /** Where a replaced file is kept (the data folder's `replaced`). */
  recoveryDir: string;
}

export function createResultApp(options: ResultAppOptions): ResultAppService {
  const { scheduler, gallery } = options;

  function batchOf(batchId: string): BatchRecord {
    const batch = scheduler.get(batchId);
    if (!batch) throw new BridgeError('unknown_batch', `No batch "${batchId}" is known here.`);
    return batch;
  }

  /** The item's gallery record, if it finished and was recorded. */
  function recordOf(index: Gallery, job: JobRecord | undefined) {
    return job?.state === 'completed' ? index.get(job.id) : undefined;
  }

  return {
    async thumbnail(batchId, item, signal) {
      const job = scheduler.get(batchId)?.jobs[item];
      const index = await gallery.loaded();
      return recordOf(index, job) ? index.thumbnail(job!.id, signal) : undefined;
    },

    async keepVariant(batchId, item): Promise<KeptVariant> {
      const batch = batchOf(batchId);
      const chosen = batch.jobs[item];
      const index = await gallery.loaded();
      const record = recordOf(index, chosen);
      if (!chosen || !record)
        throw new BridgeError('not_finished', `Item ${item} of batch "${batchId}" has no finished image.`);
      const variants = batch.jobs.flatMap((job) => recordOf(index, job)?.path ?? []);
      const target = variantTarget(variants);
      if (target === undefined)
        throw new BridgeError(
          'not_variants',
          'The finished images of this batch are not variants of one file (one folder and name apart from a trailing -N).',
        );
      const opened = await index.openFile(record.id);
      if (!opened || opened.state !== 'present')
        throw new BridgeError(
          'file_missing',
          `"${record.path}" is ${opened ? `${opened.state}: ${opened.why}` : 'not in the gallery'}.`,
        );
      let bytes: Buffer;
      try {
        bytes = await opened.handle.readFile();
      } finally {
        await opened.handle.close();
      }
      let written;
      try {
        written = await writeFileAtomic(target, bytes, {
          allowedRoots: chosen.spec.allowedRoots,
          overwrite: true,
          recoveryDir: options.recoveryDir,
        });
      } catch (error) {
        if (error instanceof AtomicWriteError)
          throw new BridgeError(`write_${error.reason.replaceAll('-', '_')}`, error.message);
        if (error instanceof PathPolicyError)
          throw new BridgeError(error.reason === 'changed' ? 'path_changed' : 'path_refused', error.message);
        throw error;
      }
      const allowedFolder = allowedFolderOf(written.path, chosen.spec.allowedRoots);
      const { id: _chosenId, allowedFolder: _folder, ...kept } = record;
      index.add({
        ...kept,
        path: written.path,
        bytes: written.bytes,
        file: written.identity,
        createdAt: new Date().toISOString(),
        ...(allowedFolder ? { allowedFolder } : {}),
      });
      return {
        path: written.path,
        bytes: written.bytes,
        ...(written.replacedFileKeptAt ? { replaced_kept_at: written.replacedFileKeptAt } : {}),
      };
    },
  };
}
