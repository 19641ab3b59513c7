import { describe, expect, it } from 'vitest';
import { createLogger } from '../../electron/log.js';
import { createSettings, memoryStore } from '../../electron/settings.js';
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

  it('applies overrides for this run without writing them, until the user changes that setting', () => {
    const store = memoryStore({ port: 9000 });
    const settings = createSettings({ store, logger: quiet, overrides: { port: 0, outputDir: '/tmp/out' } });
    expect(settings.get()).toMatchObject({ port: 0, outputDir: '/tmp/out' });
    expect(store.store).toEqual({ port: 9000 });
    settings.update({ port: 9100 });
    expect(settings.get()).toMatchObject({ port: 9100, outputDir: '/tmp/out' });
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
