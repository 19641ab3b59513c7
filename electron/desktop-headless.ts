import { randomUUID } from 'node:crypto';
import { cp, mkdir, rename, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { DesktopUnavailableError, type DesktopPort } from './desktop-port.js';
import { moveCheckedFile } from './gallery/trash.js';
import type { Logger } from './log.js';
import { PRIVATE_DIR_MODE } from './private-files.js';

export interface HeadlessDesktopOptions {
  /** Where "trashed" files go; created on first use. */
  trashDir: string;
  logger: Logger;
}

/**
 * The desktop port without a desktop (servers, CI, tests): deleted files are kept in a trash folder instead of
 * being unlinked, a reveal in the file manager is refused (the caller says so), and notifications are only logged.
 */
export function createHeadlessDesktop({ trashDir, logger }: HeadlessDesktopOptions): DesktopPort {
  const log = logger.child('desktop');
  return {
    async moveToTrash(path, checked) {
      await mkdir(trashDir, { recursive: true, mode: PRIVATE_DIR_MODE });
      const target = join(trashDir, trashName(basename(path)));
      if (checked) await moveCheckedFile(checked, target, moveFile);
      else await moveFile(path, target);
      log.info('moved to trash folder', { path, trashedAs: target });
    },
    revealInFolder() {
      // Refused rather than logged: the dashboard would otherwise report a reveal that nobody saw.
      throw new DesktopUnavailableError(
        'Reveal in folder needs the desktop app; this bridge runs headless (serve)',
      );
    },
    openPath(path) {
      log.info('open path is not available without a desktop', { path });
      return Promise.resolve();
    },
    notify(title, body) {
      log.info('notification', { title, body });
    },
    getLaunchAtLogin: () => false,
    setLaunchAtLogin(on) {
      log.warn('launch at login is not supported in headless mode; use your service manager instead', { on });
    },
  };
}

/** Unique so that trashing two files with the same name (or the same file twice) never overwrites one. */
function trashName(name: string): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return `${stamp}-${randomUUID().slice(0, 8)}-${name}`;
}

async function moveFile(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (error) {
    // The trash folder may sit on another volume than the image; rename cannot cross devices.
    if (!isErrno(error, 'EXDEV')) throw error;
    await cp(from, to, { errorOnExist: true, force: false, preserveTimestamps: true });
    await rm(from);
  }
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}
