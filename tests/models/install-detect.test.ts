import { describe, expect, it } from 'vitest';
import { findComfyInstalls, type InstallProbe } from '../../electron/models/install-detect.js';

const probe = (platform: NodeJS.Platform, home: string, present: string[], env = {}): InstallProbe => ({
  platform,
  home,
  env,
  exists: (at) => present.includes(at),
});

describe('local ComfyUI installations', () => {
  it('finds ComfyUI Desktop and the portable build at their documented Windows locations', () => {
    const home = 'C:\\Users\\ann';
    const found = findComfyInstalls(
      probe(
        'win32',
        home,
        [
          'C:\\Users\\ann\\AppData\\Local\\Programs\\ComfyUI\\ComfyUI.exe',
          'C:\\Users\\ann\\Downloads\\ComfyUI_windows_portable\\run_nvidia_gpu.bat',
        ],
        { LOCALAPPDATA: 'C:\\Users\\ann\\AppData\\Local', APPDATA: 'C:\\Users\\ann\\AppData\\Roaming' },
      ),
    );
    expect(found).toEqual([
      {
        kind: 'desktop',
        path: 'C:\\Users\\ann\\AppData\\Local\\Programs\\ComfyUI\\ComfyUI.exe',
        start: expect.stringContaining('Start menu') as string,
      },
      {
        kind: 'portable',
        path: 'C:\\Users\\ann\\Downloads\\ComfyUI_windows_portable',
        start:
          'Run C:\\Users\\ann\\Downloads\\ComfyUI_windows_portable\\run_nvidia_gpu.bat (or run_cpu.bat without an NVIDIA GPU); it serves on http://127.0.0.1:8188.',
      },
    ]);
  });

  it("uses Desktop's user files when the program folder is elsewhere, and the older program folder", () => {
    const env = { LOCALAPPDATA: 'D:\\L', APPDATA: 'D:\\R' };
    expect(findComfyInstalls(probe('win32', 'D:\\u', ['D:\\R\\ComfyUI\\config.json'], env))).toEqual([
      expect.objectContaining({ kind: 'desktop', path: 'D:\\R\\ComfyUI\\config.json' }),
    ]);
    expect(
      findComfyInstalls(probe('win32', 'D:\\u', ['D:\\L\\Programs\\comfyui-electron\\ComfyUI.exe'], env)),
    ).toEqual([expect.objectContaining({ kind: 'desktop' })]);
  });

  it('finds the macOS app and a manual install in the home folder', () => {
    expect(
      findComfyInstalls(
        probe('darwin', '/Users/ann', ['/Applications/ComfyUI.app', '/Users/ann/ComfyUI/main.py']),
      ),
    ).toEqual([
      expect.objectContaining({ kind: 'desktop', path: '/Applications/ComfyUI.app' }),
      {
        kind: 'manual',
        path: '/Users/ann/ComfyUI',
        start:
          'In a terminal: cd "/Users/ann/ComfyUI" and run python main.py (in its virtual environment); it serves on http://127.0.0.1:8188.',
      },
    ]);
  });

  it("finds Linux Desktop's user files under XDG_CONFIG_HOME, and nothing where nothing is", () => {
    expect(
      findComfyInstalls(probe('linux', '/home/ann', ['/cfg/ComfyUI'], { XDG_CONFIG_HOME: '/cfg' })),
    ).toEqual([expect.objectContaining({ kind: 'desktop', path: '/cfg/ComfyUI' })]);
    expect(findComfyInstalls(probe('linux', '/home/ann', []))).toEqual([]);
  });
});
