/**
 * Whether the file at a gallery record's path is still the one the record made, and where it really is. Serving
 * and deleting act on the object checked: the file (or its folder) is opened first, and its real location is read
 * from the open descriptor (Linux: `/proc/self/fd/N`), not looked up again by the path string.
 *
 * A record's file is `present` only if
 * - a regular file is at its path, not a link;
 * - it really is at its recorded path, or inside one of the allowed folders (the folder the record was written
 *   into, and the settings' output and allowed folders, each with its links resolved): a folder replaced by a link
 *   to somewhere else leads nowhere;
 * - it has the recorded identity (device, inode, size, modification time). Records from before identities were
 *   kept compare what they have: the size, and a modification time no later than the record's own time (an
 *   overwrite, or any later edit, is newer).
 * Otherwise it is `missing` (nothing at the path) or `replaced` (something else is there, or the path leads out).
 */
import { constants, existsSync, type BigIntStats } from 'node:fs';
import { open, readlink, realpath, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { GenerationRecord } from '../../shared/generation.js';
import type { CheckedFile } from '../desktop-port.js';
import { isErrno, lstatOrUndefined } from '../images/errno.js';
import { fileIdentityOf, sameFileIdentity } from '../images/file-identity.js';
import { isInsideFolder } from '../images/path-rules.js';

export type FileState = 'present' | 'replaced' | 'missing';
export type FileProblem = { state: 'replaced'; why: string } | { state: 'missing'; why: string };
export type FileVerdict = { state: 'present' } | FileProblem;

/** What is at a record's path. `realPath` is undefined when where the file really is could not be told. */
export type Found =
  | { kind: 'absent' }
  | { kind: 'link' }
  | { kind: 'not-a-file' }
  | { kind: 'file'; stats: BigIntStats; realPath: string | undefined };

export function judgeFile(
  record: GenerationRecord,
  found: Found,
  allowedReal: readonly string[],
): FileVerdict {
  switch (found.kind) {
    case 'absent':
      return {
        state: 'missing',
        why: 'nothing is at its path any more (moved or deleted outside the bridge)',
      };
    case 'link':
      return { state: 'replaced', why: 'its path is now a symbolic link' };
    case 'not-a-file':
      return { state: 'replaced', why: 'its path no longer holds a regular file' };
    case 'file': {
      const real = found.realPath;
      if (real === undefined || !(real === record.path || allowedReal.some((f) => isInsideFolder(real, f))))
        return {
          state: 'replaced',
          why: `its path now leads outside the allowed folders (to ${real ?? 'a place that cannot be told'})`,
        };
      if (!isRecordsFile(record, found.stats))
        return { state: 'replaced', why: 'another file is at its path (overwritten, edited or replaced)' };
      return { state: 'present' };
    }
  }
}

/** Whether these stats are those of the file the record made (see the header for records without identity). */
export function isRecordsFile(record: GenerationRecord, stats: BigIntStats): boolean {
  if (!stats.isFile()) return false;
  if (record.file) return sameFileIdentity(record.file, fileIdentityOf(stats));
  return Number(stats.size) === record.bytes && Number(stats.mtimeMs) <= Date.parse(record.createdAt);
}

/** The innermost of `folders` that holds `file` (by its path, as the path policy checked it); for a new record. */
export function allowedFolderOf(file: string, folders: readonly string[]): string | undefined {
  return folders
    .filter((folder) => isInsideFolder(file, folder))
    .reduce<string | undefined>(
      (best, folder) => (best && best.length >= folder.length ? best : folder),
      undefined,
    );
}

/** Where open descriptors name their objects; absent off Linux (and in the odd container without /proc). */
const procFds = process.platform === 'linux' && existsSync('/proc/self/fd') ? '/proc/self/fd' : undefined;

/**
 * One look at a few records: the allowed folders' real locations, and each folder's, resolved once. `allowed`
 * are the settings' folders; each record adds the folder it was written into.
 */
export function createFileCheck(allowed: readonly string[]) {
  const realFolders = new Map<string, Promise<string | undefined>>();
  const realFolder = (folder: string) => {
    let real = realFolders.get(folder);
    if (!real) {
      real = realpath(folder).catch(() => undefined);
      realFolders.set(folder, real);
    }
    return real;
  };
  const allowedReal = async (record: GenerationRecord) => {
    const folders = record.allowedFolder ? [record.allowedFolder, ...allowed] : allowed;
    const real = await Promise.all(folders.map(realFolder));
    return real.filter((folder): folder is string => folder !== undefined);
  };

  return {
    /** For listing: by path (lstat), so cheap; serving and deleting check again on what they open. */
    async look(record: GenerationRecord): Promise<FileVerdict> {
      const stats = await lstatOrUndefined(record.path);
      const folder = await realFolder(path.dirname(record.path));
      const found: Found = !stats
        ? { kind: 'absent' }
        : foundOf(stats, folder && path.join(folder, path.basename(record.path)));
      return judgeFile(record, found, await allowedReal(record));
    },

    /**
     * Opens the record's file for reading without following a link at its name; the verdict is about the object
     * opened, and only a present file's handle is returned (the caller closes it).
     */
    async open(
      record: GenerationRecord,
    ): Promise<{ state: 'present'; handle: FileHandle; stats: BigIntStats } | FileProblem> {
      let handle: FileHandle;
      try {
        // O_NONBLOCK: a FIFO planted at the path must not hang the request.
        handle = await open(
          record.path,
          constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0),
        );
      } catch (error) {
        if (isErrno(error, 'ENOENT', 'ENOTDIR'))
          return judgeFile(record, { kind: 'absent' }, []) as FileProblem;
        if (isErrno(error, 'ELOOP', 'EMLINK')) return judgeFile(record, { kind: 'link' }, []) as FileProblem;
        throw error;
      }
      try {
        const stats = await handle.stat({ bigint: true });
        const found = foundOf(
          stats,
          stats.isFile() ? await realLocation(handle, record.path, stats) : undefined,
        );
        const verdict = judgeFile(record, found, await allowedReal(record));
        if (verdict.state === 'present') return { state: 'present', handle, stats };
        await handle.close();
        return verdict;
      } catch (error) {
        await handle.close();
        throw error;
      }
    },

    /**
     * Checks the record's file for a move: its folder is opened and located, the name looked at inside the opened
     * folder. A present file comes with a CheckedFile bound to that folder (close it when done).
     */
    async forMove(
      record: GenerationRecord,
    ): Promise<{ state: 'present'; file: CheckedFile; close(): Promise<void> } | FileProblem> {
      const name = path.basename(record.path);
      const bound = await openFolder(path.dirname(record.path));
      if (!bound) return judgeFile(record, { kind: 'absent' }, []) as FileProblem;
      try {
        const boundPath = path.join(bound.path, name);
        const stats = await lstatOrUndefined(boundPath);
        const found: Found = !stats
          ? { kind: 'absent' }
          : foundOf(stats, bound.real && path.join(bound.real, name));
        const verdict = judgeFile(record, found, await allowedReal(record));
        if (verdict.state !== 'present') {
          await bound.close();
          return verdict;
        }
        const file: CheckedFile = {
          path: record.path,
          boundPath,
          async holds(candidate) {
            const now = await lstatOrUndefined(candidate);
            return now !== undefined && isRecordsFile(record, now);
          },
        };
        return { state: 'present', file, close: () => bound.close() };
      } catch (error) {
        await bound.close();
        throw error;
      }
    },
  };
}

