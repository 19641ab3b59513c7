/**
 * Moving files out of the way without losing any: into a folder under a name that collides with nothing there
 * ("hero.png", "hero (2).png", …), and a checked gallery file only while it is still the file checked.
 */
import { constants } from 'node:fs';
import { copyFile, link, mkdir, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { FileChangedError, type CheckedFile } from '../desktop-port.js';
import { tempName } from '../images/atomic-write.js';
import { isErrno } from '../images/errno.js';
import { PRIVATE_DIR_MODE } from '../private-files.js';

/**
 * Moves a checked file to `target` with `move` (a rename, or a copy across disks) only while it is the file
 * checked. The name is first renamed to a hidden sibling inside the checked folder (the bound path, so a link
 * swapped into the path cannot redirect it), the object now at the hidden name is checked again, and it is put
 * back if it is not the checked file. Only then does it leave its folder.
 *
 * What is left: a file swapped in at the name in the instant between the look and the rename is moved to the
 * hidden name and put back (if the name was taken once more meanwhile, it stays under the hidden name, in its own
 * folder); a crash between the two renames leaves the file under the hidden name.
 */
export async function moveCheckedFile(
  checked: CheckedFile,
  target: string,
  move: (from: string, to: string) => Promise<void>,
): Promise<void> {
  if (!(await checked.holds(checked.boundPath))) throw new FileChangedError(checked.path);
  const hidden = path.join(path.dirname(checked.boundPath), tempName(path.basename(checked.path)));
  try {
    await rename(checked.boundPath, hidden);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) throw new FileChangedError(checked.path);
    throw error;
  }
  if (!(await checked.holds(hidden))) {
    await putBack(hidden, checked.boundPath);
    throw new FileChangedError(checked.path);
  }
  try {
    await move(hidden, target);
  } catch (error) {
    // The trash refused (full, not writable): the file goes back under its own name rather than stay hidden.
    await putBack(hidden, checked.boundPath);
    throw error;
  }
}

/** Gives the name back to what was moved away by mistake, never replacing what took the name since. */
async function putBack(hidden: string, name: string): Promise<void> {
  try {
    await link(hidden, name);
    await unlink(hidden);
  } catch (error) {
    if (!isErrno(error, 'EEXIST')) throw error;
  }
}

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
