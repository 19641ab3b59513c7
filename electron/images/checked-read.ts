/**
 * Reads a whole file through the folder the path policy opens for it (folder-handle.ts): never through a link,
 * and only while the folder's path still leads to the folder it was read from.
 */
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { readFlags } from './atomic-write.js';
import { isErrno } from './errno.js';
import { PathPolicyError } from './path-error.js';
import { createPathPolicy, type PathPolicy } from './path-policy.js';

/**
 * Opens `absolute` (no link followed) in its folder as `policy` opens it, reads it with `read` from that handle,
 * then checks the folder is still where its path leads. Errors of the open other than a link pass through.
 */
export async function readThroughFolder(
  policy: PathPolicy,
  absolute: string,
  read: (handle: FileHandle) => Promise<Buffer> = (handle) => handle.readFile(),
): Promise<Buffer> {
  const folder = await policy.openFolder(path.dirname(absolute), { create: false });
  try {
    const handle = await open(folder.child(path.basename(absolute)), readFlags).catch((error: unknown) => {
      throw isErrno(error, 'ELOOP')
        ? new PathPolicyError(
            'symlink',
            absolute,
            `"${absolute}" is a symbolic link; the bridge does not read through links.`,
          )
        : error;
    });
    try {
      const bytes = await read(handle);
      await folder.verify();
      return bytes;
    } finally {
      await handle.close();
    }
  } finally {
    await folder.close();
  }
}

export async function readFileWithin(absolute: string, allowedRoots: readonly string[]): Promise<Buffer> {
  return readThroughFolder(createPathPolicy({ allowedRoots }), absolute);
}
