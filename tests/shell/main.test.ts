/**
 * The composition root itself: main.ts run against the Electron stand-in, with electron-store and the core
 * replaced, to check it hands runShell the real pieces (data folder, settings file, resource folders).
 */
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { CoreStartOptions } from '../../electron/core-handle.js';
import type { FakeCore } from './fake-core.js';
import { StandInBrowserWindow, StandInTray } from './electron-stand-in.js';
import type { ElectronStandIn } from './electron-stand-in.js';

const projectDir = join(import.meta.dirname, '..', '..');
const shared = vi.hoisted(() => ({
  userData: '',
  electron: undefined as ElectronStandIn | undefined,
  cores: [] as FakeCore[],
}));

vi.mock('electron', async () => {
  const { createElectronStandIn } = await import('./electron-stand-in.js');
  shared.userData = mkdtempSync(join(tmpdir(), 'main-test-'));
  shared.electron = createElectronStandIn(shared.userData, projectDir);
  return { ...shared.electron, default: shared.electron };
});

vi.mock('electron-store', () => ({
  default: class RecordingStore {
    constructor(readonly options: Record<string, unknown>) {}
  },
}));

vi.mock('../../electron/core.js', () => ({
  startDesktopCore: async (options: CoreStartOptions) => {
    const { startFakeCore } = await import('./fake-core.js');
    const core = await startFakeCore(options);
    shared.cores.push(core);
    return core;
  },
}));

afterAll(async () => {
  if (shared.electron && !shared.electron.app.exited) shared.electron.app.quit();
  await vi.waitFor(() => expect(shared.electron?.app.exited).toBe(true));
  await rm(shared.userData, { recursive: true, force: true });
});

describe('electron/main.ts', () => {
  it('runs the shell with the app data folder, electron-store settings and project resources, and quits through the core’s stop', async () => {
    await import('../../electron/main.js');
    await vi.waitFor(() => expect(StandInTray.instances).toHaveLength(1));

    const [core] = shared.cores;
    const options = core!.startOptions;
    expect(options.dataDir).toBe(shared.userData);
    expect(options.bundledWorkflowsDir).toBe(join(projectDir, 'workflows'));
    expect((options.settingsStore as { options: Record<string, unknown> }).options).toMatchObject({
      name: 'settings',
      cwd: shared.userData,
    });
    expect(dirname(StandInTray.instances[0]?.image.path ?? '')).toBe(join(projectDir, 'build'));
    expect(StandInBrowserWindow.instances[0]?.options.webPreferences?.preload).toBe(
      join(projectDir, 'electron', 'preload.js'),
    );

    StandInTray.instances[0]?.clickItem('Quit');
    await vi.waitFor(() => expect(shared.electron?.app.exited).toBe(true));
    expect(shared.cores[0]?.stopCalls).toBe(1);
  });
});
