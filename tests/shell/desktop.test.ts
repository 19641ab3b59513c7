import { describe, expect, it } from 'vitest';
import { FileChangedError } from '../../electron/desktop-port.js';
import { createElectronDesktop } from '../../electron/desktop.js';
import { silentLogger } from '../../electron/log.js';
import { createElectronStandIn, StandInNotification } from './electron-stand-in.js';

function desktopOn(standIn = createElectronStandIn('/tmp/unused')) {
  return {
    standIn,
    desktop: createElectronDesktop({ electron: standIn.asShellElectron(), logger: silentLogger }),
  };
}

describe('createElectronDesktop', () => {
  it('moves files to the OS trash and reveals them in the file manager', async () => {
    const { standIn, desktop } = desktopOn();
    await desktop.moveToTrash('/out/a.png');
    desktop.revealInFolder('/out/b.png');
    expect(standIn.shell.trashed).toEqual(['/out/a.png']);
    expect(standIn.shell.revealed).toEqual(['/out/b.png']);
  });

  it('hands a checked gallery file to the OS trash only while it is still the file checked', async () => {
    const { standIn, desktop } = desktopOn();
    let holds = true;
    const checked = {
      path: '/out/a.png',
      boundPath: '/proc/self/fd/9/a.png',
      holds: () => Promise.resolve(holds),
    };
    await desktop.moveToTrash('/out/a.png', checked);
    holds = false;
    await expect(desktop.moveToTrash('/out/a.png', checked)).rejects.toBeInstanceOf(FileChangedError);
    expect(standIn.shell.trashed).toEqual(['/out/a.png']);
  });

  it('turns Electron’s openPath failure message into an error that says what to do', async () => {
    const { standIn, desktop } = desktopOn();
    standIn.shell.openPath = () => Promise.resolve('Failed to open path');
    await expect(desktop.openPath('/out')).rejects.toThrow(
      'Could not open /out: Failed to open path. Open it from your file manager instead.',
    );
  });

  it('shows notifications where supported and skips them quietly elsewhere', () => {
    const { desktop } = desktopOn();
    desktop.notify('Batch finished', '4 images in /out');
    expect(StandInNotification.shown).toEqual([{ title: 'Batch finished', body: '4 images in /out' }]);
    StandInNotification.supported = false;
    desktop.notify('Another', 'one');
    expect(StandInNotification.shown).toHaveLength(1);
  });

  it('registers the login item with the start-hidden flag and reads it back', () => {
    const { standIn, desktop } = desktopOn();
    desktop.setLaunchAtLogin(true);
    expect(standIn.app.loginItem).toEqual({ openAtLogin: true, args: ['--hidden'] });
    expect(desktop.getLaunchAtLogin()).toBe(true);
    desktop.setLaunchAtLogin(false);
    expect(desktop.getLaunchAtLogin()).toBe(false);
  });
});