function foundOf(stats: BigIntStats, realPath: string | undefined): Found {
  if (stats.isSymbolicLink()) return { kind: 'link' };
  if (!stats.isFile()) return { kind: 'not-a-file' };
  return { kind: 'file', stats, realPath };
}

/** The real location of an open file: the kernel's name for it on Linux; elsewhere realpath, if it is the same object. */
async function realLocation(
  handle: FileHandle,
  opened: string,
  stats: BigIntStats,
): Promise<string | undefined> {
  if (procFds) return readlink(`${procFds}/${handle.fd}`).catch(() => undefined);
  const real = await realpath(opened).catch(() => undefined);
  const again = real === undefined ? undefined : await lstatOrUndefined(real);
  return again && again.dev === stats.dev && again.ino === stats.ino ? real : undefined;
}

/**
 * A folder to act in. On Linux it is opened and its `/proc/self/fd/N` path used, so names looked at and renamed
 * through it stay in that very folder whatever is swapped into the path meanwhile. Elsewhere it is the folder's
 * realpath at this moment (a swap between this look and the move is the window left there).
 */
async function openFolder(
  folder: string,
): Promise<{ path: string; real: string | undefined; close(): Promise<void> } | undefined> {
  if (!procFds) {
    const real = await realpath(folder).catch(() => undefined);
    return real === undefined ? undefined : { path: real, real, close: () => Promise.resolve() };
  }
  let handle: FileHandle;
  try {
    handle = await open(folder, constants.O_RDONLY | constants.O_DIRECTORY);
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENOTDIR')) return undefined;
    throw error;
  }
  const bound = `${procFds}/${handle.fd}`;
  const real = await readlink(bound).catch(() => undefined);
  return { path: bound, real, close: () => handle.close() };
}
