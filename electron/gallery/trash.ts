/**
 * The headless stand-in for the OS trash: moves a file into a folder under a name that collides with nothing
 * there ("hero.png", "hero (2).png", …) and never overwrites.
 */
import { constants } from 'node:fs';
import { copyFile, link, mkdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import { isErrno } from '../images/errno.js';
import { PRIVATE_DIR_MODE } from '../private-files.js';

/** Moves `file` into `trashDir` and returns its new absolute path. */
export async function moveToTrashFolder(file: string, trashDir: string): Promise<string> {
  await mkdir(trashDir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const extension = path.extname(file);
  const stem = path.basename(file, extension);
  for (let attempt = 1; ; attempt++) {
    const candidate = path.join(
      trashDir,
      attempt === 1 ? stem + extension : `${stem} (${attempt})${extension}`,
    );
    try {
      await placeWithoutReplacing(file, candidate);
      await unlink(file);
      return candidate;
    } catch (error) {
      if (!isErrno(error, 'EEXIST')) throw error;
    }
  }
}

/** A hard link claims the name atomically; across disks (or without hard links) an exclusive copy does. */
async function placeWithoutReplacing(file: string, candidate: string): Promise<void> {
  try {
    await link(file, candidate);
  } catch (error) {
    if (!isErrno(error, 'EXDEV', 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EMLINK')) throw error;
    await copyFile(file, candidate, constants.COPYFILE_EXCL);
  }
}
