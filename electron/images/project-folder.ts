/**
 * Whether a folder a client names without being asked for one (the stdio shim's working directory, an MCP root)
 * can stand for the agent's project. Claude Code, Codex and Gemini CLI start the shim in the project. Claude
 * Desktop starts it in `/` on macOS, and on Windows in a system folder or its own install folder; a client started
 * in the home folder declares that folder as its root. A relative save path would land there, and the folder would
 * become one the agent may write anywhere below (the design's "relative paths resolved against System32"). Such a
 * folder is no project: the call then anchors to the client's other roots, `project_dir` or the output folder.
 * Pure: the caller passes where it runs (thisMachine()).
 */
import { homedir } from 'node:os';
import path from 'node:path';
import { isInsideFolder } from './path-rules.js';

export interface MachinePlace {
  platform: NodeJS.Platform;
  home: string;
  env: NodeJS.ProcessEnv;
}

/** Folders of the system and of installed programs: nobody's project. */
function systemFolders(place: MachinePlace): string[] {
  const { platform, env, home } = place;
  if (platform === 'win32')
    return [
      env.SystemRoot,
      env.windir,
      env.ProgramFiles,
      env['ProgramFiles(x86)'],
      env.ProgramData,
      // Per-user installs (Claude Desktop's among them) and their settings.
      env.LOCALAPPDATA,
      env.APPDATA,
    ].filter((folder): folder is string => Boolean(folder));
  const unix = [
    '/usr',
    '/bin',
    '/sbin',
    '/lib',
    '/lib32',
    '/lib64',
    '/etc',
    '/proc',
    '/sys',
    '/dev',
    '/boot',
  ];
  if (platform === 'darwin')
    return [
      ...unix,
      '/System',
      '/Library',
      '/Applications',
      '/private/etc',
      path.posix.join(home, 'Library'),
    ];
  return [...unix, '/run', '/snap'];
}

/**
 * Where users keep their own files inside a system folder: on macOS, iCloud Drive and the cloud-storage providers
 * (Dropbox, OneDrive, Google Drive) live under ~/Library; on Windows the temporary folder, where /tmp is elsewhere,
 * lies under %LOCALAPPDATA%. A project inside one of them is a project.
 */
function userFoldersInSystemFolders(place: MachinePlace): string[] {
  if (place.platform === 'win32')
    return [place.env.TEMP, place.env.TMP].filter((folder): folder is string => Boolean(folder));
  if (place.platform !== 'darwin') return [];
  return ['Mobile Documents', 'CloudStorage'].map((name) => path.posix.join(place.home, 'Library', name));
}

export function thisMachine(): MachinePlace {
  return { platform: process.platform, home: homedir(), env: process.env };
}

/** `named` if it can be the agent's project; undefined when it is a drive's root, the home folder or a system folder. */
export function projectFolderOf(named: string, place: MachinePlace): string | undefined {
  const paths = place.platform === 'win32' ? path.win32 : path.posix;
  const folder = paths.resolve(named);
  const inside = (candidate: string, other: string) =>
    isInsideFolder(candidate, paths.resolve(other), place.platform);
  if (paths.dirname(folder) === folder) return undefined;
  if (place.home && inside(folder, place.home) && inside(paths.resolve(place.home), folder)) return undefined;
  const strictlyInside = (user: string) => inside(folder, user) && !inside(paths.resolve(user), folder);
  if (userFoldersInSystemFolders(place).some(strictlyInside)) return folder;
  return systemFolders(place).some((system) => inside(folder, system)) ? undefined : folder;
}
