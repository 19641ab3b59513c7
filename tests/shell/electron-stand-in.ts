/**
 * One in-memory stand-in for the parts of Electron the shell uses. The real binary cannot run in CI, so this
 * models the behaviour the shell relies on: quit emits a preventable before-quit and then closes windows,
 * close is preventable, the single-instance lock can be taken, the tray keeps its last menu.
 */
import { EventEmitter } from 'node:events';
import type { MenuItemConstructorOptions } from 'electron';
import type { ShellElectron } from '../../electron/shell/run-shell.js';

export interface PreventableEvent {
  defaultPrevented: boolean;
  preventDefault(): void;
}

function preventable(): PreventableEvent {
  return {
    defaultPrevented: false,
    preventDefault() {
      this.defaultPrevented = true;
    },
  };
}

type WindowOpenHandler = (details: { url: string }) => { action: 'allow' | 'deny' };
type HeadersListener = (
  details: { url: string; responseHeaders?: Record<string, string[]> },
  respond: (response: { responseHeaders?: Record<string, string[]> }) => void,
) => void;

export class StandInWebContents extends EventEmitter {
  windowOpenHandler: WindowOpenHandler | undefined;
  headersFilter: { urls: string[] } | undefined;
  headersListener: HeadersListener | undefined;
  permissionHandler:
    ((contents: unknown, permission: string, grant: (ok: boolean) => void) => void) | undefined;
  readonly session = {
    webRequest: {
      onHeadersReceived: (filter: { urls: string[] }, listener: HeadersListener) => {
        this.headersFilter = filter;
        this.headersListener = listener;
      },
    },
    setPermissionRequestHandler: (handler: StandInWebContents['permissionHandler']) => {
      this.permissionHandler = handler;
    },
  };

  setWindowOpenHandler(handler: WindowOpenHandler): void {
    this.windowOpenHandler = handler;
  }

  /** What happens when the page calls window.open or a target=_blank link is clicked. */
  openFromPage(url: string): { action: 'allow' | 'deny' } {
    if (!this.windowOpenHandler) return { action: 'allow' };
    return this.windowOpenHandler({ url });
  }

  /** A navigation of the page itself; returns whether it went ahead. */
  navigate(url: string): boolean {
    const event = preventable();
    this.emit('will-navigate', event, url);
    return !event.defaultPrevented;
  }
}

export class StandInBrowserWindow extends EventEmitter {
  static readonly instances: StandInBrowserWindow[] = [];
  readonly webContents = new StandInWebContents();
  visible = false;
  focused = false;
  minimized = false;
  destroyed = false;
  loadedUrl: string | undefined;

  constructor(readonly options: { webPreferences?: Record<string, unknown> } & Record<string, unknown>) {
    super();
    StandInBrowserWindow.instances.push(this);
  }

