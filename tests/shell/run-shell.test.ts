// One file: every case drives runShell through the same Electron stand-in and fake core set up at the top.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CoreStartOptions } from '../../electron/core-handle.js';
import { BatchStore } from '../../electron/jobs/batch-store.js';
import { silentLogger } from '../../electron/log.js';
import type { ShellDeps } from '../../electron/shell/run-shell.js';
import { runShell } from '../../electron/shell/run-shell.js';
import {
  createElectronStandIn,
  StandInBrowserWindow,
  StandInNotification,
  StandInTray,
} from './electron-stand-in.js';
import type { ElectronStandIn } from './electron-stand-in.js';
import type { FakeCore } from './fake-core.js';
import { startFakeCore } from './fake-core.js';

let userData: string;
let electron: ElectronStandIn;
let cores: FakeCore[];

beforeEach(async () => {
  userData = await mkdtemp(join(tmpdir(), 'shell-test-'));
  electron = createElectronStandIn(userData);
  cores = [];
});

afterEach(async () => {
  // Quit whatever a test left running; the app exits only after the core closed its server and files.
  for (const core of cores) core.releaseStop();
  electron.app.quit();
  await vi.waitFor(() => expect(electron.app.exited).toBe(true));
  await rm(userData, { recursive: true, force: true });
});

function deps(overrides: Partial<ShellDeps> = {}, control = { holdStop: false }): ShellDeps {
  return {
    electron: electron.asShellElectron(),
    startCore: async (options: CoreStartOptions) => {
      const core = await startFakeCore(options, control);
      cores.push(core);
      return core;
    },
    createSettingsStore: (dataDir) => ({ settingsIn: dataDir }),
    logger: silentLogger,
    platform: 'linux',
    preloadPath: '/app/dist/electron/preload.js',
    trayIconDir: '/app/build',
    bundledWorkflowsDir: '/app/workflows',
    startHidden: false,
    ...overrides,
  };
}

function onlyWindow(): StandInBrowserWindow {
  expect(StandInBrowserWindow.instances).toHaveLength(1);
  return StandInBrowserWindow.instances[0]!;
}

function onlyTray(): StandInTray {
  expect(StandInTray.instances).toHaveLength(1);
  return StandInTray.instances[0]!;
}

function onlyCore(): FakeCore {
  expect(cores).toHaveLength(1);
  return cores[0]!;
}

describe('runShell startup', () => {
  it('starts the core with the app data folder, the settings store and the bundled workflows', async () => {
    await runShell(deps());
    const { startOptions } = onlyCore();
    expect(startOptions.dataDir).toBe(userData);
    expect(startOptions.settingsStore).toEqual({ settingsIn: userData });
    expect(startOptions.bundledWorkflowsDir).toBe('/app/workflows');
  });

  it('hands the core a desktop port backed by the OS: trash and reveal go through Electron', async () => {
    await runShell(deps());
    const { desktop } = onlyCore().startOptions;
    await desktop.moveToTrash('/out/a.png');
    desktop.revealInFolder('/out/b.png');
    expect(electron.shell.trashed).toEqual(['/out/a.png']);
    expect(electron.shell.revealed).toEqual(['/out/b.png']);
  });

  it('loads the page the core chose (the dashboard with its token, on the first-run checklist) and shows the window once it is ready', async () => {
    await runShell(deps());
    const window = onlyWindow();
    expect(window.loadedUrl).toBe(onlyCore().startPageUrl);
    expect(window.loadedUrl).toBe(`${onlyCore().dashboardUrl}#/checklist`);
    await vi.waitFor(() => expect(window.visible).toBe(true));
  });

  it('stays in the tray when started hidden (launched at login)', async () => {
    await runShell(deps({ startHidden: true }));
    const window = onlyWindow();
    await new Promise((resolve) => setImmediate(resolve));
    expect(window.loadedUrl).toBeDefined();
    expect(window.visible).toBe(false);
  });

  it('explains a failed start in a dialog and quits without a window or tray', async () => {
    await runShell(
      deps({ startCore: () => Promise.reject(new Error('Port 47300 is in use by another program.')) }),
    );
    expect(electron.dialog.errors).toHaveLength(1);
    expect(electron.dialog.errors[0]?.content).toContain('Port 47300 is in use');
    expect(electron.dialog.errors[0]?.content).toContain('start the app again');
    expect(electron.app.exited).toBe(true);
    expect(StandInBrowserWindow.instances).toHaveLength(0);
    expect(StandInTray.instances).toHaveLength(0);
  });
});

