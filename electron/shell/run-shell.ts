import type { CoreHandle, StartCore } from '../core-handle.js';
import type { AppElectron, DesktopElectron } from '../desktop.js';
import { createElectronDesktop } from '../desktop.js';
import type { Logger } from '../log.js';
import type { TrayAction, TrayController, TrayElectron } from '../tray.js';
import { createTrayController, trayView } from '../tray.js';
import type { DashboardWindow, WindowElectron } from '../window.js';
import { createDashboardWindow, showWindow } from '../window.js';

/**
 * The slice of Electron the shell uses. Its types come from the shell adapters (the only files lint lets
 * import `electron`); main.ts passes the real module, tests a stand-in.
 */
export type ShellElectron = AppElectron & DesktopElectron & TrayElectron & WindowElectron;

export interface ShellDeps {
  electron: ShellElectron;
  startCore: StartCore;
  /** Builds the settings store in the data folder (electron-store in the app). */
  createSettingsStore: (dataDir: string) => unknown;
  logger: Logger;
  platform: NodeJS.Platform;
  preloadPath: string;
  trayIconDir: string;
  bundledWorkflowsDir: string;
  /** Autostart at login: stay in the tray instead of opening the window. */
  startHidden: boolean;
}

/**
 * The desktop app's life: one instance, the core started with the app's data folder, tray and window on top
 * of it, and a quit that waits for the core to persist its batches and close its sockets.
 */
export async function runShell(deps: ShellDeps): Promise<void> {
  const { electron, logger } = deps;
  const { app } = electron;
  const log = logger.child('shell');

  if (!app.requestSingleInstanceLock()) {
    log.info('another instance is running; it was asked to show its window');
    app.quit();
    return;
  }

  // Filled in as startup progresses; the app events below may fire at any point of it.
  const live: { core?: CoreHandle; window?: DashboardWindow; tray?: TrayController } = {};
  let quitting = false;
  let coreStopped = false;
  let stopping: Promise<void> | undefined;
  const cleanups: (() => void)[] = [];

  const stopCoreThenQuit = async (core: CoreHandle) => {
    for (const cleanup of cleanups.splice(0)) cleanup();
    try {
      await core.stop();
    } catch (error) {
      log.error('the core did not stop cleanly; unfinished batches resume from their last saved state', {
        error,
      });
    }
    coreStopped = true;
    live.tray?.destroy();
    app.quit();
  };

  const focusWindow = () => {
    if (live.window) showWindow(live.window);
  };
  app.on('second-instance', focusWindow);
  app.on('activate', focusWindow);
  app.on('before-quit', (event) => {
    quitting = true;
    if (!live.core || coreStopped) return;
    // Hold the quit until the core has persisted its batches and closed its sockets, then quit for real.
    event.preventDefault();
    stopping ??= stopCoreThenQuit(live.core);
  });

  await app.whenReady();
  const dataDir = app.getPath('userData');
  const desktop = createElectronDesktop({ electron, logger });
  let core: CoreHandle;
  try {
    core = await deps.startCore({
      settingsStore: deps.createSettingsStore(dataDir),
      dataDir,
      desktop,
      bundledWorkflowsDir: deps.bundledWorkflowsDir,
      logger,
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    log.error('the core did not start', { error });
    electron.dialog.showErrorBox(
      'ComfyUI MCP Bridge could not start',
      `${reason}\n\nCheck the log in ${dataDir}, fix the cause (often another program on the bridge's port), and start the app again.`,
    );
    app.quit();
    return;
  }
  live.core = core;
  const running = core;

  const window = createDashboardWindow({
    electron,
    dashboardUrl: running.startPageUrl,
    preloadPath: deps.preloadPath,
    isQuitting: () => quitting,
    logger: log,
  });
  live.window = window;
  if (!deps.startHidden) window.once('ready-to-show', () => showWindow(window));

  const launchAtLoginSupported = deps.platform === 'darwin' || deps.platform === 'win32';
  const view = () =>
    trayView({
      core: running.state(),
      launchAtLogin: launchAtLoginSupported && desktop.getLaunchAtLogin(),
      launchAtLoginSupported,
    });
  const onAction = (action: TrayAction) => {
    switch (action) {
      case 'open-window':
        return showWindow(window);
      case 'copy-mcp-url':
        return electron.clipboard.writeText(running.mcpUrl);
      case 'open-output-folder':
        return void desktop.openPath(running.outputDir).catch((error: unknown) => {
          log.warn('could not open the output folder', { outputDir: running.outputDir, error });
        });
      case 'open-last-image':
      case 'copy-last-image-path':
        return void useLastImage(action);
      case 'toggle-pause':
        return running.setPaused(!running.state().paused);
      case 'toggle-launch-at-login':
        desktop.setLaunchAtLogin(!desktop.getLaunchAtLogin());
        return live.tray?.render(view());
      case 'quit':
        return app.quit();
    }
  };
  // The path is asked for (and checked by the core) at the click, not taken from the menu's label.
  const useLastImage = async (action: 'open-last-image' | 'copy-last-image-path') => {
    const file = await running.lastImage().catch(() => undefined);
    if (file === undefined) {
      desktop.notify('Last image not found', 'It was moved, replaced or deleted since the bridge made it.');
      return;
    }
    if (action === 'copy-last-image-path') return electron.clipboard.writeText(file);
    await desktop.openPath(file).catch((error: unknown) => {
      log.warn('could not open the last image', { file, error });
    });
  };
  const tray = createTrayController({
    electron,
    iconDir: deps.trayIconDir,
    platform: deps.platform,
    initial: view(),
    onAction,
  });
  live.tray = tray;
  cleanups.push(running.onStateChange(() => tray.render(view())));
  log.info('desktop shell ready', { mcpUrl: running.mcpUrl });
}
