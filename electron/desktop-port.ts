/**
 * The OS services the core asks the desktop for. Electron implements it in the tray app (desktop.ts); headless
 * mode and tests use desktop-headless.ts. Keeping the interface here, free of Electron, is what lets the core
 * run in plain Node.
 */
export interface DesktopPort {
  /** Moves a file to the OS trash so a deletion from the gallery stays recoverable. */
  moveToTrash(path: string): Promise<void>;
  /** Shows the file selected in the system file manager. */
  revealInFolder(path: string): void;
  /** Opens a file or folder with the system's default application. */
  openPath(path: string): Promise<void>;
  /** A system notification, e.g. when a batch finishes. */
  notify(title: string, body: string): void;
  getLaunchAtLogin(): boolean;
  setLaunchAtLogin(on: boolean): void;
}
