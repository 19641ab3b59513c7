import { describe, expect, it } from 'vitest';
import type { CoreState } from '../../electron/core-handle.js';
import type { TrayInput, TrayMenuEntry } from '../../electron/tray.js';
import { trayIconFile, trayView } from '../../electron/tray.js';

const reachable = [{ url: 'http://127.0.0.1:8188', reachable: true }];

function input(core: Partial<CoreState>, rest: Partial<Omit<TrayInput, 'core'>> = {}): TrayInput {
  return {
    core: { backends: reachable, running: 0, pending: 0, paused: false, ...core },
    launchAtLogin: false,
    launchAtLoginSupported: true,
    ...rest,
  };
}

const labels = (menu: TrayMenuEntry[]) =>
  menu.map((entry) => (entry.kind === 'separator' ? '---' : entry.label));
const statusLine = (menu: TrayMenuEntry[]) => menu.find((entry) => entry.kind === 'status');
const checkbox = (menu: TrayMenuEntry[], label: string) =>
  menu.find((entry) => entry.kind === 'checkbox' && entry.label.startsWith(label));

describe('trayView', () => {
  it('offers the last image once there is one, named, and nothing for it before', () => {
    expect(labels(trayView(input({})).menu).join('|')).not.toMatch(/last image/iu);
    const menu = trayView(input({ lastImage: '/site/public/images/hero.png' })).menu;
    expect(labels(menu)).toEqual(
      expect.arrayContaining(['Open last image (hero.png)', 'Copy last image path']),
    );
    expect(menu.find((entry) => entry.kind === 'action' && entry.action === 'open-last-image')).toBeDefined();
  });

  it('idle: a connected ComfyUI and nothing queued', () => {
    const view = trayView(input({}));
    expect(view.status).toBe('idle');
    expect(statusLine(view.menu)).toEqual({ kind: 'status', label: 'Idle — ComfyUI connected' });
    expect(view.tooltip).toBe('ComfyUI MCP Bridge — Idle — ComfyUI connected');
  });

  it('busy: shows running and queued counts', () => {
    const view = trayView(input({ running: 1, pending: 4 }));
    expect(view.status).toBe('busy');
    expect(statusLine(view.menu)).toEqual({ kind: 'status', label: 'Generating — 1 running, 4 queued' });
  });

  it('busy also when only queued work remains', () => {
    expect(trayView(input({ pending: 2 })).status).toBe('busy');
  });

  it('unreachable: names the URL and asks whether ComfyUI runs, even with work queued', () => {
    const view = trayView(
      input({ backends: [{ url: 'http://gpu-box:8188', reachable: false }], pending: 3 }),
    );
    expect(view.status).toBe('unreachable');
    expect(statusLine(view.menu)?.label).toBe('ComfyUI unreachable at http://gpu-box:8188 — is it running?');
  });

  it('unreachable: counts the other backends that are down too', () => {
    const view = trayView(
      input({
        backends: [
          { url: 'http://a:8188', reachable: false },
          { url: 'http://b:8188', reachable: false },
        ],
      }),
    );
    expect(statusLine(view.menu)?.label).toBe(
      'ComfyUI unreachable at http://a:8188 (and 1 more) — is it running?',
    );
  });

  it('one reachable backend out of several is enough to work', () => {
    const view = trayView(
      input({
        backends: [
          { url: 'http://a:8188', reachable: false },
          { url: 'http://b:8188', reachable: true },
        ],
      }),
    );
    expect(view.status).toBe('idle');
  });

  it('no backend configured: says where to add one', () => {
    const view = trayView(input({ backends: [] }));
    expect(view.status).toBe('unreachable');
    expect(statusLine(view.menu)?.label).toBe('No ComfyUI configured — add its URL in Settings');
  });

  it('paused: wins over every other state and shows what waits', () => {
    const view = trayView(input({ paused: true, backends: [], running: 1, pending: 2 }));
    expect(view.status).toBe('paused');
    expect(statusLine(view.menu)?.label).toBe('Queue paused — 1 running, 2 queued');
    expect(checkbox(view.menu, 'Pause queue')).toMatchObject({ checked: true, enabled: true });
  });

  it('paused with nothing waiting', () => {
    expect(statusLine(trayView(input({ paused: true })).menu)?.label).toBe('Queue paused — nothing waiting');
  });

  it('has the same menu in every state', () => {
    const expected = [
      'Open ComfyUI MCP Bridge',
      'Idle — ComfyUI connected',
      '---',
      'Copy MCP URL',
      'Open output folder',
      '---',
      'Pause queue',
      'Launch at login',
      '---',
      'Quit',
    ];
    expect(labels(trayView(input({})).menu)).toEqual(expected);
    const withoutStatus = (core: Partial<CoreState>) =>
      trayView(input(core)).menu.filter((entry) => entry.kind !== 'status');
    const idleMenu = labels(withoutStatus({}));
    expect(labels(withoutStatus({ running: 1 }))).toEqual(idleMenu);
    expect(labels(withoutStatus({ backends: [] }))).toEqual(idleMenu);
    expect(labels(withoutStatus({ paused: true }))).toEqual(idleMenu);
  });

  it('reflects the login item where it is supported', () => {
    expect(checkbox(trayView(input({}, { launchAtLogin: true })).menu, 'Launch at login')).toMatchObject({
      checked: true,
      enabled: true,
    });
    expect(checkbox(trayView(input({}, { launchAtLogin: false })).menu, 'Launch at login')).toMatchObject({
      checked: false,
    });
  });

  it('disables the login item where Electron cannot register one', () => {
    const item = checkbox(
      trayView(input({}, { launchAtLogin: true, launchAtLoginSupported: false })).menu,
      'Launch',
    );
    expect(item).toEqual({
      kind: 'checkbox',
      action: 'toggle-launch-at-login',
      label: 'Launch at login (not supported on this system)',
      checked: false,
      enabled: false,
    });
  });
});

describe('trayIconFile', () => {
  it('uses a template image on macOS and the coloured icon elsewhere', () => {
    expect(trayIconFile('busy', 'darwin')).toBe('tray-busyTemplate.png');
    expect(trayIconFile('busy', 'win32')).toBe('tray-busy.png');
    expect(trayIconFile('unreachable', 'linux')).toBe('tray-unreachable.png');
  });
});
