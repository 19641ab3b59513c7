/** The gallery's shapes: the loaded index (`Gallery`) and the handle the core holds from start (`GalleryHandle`). */
import type { EditMode, GenerationRecord } from '../../shared/generation.js';
import type { Logger } from '../log.js';
import type { DirectoryImage, DirectoryListOptions, ImagePage } from './directory.js';
import type { createFileCheck, FileProblem, FileVerdict } from './file-check.js';

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

/** The loaded index; as a handle, its load is done (`loaded()` answers itself). */
export interface Gallery extends GalleryHandle {
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

/**
 * The gallery from the moment the core starts, before its index is read: a generation is recorded at once (in the
 * journal; in the index once it is loaded, after the records before it), and everything that reads the index
 * waits for it.
 */
export interface GalleryHandle {
  /** Records a generation whether or not the index has loaded yet; throws GalleryRecordError for a bad record. */
  add(record: NewGenerationRecord): GenerationRecord;
  /**
   * The index, once the journal's records are read (the first call starts the read). A read that failed rejects
   * this call with a GalleryLoadError and is tried again by the next; the records added meanwhile are kept.
   */
  loaded(): Promise<Gallery>;
  /** The index if it has loaded, for what must answer at once (the tray's state); else undefined. */
  loadedNow(): Gallery | undefined;
  /**
   * Runs `use` with the index at once if it has loaded, else once it has (not if no load succeeds: the requests
   * that need the gallery say why). Starts no load: for events and views that follow the core's own changes.
   */
  whenLoaded(use: (index: Gallery) => void): void;
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
  /** Awaited before the journal's records are read: tests hold it to see the bridge answer while it loads. */
  beforeLoad?: () => Promise<void>;
}
