/** Durable writes of small state files (temp file, fsync, rename, fsync of the folder), and listing them. */
import { open, readdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { isErrno } from '../images/errno.js';
import { PRIVATE_FILE_MODE } from '../private-files.js';

export async function jsonFilesIn(folder: string): Promise<string[]> {
  try {
    return (await readdir(folder)).filter((name) => name.endsWith('.json'));
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return [];
    throw error;
  }
}

/** Temp file, fsync, rename over the target, fsync of the folder; the temp file is removed if anything fails. */
export async function writeDurably(path: string, text: string): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    const handle = await open(temp, 'w', PRIVATE_FILE_MODE);
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    // A partial temp file on a full disk holds the very space the next try needs.
    await rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
  await syncFolder(dirname(path));
}

/** Makes the rename durable. Windows cannot open a folder to sync it; NTFS journals the rename itself. */
async function syncFolder(folder: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(folder, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
