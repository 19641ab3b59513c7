import type { DesktopPort } from './desktop-port.js';
import type { Logger } from './log.js';

/** What the shell shows in the tray: one entry per configured ComfyUI backend plus the queue counts. */
export interface CoreState {
  backends: { url: string; reachable: boolean }[];
  running: number;
  pending: number;
  paused: boolean;
  /** The newest image in the gallery (absolute path), for the tray's "Open last image"; none yet: undefined. */
  lastImage?: string | undefined;
}

/** The running core as the desktop shell sees it. Electron-free so the shell can be tested without the core. */
export interface CoreHandle {
  /** Streamable HTTP endpoint agents connect to, e.g. http://127.0.0.1:PORT/mcp. */
  mcpUrl: string;
  /** The dashboard's address, token included; the window loads exactly this. */
  dashboardUrl: string;
  /**
   * The dashboard page the window opens on at start: the first-run checklist until it was completed or dismissed
   * (setup/checklist.ts decides), else the dashboard's Status.
   */
  startPageUrl: string;
  outputDir: string;
  state(): CoreState;
  /** Returns the unsubscribe function. */
  onStateChange(listener: () => void): () => void;
  setPaused(paused: boolean): void;
  /**
   * The newest image in the gallery if its file is still the one the bridge wrote (not replaced, moved, or a link
   * out), else undefined: what the tray opens or copies is checked when it is asked for, not when the menu was built.
   */
  lastImage(): Promise<string | undefined>;
  /** Persists batches and closes every socket; the app may exit once this resolves. */
  stop(): Promise<void>;
}

export interface CoreStartOptions {
  /** An electron-store instance in the tray app, a conf instance headless (same options object for both). */
  settingsStore: unknown;
  dataDir: string;
  desktop: DesktopPort;
  bundledWorkflowsDir: string;
  logger: Logger;
}

export type StartCore = (options: CoreStartOptions) => Promise<CoreHandle>;