describe('single instance', () => {
  it('a second launch quits at once without starting another core', async () => {
    electron.app.lockHeldElsewhere = true;
    await runShell(deps());
    expect(cores).toHaveLength(0);
    expect(electron.app.exited).toBe(true);
    expect(StandInBrowserWindow.instances).toHaveLength(0);
  });

  it('the running instance brings its hidden or minimised window to the front when launched again', async () => {
    await runShell(deps({ startHidden: true }));
    const window = onlyWindow();
    electron.app.launchSecondInstance();
    expect(window.visible).toBe(true);
    expect(window.focused).toBe(true);

    window.minimize();
    electron.app.launchSecondInstance();
    expect(window.isMinimized()).toBe(false);
    expect(window.focused).toBe(true);
  });
});

describe('closing and quitting', () => {
  it('closing the window hides it to the tray and keeps the core running', async () => {
    await runShell(deps());
    const window = onlyWindow();
    await vi.waitFor(() => expect(window.visible).toBe(true));
    window.close();
    expect(window.destroyed).toBe(false);
    expect(window.visible).toBe(false);
    expect(onlyCore().stopCalls).toBe(0);
    expect(electron.app.exited).toBe(false);
  });

  it('Quit waits for the core to stop, then really closes the window and exits', async () => {
    await runShell(deps({}, { holdStop: true }));
    const core = onlyCore();
    const window = onlyWindow();

    onlyTray().clickItem('Quit');
    expect(core.stopCalls).toBe(1);
    // The core is still persisting: nothing may be torn down yet.
    expect(electron.app.exited).toBe(false);
    expect(window.destroyed).toBe(false);

    // A second quit request meanwhile (e.g. SIGTERM) must not stop the core twice.
    electron.app.quit();
    expect(core.stopCalls).toBe(1);

    core.releaseStop();
    await vi.waitFor(() => expect(electron.app.exited).toBe(true));
    expect(window.destroyed).toBe(true);
    expect(onlyTray().destroyed).toBe(true);
  });

  it('after quitting, the unfinished batch is on disk to resume and the core’s port is closed', async () => {
    await runShell(deps());
    const core = onlyCore();
    onlyTray().clickItem('Quit');
    await vi.waitFor(() => expect(electron.app.exited).toBe(true));

    const [batch] = await new BatchStore(userData, silentLogger).loadAll();
    expect(batch?.id).toBe('batch-1');
    expect(batch?.jobs.map((job) => job.state)).toEqual(['completed', 'pending']);
    await expect(fetch(`http://127.0.0.1:${core.port}/`)).rejects.toThrow();
  });

  it('still exits when the core fails to stop, so the app never hangs on quit', async () => {
    await runShell(
      deps({
        startCore: async (options) => {
          const core = await startFakeCore(options);
          cores.push(core);
          return {
            ...core,
            stop: async () => {
              await core.stop();
              throw new Error('disk full');
            },
          };
        },
      }),
    );
    onlyTray().clickItem('Quit');
    await vi.waitFor(() => expect(electron.app.exited).toBe(true));
  });
});

describe('the dashboard window', () => {
  it('uses the secure web preferences and the preload script', async () => {
    await runShell(deps());
    expect(onlyWindow().options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webviewTag: false,
      preload: '/app/dist/electron/preload.js',
    });
  });

  it('opens external links in the browser and never in a new Electron window', async () => {
    await runShell(deps());
    const { webContents } = onlyWindow();
    expect(webContents.openFromPage('https://github.com/comfyanonymous/ComfyUI')).toEqual({ action: 'deny' });
    expect(webContents.navigate('https://docs.comfy.org/')).toBe(false);
    expect(webContents.navigate('file:///etc/passwd')).toBe(false);
    expect(webContents.openFromPage('javascript:alert(1)')).toEqual({ action: 'deny' });
    await vi.waitFor(() =>
      expect(electron.shell.opened).toEqual([
        'https://github.com/comfyanonymous/ComfyUI',
        'https://docs.comfy.org/',
      ]),
    );
  });

  it('lets the dashboard navigate within itself', async () => {
    await runShell(deps());
    const { port } = onlyCore();
    expect(onlyWindow().webContents.navigate(`http://127.0.0.1:${port}/gallery?token=secret-token`)).toBe(
      true,
    );
    expect(electron.shell.opened).toEqual([]);
  });

  it('adds the Content-Security-Policy to the dashboard’s responses only', async () => {
    await runShell(deps());
    const { webContents } = onlyWindow();
    const origin = `http://127.0.0.1:${onlyCore().port}`;
    expect(webContents.headersFilter).toEqual({ urls: [`${origin}/*`] });
    let headers: Record<string, string[]> | undefined;
    webContents.headersListener?.(
      { url: `${origin}/`, responseHeaders: { 'Content-Type': ['text/html'] } },
      (response) => (headers = response.responseHeaders),
    );
    expect(headers?.['Content-Type']).toEqual(['text/html']);
    expect(headers?.['Content-Security-Policy']?.[0]).toContain("script-src 'self'");
  });

  it('grants clipboard writes and refuses every other permission', async () => {
    await runShell(deps());
    const { webContents } = onlyWindow();
    const ask = (permission: string) => {
      let granted: boolean | undefined;
      webContents.permissionHandler?.(webContents, permission, (ok) => (granted = ok));
      return granted;
    };
    expect(ask('clipboard-sanitized-write')).toBe(true);
    expect(ask('media')).toBe(false);
    expect(ask('geolocation')).toBe(false);
  });
});

