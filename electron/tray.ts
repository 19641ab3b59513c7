import type { Menu, MenuItemConstructorOptions, nativeImage, Tray } from 'electron';
import { basename, join } from 'node:path';
import type { CoreState } from './core-handle.js';

export type TrayStatus = 'idle' | 'busy' | 'unreachable' | 'paused';

export type TrayAction =
  | 'open-window'
  | 'copy-mcp-url'
  | 'open-output-folder'
  | 'open-last-image'
  | 'copy-last-image-path'
  | 'toggle-pause'
  | 'toggle-launch-at-login'
  | 'quit';

export type TrayMenuEntry =
  | { kind: 'status'; label: string }
  | { kind: 'separator' }
  | { kind: 'action'; action: TrayAction; label: string }
  | { kind: 'checkbox'; action: TrayAction; label: string; checked: boolean; enabled: boolean };

export interface TrayView {
  status: TrayStatus;
  tooltip: string;
  menu: TrayMenuEntry[];
}

export interface TrayInput {
  core: CoreState;
  launchAtLogin: boolean;
  /** Electron can register login items on macOS and Windows only. */
  launchAtLoginSupported: boolean;
}

/** Decides what the tray shows. Pure, so every state can be tested without Electron. */
export function trayView({ core, launchAtLogin, launchAtLoginSupported }: TrayInput): TrayView {
  const status = trayStatus(core);
  const statusLine = describeStatus(status, core);
  return {
    status,
    tooltip: `ComfyUI MCP Bridge — ${statusLine}`,
    menu: [
      { kind: 'action', action: 'open-window', label: 'Open ComfyUI MCP Bridge' },
      { kind: 'status', label: statusLine },
      { kind: 'separator' },
      { kind: 'action', action: 'copy-mcp-url', label: 'Copy MCP URL' },
      { kind: 'action', action: 'open-output-folder', label: 'Open output folder' },
      ...lastImageEntries(core.lastImage),
      { kind: 'separator' },
      { kind: 'checkbox', action: 'toggle-pause', label: 'Pause queue', checked: core.paused, enabled: true },
      {
        kind: 'checkbox',
        action: 'toggle-launch-at-login',
        label: launchAtLoginSupported ? 'Launch at login' : 'Launch at login (not supported on this system)',
        checked: launchAtLoginSupported && launchAtLogin,
        enabled: launchAtLoginSupported,
      },
      { kind: 'separator' },
      { kind: 'action', action: 'quit', label: 'Quit' },
    ],
  };
}

/** Shown once the gallery has an image; the label names it, so the user knows which one opens. */
function lastImageEntries(lastImage: string | undefined): TrayMenuEntry[] {
  if (lastImage === undefined) return [];
  return [
    { kind: 'action', action: 'open-last-image', label: `Open last image (${basename(lastImage)})` },
    { kind: 'action', action: 'copy-last-image-path', label: 'Copy last image path' },
  ];
}

/**
 * Paused wins because it is the user's own choice; unreachable comes next because queued work cannot move
 * until ComfyUI is back, which matters more than the counts.
 */
export function trayStatus(core: CoreState): TrayStatus {
  if (core.paused) return 'paused';
  if (!core.backends.some((backend) => backend.reachable)) return 'unreachable';
  if (core.running + core.pending > 0) return 'busy';
  return 'idle';
}

function describeStatus(status: TrayStatus, core: CoreState): string {
  switch (status) {
    case 'paused':
      return core.pending + core.running > 0
        ? `Queue paused — ${counts(core)}`
        : 'Queue paused — nothing waiting';
    case 'unreachable': {
      const first = core.backends[0];
      if (!first) return 'No ComfyUI configured — add its URL in Settings';
      const more = core.backends.length > 1 ? ` (and ${core.backends.length - 1} more)` : '';
      return `ComfyUI unreachable at ${first.url}${more} — is it running?`;
    }
    case 'busy':
      return `Generating — ${counts(core)}`;
    case 'idle':
      return 'Idle — ComfyUI connected';
  }
}

function counts(core: CoreState): string {
  return `${core.running} running, ${core.pending} queued`;
}

/** macOS menu bars want monochrome template images; elsewhere the coloured icon carries the state. */
export function trayIconFile(status: TrayStatus, platform: NodeJS.Platform): string {
  return platform === 'darwin' ? `tray-${status}Template.png` : `tray-${status}.png`;
}

export interface TrayElectron {
  Tray: typeof Tray;
  Menu: typeof Menu;
  nativeImage: typeof nativeImage;
}

export interface TrayControllerOptions {
  electron: TrayElectron;
  /** Folder holding the tray-*.png icons (build/ in development, resources/tray when packaged). */
  iconDir: string;
  platform: NodeJS.Platform;
  initial: TrayView;
  onAction: (action: TrayAction) => void;
}

export interface TrayController {
  render(view: TrayView): void;
  destroy(): void;
}

/** Applies a TrayView to Electron's Tray and Menu; holds no decisions of its own. */
export function createTrayController(options: TrayControllerOptions): TrayController {
  const { electron, iconDir, platform, onAction } = options;
  const icon = (status: TrayStatus) =>
    electron.nativeImage.createFromPath(join(iconDir, trayIconFile(status, platform)));
  const tray = new electron.Tray(icon(options.initial.status));
  // Windows users expect a left click on the tray icon to open the window; the menu stays on right click.
  tray.on('click', () => onAction('open-window'));

  const render = (view: TrayView) => {
    tray.setImage(icon(view.status));
    tray.setToolTip(view.tooltip);
    tray.setContextMenu(
      electron.Menu.buildFromTemplate(view.menu.map((entry) => toMenuItem(entry, onAction))),
    );
  };
  render(options.initial);
  return { render, destroy: () => tray.destroy() };
}

function toMenuItem(
  entry: TrayMenuEntry,
  onAction: (action: TrayAction) => void,
): MenuItemConstructorOptions {
  switch (entry.kind) {
    case 'status':
      return { label: entry.label, enabled: false };
    case 'separator':
      return { type: 'separator' };
    case 'action':
      return { label: entry.label, click: () => onAction(entry.action) };
    case 'checkbox':
      return {
        type: 'checkbox',
        label: entry.label,
        checked: entry.checked,
        enabled: entry.enabled,
        click: () => onAction(entry.action),
      };
  }
}