  loadURL(url: string): Promise<void> {
    this.loadedUrl = url;
    queueMicrotask(() => this.emit('ready-to-show'));
    return Promise.resolve();
  }
  show(): void {
    this.visible = true;
  }
  hide(): void {
    this.visible = false;
    this.focused = false;
  }
  focus(): void {
    this.focused = true;
  }
  minimize(): void {
    this.minimized = true;
    this.focused = false;
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  restore(): void {
    this.minimized = false;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  /** The user clicking the window's close button (or the app closing it while quitting). */
  close(): void {
    const event = preventable();
    this.emit('close', event);
    if (event.defaultPrevented) return;
    this.visible = false;
    this.destroyed = true;
    this.emit('closed');
  }
}

export class StandInTray extends EventEmitter {
  static readonly instances: StandInTray[] = [];
  image: { path: string };
  tooltip = '';
  menu: { items: MenuItemConstructorOptions[] } | undefined;
  destroyed = false;

  constructor(image: { path: string }) {
    super();
    this.image = image;
    StandInTray.instances.push(this);
  }
  setImage(image: { path: string }): void {
    this.image = image;
  }
  setToolTip(tooltip: string): void {
    this.tooltip = tooltip;
  }
  setContextMenu(menu: { items: MenuItemConstructorOptions[] }): void {
    this.menu = menu;
  }
  destroy(): void {
    this.destroyed = true;
  }
  /** Clicks the menu item with this label, as a user would. */
  clickItem(label: string): void {
    const item = this.menu?.items.find((entry) => entry.label === label);
    if (!item?.click) throw new Error(`no clickable tray item "${label}"`);
    if (item.enabled === false) throw new Error(`tray item "${label}" is disabled`);
    (item.click as () => void)();
  }
}

export class StandInApp extends EventEmitter {
  /** Whether another instance already holds the single-instance lock. */
  lockHeldElsewhere = false;
  quitRequests = 0;
  exited = false;
  loginItem = { openAtLogin: false, args: [] as string[] };
  readonly isPackaged = false;

  constructor(
    private readonly userData: string,
    private readonly appPath = process.cwd(),
  ) {
    super();
  }

  getAppPath(): string {
    return this.appPath;
  }

  requestSingleInstanceLock(): boolean {
    return !this.lockHeldElsewhere;
  }
  whenReady(): Promise<void> {
    return Promise.resolve();
  }
  getPath(name: string): string {
    if (name !== 'userData') throw new Error(`stand-in has no path "${name}"`);
    return this.userData;
  }
  getLoginItemSettings(): { openAtLogin: boolean } {
    return { openAtLogin: this.loginItem.openAtLogin };
  }
  setLoginItemSettings(settings: { openAtLogin: boolean; args?: string[] }): void {
    this.loginItem = { openAtLogin: settings.openAtLogin, args: settings.args ?? [] };
  }
  /** Electron's order: before-quit (preventable), then every window is closed, then the process exits. */
  quit(): void {
    this.quitRequests += 1;
    if (this.exited) return;
    const event = preventable();
    this.emit('before-quit', event);
    if (event.defaultPrevented) return;
    for (const window of StandInBrowserWindow.instances) if (!window.destroyed) window.close();
    this.exited = true;
    this.emit('will-quit');
  }
  /** A second launch of the app: Electron tells the first instance. */
  launchSecondInstance(): void {
    this.emit('second-instance', preventable(), [], process.cwd(), undefined);
  }
}

export interface ElectronStandIn {
  app: StandInApp;
  BrowserWindow: typeof StandInBrowserWindow;
  Tray: typeof StandInTray;
  Menu: { buildFromTemplate(items: MenuItemConstructorOptions[]): { items: MenuItemConstructorOptions[] } };
  nativeImage: { createFromPath(path: string): { path: string } };
  Notification: typeof StandInNotification;
  shell: {
    opened: string[];
    trashed: string[];
    revealed: string[];
    openedPaths: string[];
    openExternal(url: string): Promise<void>;
    trashItem(path: string): Promise<void>;
    showItemInFolder(path: string): void;
    openPath(path: string): Promise<string>;
  };
  clipboard: { text: string; writeText(text: string): void };
  dialog: {
    errors: { title: string; content: string }[];
    showErrorBox(title: string, content: string): void;
  };
  /** The same object typed as the shell's dependency. */
  asShellElectron(): ShellElectron;
}

export class StandInNotification {
  static readonly shown: { title: string; body: string }[] = [];
  static supported = true;
  constructor(private readonly options: { title: string; body: string }) {}
  static isSupported(): boolean {
    return StandInNotification.supported;
  }
  show(): void {
    StandInNotification.shown.push(this.options);
  }
}

/** A fresh stand-in; the static instance lists are emptied so tests do not see each other's windows. */
export function createElectronStandIn(userData: string, appPath = process.cwd()): ElectronStandIn {
  StandInBrowserWindow.instances.length = 0;
  StandInTray.instances.length = 0;
  StandInNotification.shown.length = 0;
  StandInNotification.supported = true;
  const standIn: ElectronStandIn = {
    app: new StandInApp(userData, appPath),
    BrowserWindow: StandInBrowserWindow,
    Tray: StandInTray,
    Menu: { buildFromTemplate: (items) => ({ items }) },
    nativeImage: { createFromPath: (path) => ({ path }) },
    Notification: StandInNotification,
    shell: {
      opened: [],
      trashed: [],
      revealed: [],
      openedPaths: [],
      openExternal(url) {
        this.opened.push(url);
        return Promise.resolve();
      },
      trashItem(path) {
        this.trashed.push(path);
        return Promise.resolve();
      },
      showItemInFolder(path) {
        this.revealed.push(path);
      },
      openPath(path) {
        this.openedPaths.push(path);
        return Promise.resolve('');
      },
    },
    clipboard: {
      text: '',
      writeText(text) {
        this.text = text;
      },
    },
    dialog: {
      errors: [],
      showErrorBox(title, content) {
        this.errors.push({ title, content });
      },
    },
    asShellElectron: () => standIn as unknown as ShellElectron,
  };
  return standIn;
}
