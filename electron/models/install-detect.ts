import path from 'node:path';

/*
 * Where ComfyUI is installed on this machine, for the dashboard's "ComfyUI is not answering" help. Pure over an
 * injected file check, environment and platform: it looks only in the documented default locations.
 *
 * - ComfyUI Desktop (Comfy-Org/desktop README): Windows installs to %LOCALAPPDATA%\Programs\ComfyUI (older
 *   releases: …\Programs\comfyui-electron) with user files in %APPDATA%\ComfyUI; macOS to /Applications/ComfyUI.app
 *   with user files in ~/Library/Application Support/ComfyUI; on Linux its user files are in ~/.config/ComfyUI.
 *   It serves on port 8000.
 * - The Windows portable build unpacks to a ComfyUI_windows_portable folder with run_nvidia_gpu.bat / run_cpu.bat;
 *   its documentation has it unpacked in the user's Downloads or Desktop folder, or at a drive's root.
 * - A manual install (git clone) is a ComfyUI folder with main.py, usually in the home folder.
 */

export interface InstallProbe {
  platform: NodeJS.Platform;
  env: Readonly<Record<string, string | undefined>>;
  /** The user's home folder. */
  home: string;
  /** Whether something is at the path (a file or folder). */
  exists(at: string): boolean;
}

export interface FoundInstall {
  kind: 'desktop' | 'portable' | 'manual';
  path: string;
  /** How to start it, one sentence. */
  start: string;
}

export function findComfyInstalls(probe: InstallProbe): FoundInstall[] {
  const found: FoundInstall[] = [];
  const paths = probe.platform === 'win32' ? path.win32 : path.posix;
  const join = (...parts: string[]) => paths.join(...parts);
  /** Records the installation at `at` when `evidence` (a file only it has; `at` itself by default) exists. */
  const add = (kind: FoundInstall['kind'], at: string, start: string, evidence = at) => {
    if (probe.exists(evidence) && !found.some((install) => install.path === at))
      found.push({ kind, path: at, start });
  };
  const desktopStart =
    'Start ComfyUI Desktop from the ' +
    (probe.platform === 'darwin'
      ? 'Applications folder'
      : probe.platform === 'win32'
        ? 'Start menu'
        : 'app menu') +
    '; it serves on http://127.0.0.1:8000, where the bridge looks.';

  if (probe.platform === 'win32') {
    const localAppData = probe.env.LOCALAPPDATA ?? join(probe.home, 'AppData', 'Local');
    const appData = probe.env.APPDATA ?? join(probe.home, 'AppData', 'Roaming');
    add('desktop', join(localAppData, 'Programs', 'ComfyUI', 'ComfyUI.exe'), desktopStart);
    add('desktop', join(localAppData, 'Programs', 'comfyui-electron', 'ComfyUI.exe'), desktopStart);
    if (!found.some((install) => install.kind === 'desktop'))
      add('desktop', join(appData, 'ComfyUI', 'config.json'), desktopStart);
    const portableParents = [
      join(probe.home, 'Downloads'),
      join(probe.home, 'Desktop'),
      probe.home,
      `${probe.env.SystemDrive ?? 'C:'}\\`,
    ];
    for (const parent of portableParents) {
      const folder = join(parent, 'ComfyUI_windows_portable');
      const script = join(folder, 'run_nvidia_gpu.bat');
      add(
        'portable',
        folder,
        `Run ${script} (or run_cpu.bat without an NVIDIA GPU); it serves on http://127.0.0.1:8188.`,
        script,
      );
    }
  } else if (probe.platform === 'darwin') {
    add('desktop', '/Applications/ComfyUI.app', desktopStart);
    add('desktop', join(probe.home, 'Applications', 'ComfyUI.app'), desktopStart);
  } else {
    add('desktop', join(probe.env.XDG_CONFIG_HOME ?? join(probe.home, '.config'), 'ComfyUI'), desktopStart);
  }

  // Windows and macOS file systems ignore case: one name is enough there.
  const manualNames = probe.platform === 'linux' ? ['ComfyUI', 'comfyui'] : ['ComfyUI'];
  for (const folder of manualNames.map((name) => join(probe.home, name))) {
    add(
      'manual',
      folder,
      `In a terminal: cd "${folder}" and run python main.py (in its virtual environment); it serves on http://127.0.0.1:8188.`,
      join(folder, 'main.py'),
    );
  }
  return found;
}
