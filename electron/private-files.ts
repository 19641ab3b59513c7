import { closeSync, constants, fchmodSync, fstatSync, mkdirSync, openSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/*
 * The data folder holds both access tokens (settings.json), every prompt (gallery.jsonl), the logs and the
 * shim's endpoint record: nothing in it is for other accounts on the machine. Folders are made 0700 and
 * files 0600 where they are created; what an older version left group- or world-readable is tightened at
 * start. Windows has no mode bits worth the name: the data folder lives in the user's profile, whose ACLs
 * keep other users out.
 */

/** Mode for folders in the data folder: the owner only. */
export const PRIVATE_DIR_MODE = 0o700;
/** Mode for files in the data folder: the owner reads and writes, nobody else anything. */
export const PRIVATE_FILE_MODE = 0o600;

/** Sub-folders whose own entries are tightened too (few files each); the rest are guarded by the 0700 parent. */
const tightenedInside = ['logs'];

/**
 * Creates the data folder 0700 (with any missing parents) and removes group and other permissions from it,
 * from each of its entries and from the files in logs/. Only what this user owns is changed; a symlink is
 * never followed (it is left as it is). Idempotent and cheap: one open per top-level entry.
 */
export function makePrivateDataDir(dataDir: string, platform: NodeJS.Platform = process.platform): void {
  mkdirSync(dataDir, { recursive: true, mode: PRIVATE_DIR_MODE });
  if (platform === 'win32') return;
  tighten(dataDir);
  for (const entry of readdirSync(dataDir)) {
    const path = join(dataDir, entry);
    if (tighten(path) === 'directory' && tightenedInside.includes(entry)) {
      for (const inner of readdirSync(path)) tighten(join(path, inner));
    }
  }
}

/**
 * Drops the group/other bits of one file or folder, acting on the object it opened (no symlink followed, no
 * FIFO waited on), and only if this user owns it. Says what it found; undefined for what it cannot open.
 */
function tighten(path: string): 'directory' | 'file' | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const stats = fstatSync(fd);
    const kind = stats.isDirectory() ? 'directory' : 'file';
    const ours = typeof process.getuid !== 'function' || stats.uid === process.getuid();
    if (ours && (stats.mode & 0o077) !== 0) fchmodSync(fd, stats.mode & 0o700);
    return kind;
  } finally {
    closeSync(fd);
  }
}
