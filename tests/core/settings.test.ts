import { describe, expect, it } from 'vitest';
import { createLogger } from '../../electron/log.js';
import { win32 } from 'node:path';
import { createSettings, memoryStore, relativeFolderProblem } from '../../electron/settings.js';
import { defaultSettings } from '../../shared/settings.js';

const quiet = createLogger({ sink: () => undefined });

describe('settings', () => {
  it('starts from the defaults and writes validated updates to the store', () => {
    const store = memoryStore();
    const settings = createSettings({ store, logger: quiet });
    expect(settings.get()).toEqual(defaultSettings);
    settings.update({ comfyuiUrls: ['http://127.0.0.1:8188'], port: 9000 });
    expect(store.store).toMatchObject({ comfyuiUrls: ['http://127.0.0.1:8188'], port: 9000 });
  });

  it('refuses an invalid update and changes nothing', () => {
    const store = memoryStore({ port: 9000 });
    const settings = createSettings({ store, logger: quiet });
    expect(() => settings.update({ port: 70000 })).toThrow();
    expect(() => settings.update({ comfyuiUrls: ['ftp://x'] })).toThrow();
    expect(settings.get().port).toBe(9000);
    expect(store.store).toEqual({ port: 9000 });
  });

  it('keeps the good stored values when one is invalid, and warns about the bad one', () => {
    const lines: string[] = [];
    const logger = createLogger({ sink: (line) => lines.push(line) });
    const settings = createSettings({
      store: memoryStore({ port: 'eighty', defaultWaitSeconds: 20 }),
      logger,
    });
    expect(settings.get().port).toBe(defaultSettings.port);
    expect(settings.get().defaultWaitSeconds).toBe(20);
    expect(lines.join('')).toMatch(/invalid stored setting.*"key":"port"/);
  });

  it('refuses a relative folder in an update and changes nothing', () => {
    const store = memoryStore({ outputDir: '/srv/images' });
    const settings = createSettings({ store, logger: quiet });
    expect(() => settings.update({ outputDir: 'images', port: 9100 })).toThrow(
      /outputDir must be a full \(absolute\) path, but "images" is relative/,
    );
    expect(() => settings.update({ allowedDirs: ['/srv/shared', '../up'] })).toThrow(/allowedDirs\[1\]/);
    expect(settings.get()).toMatchObject({ outputDir: '/srv/images', port: defaultSettings.port });
    expect(store.store).toEqual({ outputDir: '/srv/images' });
  });

  it('judges absolute paths by the platform the bridge runs on', () => {
    expect(relativeFolderProblem({ outputDir: 'C:\\Users\\me\\images' }, win32)).toBeUndefined();
    expect(relativeFolderProblem({ outputDir: 'images' }, win32, 'C:\\Users\\me')).toContain(
      'such as "C:\\Users\\me\\images"',
    );
    expect(relativeFolderProblem({ outputDir: '', userWorkflowsDir: '' })).toBeUndefined();
  });

  it('drops relative folders from a hand-edited settings file, with a warning, keeping the absolute ones', () => {
    const lines: string[] = [];
    const logger = createLogger({ sink: (line) => lines.push(line) });
    const settings = createSettings({
      store: memoryStore({
        outputDir: 'images',
        userWorkflowsDir: '/srv/workflows',
        allowedDirs: ['/srv/shared', 'pictures'],
        port: 9000,
      }),
      logger,
    });
    expect(settings.get()).toMatchObject({
      outputDir: '',
      userWorkflowsDir: '/srv/workflows',
      allowedDirs: ['/srv/shared'],
      port: 9000,
    });
    expect(lines.join('')).toMatch(/stored folder that is not an absolute path.*"key":"outputDir"/);
    expect(lines.join('')).toMatch(/allowed folder that is not an absolute path.*"value":"pictures"/);
  });

  it('applies overrides for this run without writing them, and keeps them: flags win (issue 11 §3)', () => {
    const store = memoryStore({ port: 9000, comfyuiUrls: ['http://127.0.0.1:8188'] });
    const settings = createSettings({
      store,
      logger: quiet,
      overrides: { port: 0, outputDir: '/tmp/out', comfyuiUrls: ['http://gpu.lan:8188'] },
      overrideSources: { port: '--port', comfyuiUrls: 'COMFYUI_URL' },
    });
    expect(settings.get()).toMatchObject({
      port: 0,
      outputDir: '/tmp/out',
      comfyuiUrls: ['http://gpu.lan:8188'],
    });
    expect(settings.locked()).toEqual({
      port: '--port',
      comfyuiUrls: 'COMFYUI_URL',
      outputDir: 'the command line',
    });
    expect(store.store).toEqual({ port: 9000, comfyuiUrls: ['http://127.0.0.1:8188'] });

    // Clearing the list (the dashboard's way to ask for discovery) used to drop the flag for the rest of the run.
    let refusal: unknown;
    try {
      settings.update({ comfyuiUrls: [], defaultWaitSeconds: 12 });
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toMatchObject({ code: 'setting_locked' });
    expect((refusal as Error).message).toContain('comfyuiUrls (set by COMFYUI_URL)');
    expect(() => settings.update({ port: 9100 })).toThrow(/port \(set by --port\)/);
    expect(settings.get()).toMatchObject({
      port: 0,
      comfyuiUrls: ['http://gpu.lan:8188'],
      defaultWaitSeconds: 45,
    });
    expect(store.store).toEqual({ port: 9000, comfyuiUrls: ['http://127.0.0.1:8188'] });

    // A locked setting sent back unchanged (a whole form) is no edit; the rest of the patch applies.
    settings.update({ port: 0, comfyuiUrls: ['http://gpu.lan:8188'], defaultWaitSeconds: 12 });
    expect(settings.get()).toMatchObject({
      port: 0,
      comfyuiUrls: ['http://gpu.lan:8188'],
      defaultWaitSeconds: 12,
    });
    // The stored values stay the user's: the next run without the flags uses them.
    expect(store.store).toMatchObject({
      port: 9000,
      comfyuiUrls: ['http://127.0.0.1:8188'],
      outputDir: '',
      defaultWaitSeconds: 12,
    });
  });

  it('tells listeners the new and previous values', () => {
    const settings = createSettings({ store: memoryStore(), logger: quiet });
    const seen: [number, number][] = [];
    const off = settings.onChange((next, previous) =>
      seen.push([next.defaultWaitSeconds, previous.defaultWaitSeconds]),
    );
    settings.update({ defaultWaitSeconds: 10 });
    off();
    settings.update({ defaultWaitSeconds: 20 });
    expect(seen).toEqual([[10, defaultSettings.defaultWaitSeconds]]);
  });
});
