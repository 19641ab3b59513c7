/**
 * The OS services the core asks the desktop for. Electron implements it in the tray app (desktop.ts); headless
 * mode and tests use desktop-headless.ts. Keeping the interface here, free of Electron, is what lets the core
 * run in plain Node.
 */
export interface DesktopPort {
  /**
   * Moves a file to the OS trash so a deletion from the gallery stays recoverable. With `checked`, the file is
   * moved only while it is still the one checked; otherwise the move fails with a FileChangedError.
   */
  moveToTrash(path: string, checked?: CheckedFile): Promise<void>;
  /** Shows the file selected in the system file manager; throws DesktopUnavailableError where there is none. */
  revealInFolder(path: string): void;
  /** Opens a file or folder with the system's default application. */
  openPath(path: string): Promise<void>;
  /** A system notification, e.g. when a batch finishes. */
  notify(title: string, body: string): void;
  getLaunchAtLogin(): boolean;
  setLaunchAtLogin(on: boolean): void;
}

/** A file the gallery checked before moving it: its folder located, its identity matched (gallery/file-check.ts). */
export interface CheckedFile {
  /** The recorded path (what the OS trash, which takes a path, is given). */
  path: string;
  /**
   * The same name reached through the folder as opened at the check (`/proc/self/fd/N/name` on Linux): a link
   * swapped into the path since then cannot redirect an operation on it, and its siblings are in that folder too.
   */
  boundPath: string;
  /** Whether the file at `candidate` (a path in the checked folder) is the checked file, right now. */
  holds(candidate: string): Promise<boolean>;
}

/** The file at a path is no longer the one checked: the move was not made (or was undone). */
export class FileChangedError extends Error {
  override readonly name = 'FileChangedError';
  readonly code = 'file_changed';
  constructor(readonly path: string) {
    super(`${path} changed while it was being moved to the trash; it was left where it is.`);
  }
}

/** The service needs a desktop (a screen, a file manager) and this bridge runs without one (`serve`). */
export class DesktopUnavailableError extends Error {
  override readonly name = 'DesktopUnavailableError';
  readonly code = 'not_available';
}
