import { posix, win32 } from 'node:path';

export interface ShimCommandInput {
  platform: NodeJS.Platform;
  /** app.isPackaged in the desktop app; false for `serve` and development runs. */
  isPackaged: boolean;
  /** process.execPath: the app's executable (Electron), or node for `serve`. */
  execPath: string;
  /** process.resourcesPath: the folder holding app.asar in a packaged app. */
  resourcesPath: string;
  /** app.getAppPath() in development, the package root for `serve`. */
  appPath: string;
}

/** What an agent client's config needs to launch the stdio shim: `command`, `args` and `env`. */
export interface ShimCommand {
  command: string;
  args: string[];
  env: Record<string, string>;
}

/**
 * The absolute command that starts `comfyui-mcp-bridge stdio` for clients that only launch commands
 * (Claude Desktop). A packaged app has no Node and keeps bin/ inside app.asar, so the shim runs on the
 * app's own executable with ELECTRON_RUN_AS_NODE=1: Electron then behaves as plain Node and reads the script
 * from the archive (sharp is asar-unpacked already). This relies on Electron's RunAsNode fuse staying on,
 * as it is by default. The variable is harmless when `execPath` is node itself.
 */
export function shimCommand(input: ShimCommandInput): ShimCommand {
  const path = input.platform === 'win32' ? win32 : posix;
  const packageRoot = input.isPackaged ? path.join(input.resourcesPath, 'app.asar') : input.appPath;
  return {
    command: input.execPath,
    args: [path.join(packageRoot, 'bin', 'comfyui-mcp-bridge.js'), 'stdio'],
    env: { ELECTRON_RUN_AS_NODE: '1' },
  };
}

/** The shim command with more arguments after `stdio` (the options that make it reach this run). */
export function withShimArgs<Command extends { args: string[] }>(
  shim: Command,
  args: readonly string[],
): Command {
  return { ...shim, args: [...shim.args, ...args] };
}
