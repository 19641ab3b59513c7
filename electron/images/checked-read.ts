/**
 * Reads a whole file through the folder the path policy opens for it (folder-handle.ts): never through a link,
 * and only while the folder's path still leads to the folder it was read from.
 */
import { open } from 'node:fs/promises';
import path from 'node:path';
import { readFlags } from './atomic-write.js';
import { PathPolicyError } from './path-error.js';
import { createPathPolicy } from './path-policy.js';

export async function readFileWithin(absolute: string, allowedRoots: readonly string[]): Promise<Buffer> {
  const folder = await createPathPolicy({ allowedRoots }).openFolder(path.dirname(absolute), {
    create: false,
  });
  try {
    const handle = await open(folder.child(path.basename(absolute)), readFlags).catch((error: unknown) => {
      throw (error as NodeJS.ErrnoException).code === 'ELOOP'
        ? new PathPolicyError(
            'symlink',
            absolute,
            `"${absolute}" is a symbolic link; the bridge does not read through links.`,
          )
        : error;
    });
    try {
      const bytes = await handle.readFile();
      await folder.verify();
      return bytes;
    } finally {
      await handle.close();
    }
  } finally {
    await folder.close();
  }
}