describe('the tray', () => {
  it('follows the core’s state', async () => {
    await runShell(deps());
    const core = onlyCore();
    const tray = onlyTray();
    expect(tray.image.path).toBe(join('/app/build', 'tray-idle.png'));

    core.setState({ running: 2, pending: 3 });
    expect(tray.image.path).toBe(join('/app/build', 'tray-busy.png'));
    expect(tray.tooltip).toContain('2 running, 3 queued');

    core.setState({ backends: [{ url: 'http://gpu-box:8188', reachable: false }] });
    expect(tray.image.path).toBe(join('/app/build', 'tray-unreachable.png'));
  });

  it('pauses and resumes the queue', async () => {
    await runShell(deps());
    const core = onlyCore();
    const tray = onlyTray();
    tray.clickItem('Pause queue');
    expect(core.state().paused).toBe(true);
    expect(tray.image.path).toBe(join('/app/build', 'tray-paused.png'));
    tray.clickItem('Pause queue');
    expect(core.state().paused).toBe(false);
  });

  it('copies the MCP URL, opens the output folder and the window', async () => {
    await runShell(deps({ startHidden: true }));
    const core = onlyCore();
    const tray = onlyTray();
    tray.clickItem('Copy MCP URL');
    expect(electron.clipboard.text).toBe(core.mcpUrl);
    tray.clickItem('Open output folder');
    expect(electron.shell.openedPaths).toEqual([core.outputDir]);
    tray.clickItem('Open ComfyUI MCP Bridge');
    expect(onlyWindow().visible).toBe(true);
  });

  it('opens and copies the last image as the core checks it at the click, and says so when it is gone', async () => {
    await runShell(deps({ startHidden: true }));
    const core = onlyCore();
    const tray = onlyTray();
    core.checkedLastImage = '/site/public/hero.png';
    core.setState({ lastImage: '/site/public/hero.png' });
    tray.clickItem('Open last image (hero.png)');
    await expect.poll(() => electron.shell.openedPaths).toEqual(['/site/public/hero.png']);
    tray.clickItem('Copy last image path');
    await expect.poll(() => electron.clipboard.text).toBe('/site/public/hero.png');

    // Replaced or moved since the menu was built: nothing is opened, the user is told.
    core.checkedLastImage = undefined;
    tray.clickItem('Open last image (hero.png)');
    await expect
      .poll(() => StandInNotification.shown.map((shown) => shown.title))
      .toContain('Last image not found');
    expect(electron.shell.openedPaths).toEqual(['/site/public/hero.png']);
  });

  it('uses macOS template icons and toggles launch at login there', async () => {
    await runShell(deps({ platform: 'darwin' }));
    const tray = onlyTray();
    expect(tray.image.path).toBe(join('/app/build', 'tray-idleTemplate.png'));
    tray.clickItem('Launch at login');
    expect(electron.app.loginItem).toEqual({ openAtLogin: true, args: ['--hidden'] });
    const item = tray.menu?.items.find((entry) => entry.label === 'Launch at login');
    expect(item?.checked).toBe(true);
  });

  it('offers launch at login disabled where Electron cannot register it (Linux)', async () => {
    await runShell(deps({ platform: 'linux' }));
    expect(() => onlyTray().clickItem('Launch at login (not supported on this system)')).toThrow(/disabled/);
    expect(electron.app.loginItem.openAtLogin).toBe(false);
  });
});
