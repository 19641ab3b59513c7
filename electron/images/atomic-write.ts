/**
 * Writes a file so that readers only ever see the old content or the whole new content: a hidden temp file in the
 * same folder, flushed to disk, then renamed into place. Never replaces an existing file unless asked, and keeps
 * a copy of what it replaces so an agent's overwrite can be undone. Every step acts on the folder opened through
 * the allowed folders (folder-handle.ts), never on a path string that may have been re-pointed meanwhile.
 *
 * Over ~300 lines on purpose: the write, the place-or-replace steps and the translation of their errors are one
 * protocol whose safety is reviewed as a whole; spreading it over files would hide the order of the steps.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, lstat, mkdir, open, rename, rm, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { FileIdentity } from '../../shared/generation.js';
import { isErrno } from './errno.js';
import { PRIVATE_DIR_MODE } from '../private-files.js';
import type { FolderHandle } from './folder-handle.js';
import { pathChanged, PathPolicyError } from './path-error.js';
import { createPathPolicy } from './path-policy.js';
import { fileIdentityOf, objectIdentityOf, sameObject, type ObjectIdentity } from './file-identity.js';
import { byteLengthOf, withoutFirstBytes, writeAll, type FileContent } from './file-content.js';

export type AtomicWriteFailure = 'exists' | 'not-writable' | 'disk-full' | 'recovery-failed' | 'io';

export class AtomicWriteError extends Error {
  override readonly name = 'AtomicWriteError';
  constructor(
    readonly reason: AtomicWriteFailure,
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface WriteFileAtomicOptions {
  /** The allowed folders: the target's folder is opened through them (path-policy.ts openFolder). */
  allowedRoots: readonly string[];
  /** Replace an existing file. Without it, an existing file is an error and stays untouched. */
  overwrite?: boolean;
  /** Where replaced files are kept, as `<recoveryDir>/<timestamp>/<name>`; normally `<data folder>/replaced`. */
  recoveryDir: string;
  /** Clock for the recovery folder's timestamp; tests pin it. */
  now?: () => Date;
  /** Told as each durable step ends (phase-timeline.ts): for measuring, never for deciding. */
  onStep?: (step: AtomicWriteStep) => void;
}

export type AtomicWriteStep = 'written' | 'synced' | 'placed' | 'folder-synced';

export interface WriteFileAtomicResult {
  path: string;
  bytes: number;
  /**
   * The written file's identity, taken by fstat of the file written. The temp file becomes the target by link or
   * rename, which keep its inode, size and modification time, so this is the identity of the file at `path`.
   */
  identity: FileIdentity;
  /** Set when an existing file was replaced: where its previous content now lives. */
  replacedFileKeptAt?: string;
}

/** A temp file opened in a folder before its content is complete (openTempFile), and its name there. */
export interface StartedTemp {
  name: string;
  handle: FileHandle;
}

/** Opens a new hidden temp file for `name` in the folder, as writeIntoFolder does (started there later). */
export async function openTempFile(folder: FolderHandle, name: string): Promise<StartedTemp> {
  const temp = tempName(name);
  return { name: temp, handle: await open(folder.child(temp), newFileFlags, 0o666) };
}

/**
 * Writes `target`, making its missing folders; its folder is opened through the allowed folders first, unless
 * `openedFolder` holds that folder already opened (openExistingFolder; the caller closes it). `started`: a temp
 * file in that opened folder already holding the content's first `keep` bytes (openTempFile); the write takes it
 * over, closing and removing it as its own.
 */
export async function writeFileAtomic(
  target: string,
  bytes: FileContent,
  options: WriteFileAtomicOptions,
  openedFolder?: FolderHandle,
  started?: { temp: StartedTemp; keep: number },
): Promise<WriteFileAtomicResult> {
  const { allowedRoots, ...writeOptions } = options;
  if (openedFolder) return writeIntoFolder(openedFolder, path.basename(target), bytes, writeOptions, started);
  const folderPath = path.dirname(target);
  const folder = await explainFailures(target, folderPath, () =>
    createPathPolicy({ allowedRoots }).openFolder(folderPath, { create: true }),
  );
  try {
    return await writeIntoFolder(folder, path.basename(target), bytes, writeOptions);
  } finally {
    await folder.close();
  }
}

/**
 * Opens the folder `target` will be written in, if it exists, without making anything: a caller that has other
 * work to wait for (the image's download) opens it meanwhile, and writeFileAtomic then starts at the write. Any
 * failure is undefined: writeFileAtomic without a folder gives the full answer (and makes missing folders).
 */
