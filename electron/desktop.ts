import type { App, Clipboard, Dialog, Notification, shell } from 'electron';
import { FileChangedError, type DesktopPort } from './desktop-port.js';
import type { Logger } from './log.js';

/** Passed on the login item so an autostart goes straight to the tray instead of opening the window. */
export const startHiddenFlag = '--hidden';

export interface DesktopElectron {
  app: Pick<App, 'getLoginItemSettings' | 'setLoginItemSettings'>;
  shell: Pick<typeof shell, 'trashItem' | 'showItemInFolder' | 'openPath'>;
  Notification: Pick<typeof Notification, 'isSupported'> &
    (new (options: { title: string; body: string }) => Notification);
}

/** The application lifecycle the shell drives: single instance, startup, quitting. */
export interface AppElectron {
  app: Pick<
    App,
    | 'requestSingleInstanceLock'
    | 'whenReady'
    | 'on'
    | 'quit'
    | 'getPath'
    | 'getLoginItemSettings'
    | 'setLoginItemSettings'
  >;
  dialog: Pick<Dialog, 'showErrorBox'>;
  clipboard: Pick<Clipboard, 'writeText'>;
}

export interface ElectronDesktopOptions {
  electron: DesktopElectron;
  logger: Logger;
}

/** The DesktopPort backed by the real OS through Electron. */
export function createElectronDesktop({ electron, logger }: ElectronDesktopOptions): DesktopPort {
  const log = logger.child('desktop');
  return {
    async moveToTrash(path, checked) {
      // The OS trash takes a path, so the file is checked just before it is handed over; a swap within that one
      // call is the window left on the desktop (the headless trash renames through the checked folder instead).
      if (checked && !(await checked.holds(checked.boundPath))) throw new FileChangedError(path);
      await electron.shell.trashItem(path);
    },
    revealInFolder(path) {
      electron.shell.showItemInFolder(path);
    },
    async openPath(path) {
      // Electron reports failure as a message instead of rejecting.
      const failure = await electron.shell.openPath(path);
      if (failure)
        throw new Error(`Could not open ${path}: ${failure}. Open it from your file manager instead.`);
    },
    notify(title, body) {
      if (!electron.Notification.isSupported()) {
        log.info('notifications are not supported here', { title, body });
        return;
      }
      new electron.Notification({ title, body }).show();
    },
    getLaunchAtLogin: () => electron.app.getLoginItemSettings({ args: [startHiddenFlag] }).openAtLogin,
    setLaunchAtLogin(on) {
      electron.app.setLoginItemSettings({ openAtLogin: on, args: [startHiddenFlag] });
    },
  };
}
