/**
 * The gallery: every generation the bridge wrote, wherever it was saved. Opening it only opens the journal, so
 * the bridge is ready at once however many records it holds; the records are read into the index in the
 * background (loaded-index.ts), and whatever reads the index waits for that. A generation recorded meanwhile goes
 * to the journal at once and into the index after the records before it.
 */
import path from 'node:path';
import type { GenerationRecord } from '../../shared/generation.js';
import { BridgeError } from '../errors.js';
import { openJournal, type JournalEntry } from './journal.js';
import { createLoadedIndex, validRecord } from './loaded-index.js';
import type { Gallery, GalleryHandle, GalleryOptions } from './types.js';

export type {
  CheckedForMove,
  Gallery,
  GalleryHandle,
  GalleryListOptions,
  GalleryOptions,
  NewGenerationRecord,
  OpenedFile,
} from './types.js';
export { GalleryRecordError } from './loaded-index.js';
export type { DirectoryImage, DirectoryListOptions, ImagePage } from './directory.js';
export { CursorError, defaultPageSize, maxPageSize } from './paging.js';
export { moveToTrashFolder } from './trash.js';
export { readEditSource, type EditSourceLimits, type EditSourceRead } from './edit-source.js';
export { allowedFolderOf, type FileProblem, type FileState, type FileVerdict } from './file-check.js';

/** The gallery's index could not be read from its journal; nothing recorded is lost (the journal keeps it). */
export class GalleryLoadError extends BridgeError {
  constructor(file: string, cause: unknown) {
    super(
      'gallery_unavailable',
      `The gallery index (${file}) could not be read: ${cause instanceof Error ? cause.message : String(cause)}.`,
      {
        hint: 'Nothing recorded is lost; the next request that needs the gallery reads it again.',
        cause,
      },
    );
    this.name = 'GalleryLoadError';
  }
}

/** The gallery, its index loaded: for those that want to wait for it (tests, benchmarks, tools). */
export async function openGallery(options: GalleryOptions): Promise<Gallery> {
  const handle = await startGallery(options);
  try {
    return await handle.loaded();
  } catch (error) {
    handle.close();
    throw error;
  }
}

/** Opens the journal (its last line checked, nothing else read) and hands out the gallery before its index loads. */
export async function startGallery(options: GalleryOptions): Promise<GalleryHandle> {
  const logger = options.logger.child('gallery');
  const file = path.join(options.dataDir, 'gallery.jsonl');
  const { journal, readEntries } = await openJournal(file, logger);

  let index: Gallery | undefined;
  let loading: Promise<Gallery> | undefined;
  /** Entries appended while the index was loading, in order; they join it after the entries read back. */
  const appended: JournalEntry[] = [];
  const waiting: ((index: Gallery) => void)[] = [];

  const load = async (): Promise<Gallery> => {
    let loadedIndex: Gallery;
    try {
      await options.beforeLoad?.();
      const read = await readEntries();
      // No await from here on: the entries appended so far are exactly those not read back.
      loadedIndex = createLoadedIndex({ ...options, journal, replayed: read.concat(appended), logger });
    } catch (error) {
      loading = undefined;
      logger.error('could not read the gallery index', { file, error: String(error) });
      throw new GalleryLoadError(file, error);
    }
    index = loadedIndex;
    appended.length = 0;
    for (const use of waiting.splice(0)) {
      try {
        use(loadedIndex);
      } catch (error) {
        logger.warn('a follower of the gallery load failed', { error: String(error) });
      }
    }
    return loadedIndex;
  };

  return {
    add(input): GenerationRecord {
      if (index) return index.add(input);
      const record = validRecord(input);
      journal.append({ op: 'add', record });
      appended.push({ op: 'add', record });
      return record;
    },
    loaded() {
      if (index) return Promise.resolve(index);
      loading ??= load();
      return loading;
    },
    loadedNow: () => index,
    whenLoaded(use) {
      if (index) use(index);
      else waiting.push(use);
    },
    close: () => journal.close(),
  };
}