export async function openExistingFolder(
  target: string,
  allowedRoots: readonly string[],
): Promise<FolderHandle | undefined> {
  return createPathPolicy({ allowedRoots })
    .openFolder(path.dirname(target), { create: false })
    .catch(() => undefined);
}

/**
 * Writes the file `name` in an opened folder. Every step acts on that folder, and the folder's path is verified
 * before the file is placed and after: if it no longer leads there, the call fails with a `changed` PathPolicyError,
 * the temp file is gone, and a newly placed file is removed again.
 */
export async function writeIntoFolder(
  folder: FolderHandle,
  name: string,
  bytes: FileContent,
  options: Omit<WriteFileAtomicOptions, 'allowedRoots'>,
  started?: { temp: StartedTemp; keep: number },
): Promise<WriteFileAtomicResult> {
  const target = folder.shown(name);
  // No look for an existing file first: without overwrite the file is placed by a hard link, which fails with
  // EEXIST if one is there (placeWithoutReplacing), and a look-up would cost every write a trip to the file system
  // to spare the rare refused one its temp file.
  const temp = started?.temp.name ?? tempName(name);
  try {
    const stats = await explainFailures(target, folder.path, async () => {
      const handle = started?.temp.handle ?? (await open(folder.child(temp), newFileFlags, 0o666));
      try {
        if (started) {
          // Past `keep` the file holds what the content no longer has there (an image's end before its text).
          await handle.truncate(started.keep);
          const parts = bytes instanceof Uint8Array ? [bytes] : bytes;
          await writeAll(handle, withoutFirstBytes(parts, started.keep), started.keep);
        } else {
          await writeAll(handle, bytes);
        }
        options.onStep?.('written');
        // The identity (inode, size, modification time) is the same before and after the sync: asked together.
        const [, written] = await Promise.all([handle.sync(), handle.stat({ bigint: true })]);
        options.onStep?.('synced');
        return written;
      } finally {
        await handle.close();
      }
    });
    const written = objectIdentityOf(stats);
    await folder.verify();
    let replacedFileKeptAt: string | undefined;
    if (options.overwrite) {
      replacedFileKeptAt = await replaceKeepingCopy(folder, temp, name, {
        recoveryDir: options.recoveryDir,
        now: (options.now ?? (() => new Date()))(),
      });
    } else {
      await placeWithoutReplacing(folder, temp, name);
    }
    options.onStep?.('placed');
    await folder.sync();
    await folder.verify().catch(async (error: unknown) => {
      // Not where the agent will look: take a new file back rather than leave it in a folder that moved.
      if (!options.overwrite) await unlinkIfSame(folder.child(name), written);
      throw error;
    });
    options.onStep?.('folder-synced');
    return {
      path: target,
      bytes: byteLengthOf(bytes),
      identity: fileIdentityOf(stats),
      ...(replacedFileKeptAt ? { replacedFileKeptAt } : {}),
    };
  } catch (error) {
    await rm(folder.child(temp), { force: true });
    throw error;
  }
}

/** Create only, never through a link. */
const newFileFlags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);
/** Never through a link; O_NONBLOCK so a FIFO planted under the name cannot hang the call. */
export const readFlags = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/**
 * Moves the finished temp file to `name` only if nothing is there. A hard link fails atomically with EEXIST,
 * closing the race between the existence check and the rename; file systems without hard links (FAT, some network
 * shares) fall back to check-then-rename.
 */
