/**
 * The gallery index: every generation the bridge wrote, wherever it was saved. Kept in memory sorted by creation
 * time (fast pages and filters at 10,000+ records), persisted through the journal, thumbnails on demand.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { EditMode, GenerationRecord } from '../../shared/generation.js';
import type { Logger } from '../log.js';
import {
  listImagesInFolder,
  type DirectoryImage,
  type DirectoryListOptions,
  type ImagePage,
} from './directory.js';
import { createFileCheck, type FileProblem, type FileVerdict } from './file-check.js';
import { generationRecordSchema, openJournal, type JournalEntry } from './journal.js';
import { clampLimit, decodeCursor, encodeCursor } from './paging.js';
import { createThumbnailCache } from './thumbnails.js';

export type { DirectoryImage, DirectoryListOptions, ImagePage } from './directory.js';
export { CursorError, defaultPageSize, maxPageSize } from './paging.js';
export { moveToTrashFolder } from './trash.js';
export { readEditSource, type EditSourceLimits, type EditSourceRead } from './edit-source.js';
export { allowedFolderOf, type FileProblem, type FileState, type FileVerdict } from './file-check.js';

export type NewGenerationRecord = Omit<GenerationRecord, 'id'> & { id?: string };

export interface GalleryListOptions {
  /** Case-insensitive substring of the prompt or the file name. */
  query?: string;
  /** Default 50, at most 500. */
  limit?: number;
  cursor?: string;
  /** Only records saved directly in this folder. */
  directory?: string;
  /** `generate`: only records that are not edits; an edit mode: only edits in that mode. */
  mode?: 'generate' | EditMode;
}

export interface Gallery {
  add(record: NewGenerationRecord): GenerationRecord;
  get(id: string): GenerationRecord | undefined;
  /** The record written at this absolute path, if any (the newest when one path was written twice). */
  findByPath(file: string): GenerationRecord | undefined;
  /** Newest first. */
  list(options?: GalleryListOptions): ImagePage<GenerationRecord>;
  /** Forgets the record (the file itself is the caller's to move to the trash). True if it existed. */
  remove(id: string): boolean;
  readonly size: number;
  /** Image files in any folder, joined with the records of those generated here. */
  listDirectory(folder: string, options?: DirectoryListOptions): Promise<ImagePage<DirectoryImage>>;
  /**
   * Whether each record's file is still the one it made (file-check.ts), looked at by path: for showing. Serving
   * and deleting check again on the object they act on.
   */
  fileStates(records: readonly GenerationRecord[]): Promise<FileVerdict[]>;
  /**
   * The record's file opened for reading, if it is still the one the record made and inside the allowed folders;
   * undefined for an unknown id. The caller closes a present file's handle.
   */
  openFile(id: string): Promise<OpenedFile | FileProblem | undefined>;
  /** The record's file checked for a move to the trash, bound to its folder; close it when done. */
  checkForMove(id: string): Promise<CheckedForMove | FileProblem | undefined>;
  /**
   * A WebP thumbnail (≤ 256 px), cached; undefined for an unknown id or a file that is gone or not the record's.
   * With a signal, a render still queued when it aborts is dropped and the promise rejects with its reason.
   */
  thumbnail(id: string, signal?: AbortSignal): Promise<Buffer | undefined>;
  close(): void;
}

export type OpenedFile = Extract<Awaited<ReturnType<FileCheck['open']>>, { state: 'present' }>;
export type CheckedForMove = Extract<Awaited<ReturnType<FileCheck['forMove']>>, { state: 'present' }>;
type FileCheck = ReturnType<typeof createFileCheck>;

export interface GalleryOptions {
  dataDir: string;
  logger: Logger;
  /**
   * The folders files may be in besides the one each record was written into (the output folder and the
   * settings' allowed folders); read at each check, so a settings change applies at once.
   */
  allowedFolders?: () => readonly string[];
}

export class GalleryRecordError extends Error {
  override readonly name = 'GalleryRecordError';
}

interface Entry {
  record: GenerationRecord;
  /** Lower-cased prompt and file name, prepared once so filtering 10,000 records is a plain substring scan. */
  haystack: string;
  folder: string;
}

/** Compaction happens once the log holds at least this many dead lines and more dead lines than live ones. */
const compactionThreshold = 1000;

