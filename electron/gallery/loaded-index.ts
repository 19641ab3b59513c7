/**
 * The loaded gallery index: records kept in memory sorted by creation time (fast pages and filters at 10,000+
 * records), each change appended to the journal, compacted when dead lines outnumber live ones, thumbnails on
 * demand.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { GenerationRecord } from '../../shared/generation.js';
import type { Logger } from '../log.js';
import { listImagesInFolder } from './directory.js';
import { createFileCheck } from './file-check.js';
import { generationRecordSchema, type Journal, type JournalEntry } from './journal.js';
import { clampLimit, decodeCursor, encodeCursor } from './paging.js';
import { createThumbnailCache } from './thumbnails.js';
import type { Gallery, NewGenerationRecord } from './types.js';

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

export interface IndexParts {
  journal: Journal;
  /** Every journal entry so far, oldest first: those read back, then those appended since the journal opened. */
  replayed: readonly JournalEntry[];
  dataDir: string;
  logger: Logger;
  allowedFolders?: () => readonly string[];
}

/** The in-memory index over the journal's entries; it appends every later change to the journal itself. */
export function createLoadedIndex(parts: IndexParts): Gallery {
  const { journal, replayed, logger } = parts;
  const thumbnails = createThumbnailCache({ dir: path.join(parts.dataDir, 'thumbs') });
  const fileCheck = () => createFileCheck(parts.allowedFolders?.() ?? []);

  const byId = new Map<string, Entry>();
  const byPath = new Map<string, Entry>();
  for (const entry of replayed) {
    if (entry.op === 'add') byId.set(entry.record.id, toEntry(entry.record));
    else byId.delete(entry.id);
  }
  /** Ascending by (createdAt, id); pages walk it from the end. */
  const ordered = [...byId.values()];
  // A journal is mostly written in time order: checking costs one pass, sorting 100,000 entries far more.
  if (!ordered.every((entry, i) => i === 0 || compareEntries(ordered[i - 1]!, entry) < 0))
    ordered.sort(compareEntries);
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
      const record = validRecord(input);
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

    loaded: () => Promise.resolve(gallery),
    loadedNow: () => gallery,
    whenLoaded: (use) => use(gallery),
    close: () => journal.close(),
  };
  return gallery;
}

/** The record as the journal keeps it: with an id (a new one if none was given), checked, its time canonical. */
export function validRecord(input: NewGenerationRecord): GenerationRecord {
  const candidate: GenerationRecord = { ...input, id: input.id ?? randomUUID() };
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
