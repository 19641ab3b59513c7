// Composition root of the desktop app: the real Electron module, the real core, electron-store settings.
import {
  app,
  BrowserWindow,
  clipboard,
  dialog,
  Menu,
  nativeImage,
  Notification,
  shell,
  Tray,
} from 'electron';
import ElectronStore from 'electron-store';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDesktopCore } from './core.js';
import { startHiddenFlag } from './desktop.js';
import { createLogger } from './log.js';
import { settingsStoreOptions } from './settings.js';
import { resolveResourcePaths } from './shell/resource-paths.js';
import { runShell } from './shell/run-shell.js';

const logger = createLogger({ file: join(app.getPath('userData'), 'logs', 'bridge.log') });
const { bundledWorkflowsDir, trayIconDir } = resolveResourcePaths({
  isPackaged: app.isPackaged,
  resourcesPath: process.resourcesPath,
  appPath: app.getAppPath(),
});

// A terminal's Ctrl+C or a service manager's stop takes the same clean path as "Quit" in the tray.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => app.quit());

runShell({
  electron: { app, BrowserWindow, clipboard, dialog, Menu, nativeImage, Notification, shell, Tray },
  startCore: startDesktopCore,
  // electron-store names its file from `name` (it overrides conf's configName), so pass both spellings.
  createSettingsStore: (dataDir) =>
    new ElectronStore({ ...settingsStoreOptions, name: settingsStoreOptions.configName, cwd: dataDir }),
  logger,
  platform: process.platform,
  preloadPath: join(dirname(fileURLToPath(import.meta.url)), 'preload.js'),
  trayIconDir,
  bundledWorkflowsDir,
  startHidden: process.argv.includes(startHiddenFlag),
}).catch((error: unknown) => {
  logger.error('the desktop shell failed', { error });
  app.exit(1);
});