export async function openGallery(options: GalleryOptions): Promise<Gallery> {
  const logger = options.logger.child('gallery');
  const { journal, entries: replayed } = await openJournal(
    path.join(options.dataDir, 'gallery.jsonl'),
    logger,
  );
  const thumbnails = createThumbnailCache({ dir: path.join(options.dataDir, 'thumbs') });
  const fileCheck = () => createFileCheck(options.allowedFolders?.() ?? []);

  const byId = new Map<string, Entry>();
  const byPath = new Map<string, Entry>();
  for (const entry of replayed) {
    if (entry.op === 'add') byId.set(entry.record.id, toEntry(entry.record));
    else byId.delete(entry.id);
  }
  /** Ascending by (createdAt, id); pages walk it from the end. */
  const ordered = [...byId.values()].sort(compareEntries);
  for (const entry of ordered) byPath.set(entry.record.path, entry);
  let deadLines = replayed.length - byId.size;
  logger.info('gallery index loaded', { records: byId.size, logLines: replayed.length });

  const detach = (entry: Entry) => {
    ordered.splice(positionOf(ordered, entry), 1);
    if (byPath.get(entry.record.path) === entry) byPath.delete(entry.record.path);
  };

  const compactIfWorthIt = () => {
    if (deadLines < compactionThreshold || deadLines <= byId.size) return;
    journal.rewrite(ordered.map((entry): JournalEntry => ({ op: 'add', record: entry.record })));
    logger.info('gallery index compacted', { records: byId.size, deadLinesDropped: deadLines });
    deadLines = 0;
  };

  const gallery: Gallery = {
    add(input) {
      const record = validate({ ...input, id: input.id ?? randomUUID() });
      journal.append({ op: 'add', record });
      const previous = byId.get(record.id);
      if (previous) {
        detach(previous);
        deadLines++;
      }
      const entry = toEntry(record);
      byId.set(record.id, entry);
      ordered.splice(insertionPoint(ordered, entry), 0, entry);
      byPath.set(record.path, entry);
      compactIfWorthIt();
      return record;
    },

    get: (id) => byId.get(id)?.record,

    findByPath: (file) => byPath.get(path.resolve(file))?.record,

    list(listOptions = {}) {
      const limit = clampLimit(listOptions.limit);
      const query = listOptions.query?.toLowerCase();
      const folder = listOptions.directory === undefined ? undefined : path.resolve(listOptions.directory);
      let index = ordered.length - 1;
      if (listOptions.cursor !== undefined) {
        const [createdAt, id] = decodeCursor<string>(listOptions.cursor, 'string');
        index = insertionPointForKey(ordered, createdAt, id) - 1;
      }
      const items: GenerationRecord[] = [];
      let more = false;
      for (; index >= 0; index--) {
        const entry = ordered[index]!;
        if (folder !== undefined && entry.folder !== folder) continue;
        if (query && !entry.haystack.includes(query)) continue;
        if (listOptions.mode !== undefined && (entry.record.edit?.mode ?? 'generate') !== listOptions.mode)
          continue;
        if (items.length === limit) {
          more = true;
          break;
        }
        items.push(entry.record);
      }
      const last = items.at(-1);
      return more && last ? { items, nextCursor: encodeCursor([last.createdAt, last.id]) } : { items };
    },

    remove(id) {
      const entry = byId.get(id);
      if (!entry) return false;
      journal.append({ op: 'remove', id });
      byId.delete(id);
      detach(entry);
      deadLines += 2;
      thumbnails
        .forget(id)
        .catch((error: unknown) => logger.warn('could not delete a thumbnail', { id, error }));
      compactIfWorthIt();
      return true;
    },

    get size() {
      return byId.size;
    },

    listDirectory(folder, listOptions = {}) {
      return listImagesInFolder(path.resolve(folder), listOptions, (file) => byPath.get(file)?.record);
    },

    fileStates(records) {
      const check = fileCheck();
      return Promise.all(records.map((record) => check.look(record)));
    },

    openFile(id) {
      const record = byId.get(id)?.record;
      return record ? fileCheck().open(record) : Promise.resolve(undefined);
    },

    checkForMove(id) {
      const record = byId.get(id)?.record;
      return record ? fileCheck().forMove(record) : Promise.resolve(undefined);
    },

    async thumbnail(id, signal) {
      const record = byId.get(id)?.record;
      if (!record) return undefined;
      return thumbnails.get(
        id,
        async () => {
          const opened = await fileCheck().open(record);
          if (opened.state !== 'present') return undefined;
          const { handle, stats } = opened;
          return {
            mtimeMs: Number(stats.mtimeMs),
            read: () => handle.readFile(),
            close: () => handle.close(),
          };
        },
        signal,
      );
    },

    close: () => journal.close(),
  };
  return gallery;
}

function validate(candidate: GenerationRecord): GenerationRecord {
  const createdAt = new Date(candidate.createdAt);
  if (Number.isNaN(createdAt.getTime())) {
    throw new GalleryRecordError(`createdAt "${candidate.createdAt}" is not a date; pass an ISO time.`);
  }
  // One canonical form (UTC, milliseconds) so that string order is time order.
  const parsed = generationRecordSchema.safeParse({ ...candidate, createdAt: createdAt.toISOString() });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new GalleryRecordError(
      `Invalid gallery record: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim(),
    );
  }
  return parsed.data;
}

function toEntry(record: GenerationRecord): Entry {
  return {
    record,
    haystack: `${record.prompt}\n${path.basename(record.path)}`.toLowerCase(),
    folder: path.dirname(record.path),
  };
}

function compareKeys(aCreated: string, aId: string, bCreated: string, bId: string): number {
  if (aCreated !== bCreated) return aCreated < bCreated ? -1 : 1;
  return aId < bId ? -1 : aId > bId ? 1 : 0;
}

function compareEntries(a: Entry, b: Entry): number {
  return compareKeys(a.record.createdAt, a.record.id, b.record.createdAt, b.record.id);
}

/** Index of the first entry whose key is not below (createdAt, id). */
function insertionPointForKey(ordered: readonly Entry[], createdAt: string, id: string): number {
  let low = 0;
  let high = ordered.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const { record } = ordered[middle]!;
    if (compareKeys(record.createdAt, record.id, createdAt, id) < 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

function insertionPoint(ordered: readonly Entry[], entry: Entry): number {
  return insertionPointForKey(ordered, entry.record.createdAt, entry.record.id);
}

function positionOf(ordered: readonly Entry[], entry: Entry): number {
  const index = insertionPoint(ordered, entry);
  if (ordered[index] !== entry)
    throw new Error('gallery index out of order: an entry is missing from its position');
  return index;
}