export async function placeWithoutReplacing(folder: FolderHandle, temp: string, name: string): Promise<void> {
  const target = folder.shown(name);
  try {
    await link(folder.child(temp), folder.child(name));
    await unlink(folder.child(temp));
    return;
  } catch (error) {
    if (isErrno(error, 'EEXIST')) throw existsError(target);
    if (!isErrno(error, 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK')) {
      throw translate(error, target, folder.path);
    }
  }
  if (await exists(folder.child(name))) throw existsError(target);
  await folder.verify();
  await explainFailures(target, folder.path, () => rename(folder.child(temp), folder.child(name)));
}

/**
 * Renames the temp file over `name`, after copying the file it replaces into the recovery folder. The copy is
 * read from the opened file, and the rename happens only while `name` is still that file; a link under the name
 * is refused, as at check time.
 */
async function replaceKeepingCopy(
  folder: FolderHandle,
  temp: string,
  name: string,
  recovery: { recoveryDir: string; now: Date },
): Promise<string | undefined> {
  const target = folder.shown(name);
  const existing = await open(folder.child(name), readFlags).catch((error: unknown) => {
    if (isErrno(error, 'ENOENT')) return undefined;
    if (isErrno(error, 'ELOOP')) throw symlinkTargetError(target);
    throw translate(error, target, folder.path);
  });
  if (!existing) {
    // Nothing to keep: place without replacing, so a file appearing meanwhile is not replaced without a copy.
    await placeWithoutReplacing(folder, temp, name).catch((error: unknown) => {
      throw error instanceof AtomicWriteError && error.reason === 'exists'
        ? pathChanged(target, 'it was not replaced (a file appeared under its name meanwhile)')
        : error;
    });
    return undefined;
  }
  try {
    const info = await existing.stat({ bigint: true });
    if (!info.isFile()) throw pathChanged(target, 'it was not replaced (it is not a regular file)');
    const kept = await keepCopy(existing, target, recovery);
    await folder.verify();
    const current = await lstat(folder.child(name), { bigint: true }).catch(() => undefined);
    if (!current || !sameObject(objectIdentityOf(current), objectIdentityOf(info))) {
      throw pathChanged(target, `it was not replaced (a copy of what was there is in "${kept}")`);
    }
    await explainFailures(target, folder.path, () => rename(folder.child(temp), folder.child(name)));
    return kept;
  } finally {
    await existing.close();
  }
}

/** Copies the opened file (not whatever its name leads to now) to `<recoveryDir>/<timestamp>/<name>`. */
async function keepCopy(
  existing: FileHandle,
  target: string,
  { recoveryDir, now }: { recoveryDir: string; now: Date },
): Promise<string> {
  const stamp = now.toISOString().replace(/[:.]/gu, '-');
  const name = path.basename(target);
  try {
    const content = await existing.readFile();
    for (let attempt = 1; ; attempt++) {
      const folder = path.join(recoveryDir, attempt === 1 ? stamp : `${stamp}-${attempt}`);
      await mkdir(folder, { recursive: true, mode: PRIVATE_DIR_MODE });
      const kept = path.join(folder, name);
      try {
        await writeFile(kept, content, { flag: 'wx' });
        return kept;
      } catch (error) {
        if (!isErrno(error, 'EEXIST')) throw error;
      }
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new AtomicWriteError(
      'recovery-failed',
      target,
      `Did not replace "${target}": keeping a copy of it in "${recoveryDir}" failed (${code}), and the bridge never replaces a file it cannot restore. Free space or fix that folder, or choose another path.`,
      { cause: error },
    );
  }
}

/** Removes `at` only if it is still the file with `identity`. */
async function unlinkIfSame(at: string, identity: ObjectIdentity): Promise<void> {
  const current = await lstat(at, { bigint: true }).catch(() => undefined);
  if (current && sameObject(objectIdentityOf(current), identity)) await unlink(at);
}

function symlinkTargetError(target: string): PathPolicyError {
  return new PathPolicyError(
    'symlink',
    target,
    `"${target}" is a symbolic link; the bridge does not write through links. Choose another file name, or remove the link.`,
  );
}

/** `.name.<random>.tmp`, hidden on Unix, and short enough for the 255-byte name limit whatever `name` is. */
export function tempName(name: string): string {
  let stem = name;
  while (Buffer.byteLength(stem, 'utf8') > 200) stem = Array.from(stem).slice(0, -1).join('');
  return `.${stem}.${randomBytes(6).toString('hex')}.tmp`;
}

async function explainFailures<T>(target: string, folder: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    throw translate(error, target, folder);
  }
}

function translate(error: unknown, target: string, folder: string): unknown {
  if (error instanceof AtomicWriteError || error instanceof PathPolicyError) return error;
  const code = (error as NodeJS.ErrnoException).code ?? 'error';
  if (isErrno(error, 'EACCES', 'EPERM', 'EROFS')) {
    return new AtomicWriteError(
      'not-writable',
      target,
      `Cannot write "${target}": the folder "${folder}" is not writable (${code}). Choose a save path in a writable folder, or fix that folder's permissions.`,
      { cause: error },
    );
  }
  if (isErrno(error, 'ENOSPC', 'EDQUOT')) {
    return new AtomicWriteError(
      'disk-full',
      target,
      `Cannot write "${target}": the disk holding "${folder}" is full (${code}). Free some space, or choose a save path on another disk.`,
      { cause: error },
    );
  }
  return new AtomicWriteError(
    'io',
    target,
    `Cannot write "${target}" (${code}): ${(error as Error).message}`,
    {
      cause: error,
    },
  );
}

function existsError(target: string): AtomicWriteError {
  return new AtomicWriteError(
    'exists',
    target,
    `"${target}" already exists and was left untouched. Pass overwrite: true to replace it (the old file is kept for recovery), or choose another path.`,
  );
}

async function exists(target: string): Promise<boolean> {
  try {
    await lstat(target);
    return true;
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return false;
    throw error;
  }
}
