/**
 * Writes a file so that readers only ever see the old content or the whole new content: a hidden temp file in the
 * same folder, flushed to disk, then renamed into place. Never replaces an existing file unless asked, and keeps
 * a copy of what it replaces so an agent's overwrite can be undone.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, link, lstat, mkdir, open, rename, rm, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { FileIdentity } from '../../shared/generation.js';
import { isErrno } from './errno.js';
import { identityOf } from './file-identity.js';

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
  /** Replace an existing file. Without it, an existing file is an error and stays untouched. */
  overwrite?: boolean;
  /** Where replaced files are kept, as `<recoveryDir>/<timestamp>/<name>`; normally `<data folder>/replaced`. */
  recoveryDir: string;
  /** Clock for the recovery folder's timestamp; tests pin it. */
  now?: () => Date;
}

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

export async function writeFileAtomic(
  target: string,
  bytes: Uint8Array,
  options: WriteFileAtomicOptions,
): Promise<WriteFileAtomicResult> {
  const folder = path.dirname(target);
  await explainFailures(target, folder, () => makeFolder(folder));
  if (!options.overwrite && (await exists(target))) throw existsError(target);

  const temp = path.join(folder, tempName(path.basename(target)));
  try {
    const identity = await explainFailures(target, folder, async () => {
      const handle = await open(temp, 'wx');
      try {
        await handle.writeFile(bytes);
        await handle.sync();
        return identityOf(await handle.stat({ bigint: true }));
      } finally {
        await handle.close();
      }
    });
    let replacedFileKeptAt: string | undefined;
    if (options.overwrite) {
      replacedFileKeptAt = await keepCopyOfExisting(
        target,
        options.recoveryDir,
        (options.now ?? (() => new Date()))(),
      );
      await explainFailures(target, folder, () => rename(temp, target));
    } else {
      await placeWithoutReplacing(temp, target, folder);
    }
    await syncFolder(folder);
    return {
      path: target,
      bytes: bytes.byteLength,
      identity,
      ...(replacedFileKeptAt ? { replacedFileKeptAt } : {}),
    };
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * Moves the finished temp file to `target` only if nothing is there. A hard link fails atomically with EEXIST,
 * closing the race between the existence check and the rename; file systems without hard links (FAT, some network
 * shares) fall back to check-then-rename.
 */
async function placeWithoutReplacing(temp: string, target: string, folder: string): Promise<void> {
  try {
    await link(temp, target);
    await unlink(temp);
    return;
  } catch (error) {
    if (isErrno(error, 'EEXIST')) throw existsError(target);
    if (!isErrno(error, 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK')) {
      throw translate(error, target, folder);
    }
  }
  if (await exists(target)) throw existsError(target);
  await explainFailures(target, folder, () => rename(temp, target));
}

async function keepCopyOfExisting(
  target: string,
  recoveryDir: string,
  now: Date,
): Promise<string | undefined> {
  if (!(await exists(target))) return undefined;
  const stamp = now.toISOString().replace(/[:.]/gu, '-');
  const name = path.basename(target);
  try {
    for (let attempt = 1; ; attempt++) {
      const folder = path.join(recoveryDir, attempt === 1 ? stamp : `${stamp}-${attempt}`);
      await mkdir(folder, { recursive: true });
      const kept = path.join(folder, name);
      try {
        await copyFile(target, kept, constants.COPYFILE_EXCL);
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

/**
 * mkdir -p that reports the real cause: Node's recursive mkdir turns EROFS and some EACCES cases into a
 * misleading ENOENT, so on ENOENT the first missing folder is created alone to surface the actual error.
 */
async function makeFolder(folder: string): Promise<void> {
  try {
    await mkdir(folder, { recursive: true });
  } catch (error) {
    if (!isErrno(error, 'ENOENT')) throw error;
    let firstMissing = folder;
    while (!(await exists(path.dirname(firstMissing))) && path.dirname(firstMissing) !== firstMissing) {
      firstMissing = path.dirname(firstMissing);
    }
    await mkdir(firstMissing);
    throw error;
  }
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
  if (error instanceof AtomicWriteError) return error;
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

/** Makes the rename itself durable. Best effort: Windows cannot open a folder for syncing. */
async function syncFolder(folder: string): Promise<void> {
  try {
    const handle = await open(folder, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // The file's own data is already synced; only the directory entry's durability is left to the OS here.
  }
}
