import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, constants, mkdirSync, openSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import type { Logger } from '../log.js';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../private-files.js';
import { CommandLineError, splitCommandLine } from './command-line.js';

/*
 * "Start ComfyUI" on the dashboard: runs the command the user wrote in settings.json (`comfyuiStartCommand`),
 * split into a program and its arguments and run without a shell, detached (it outlives the bridge, as a
 * ComfyUI started by hand would), its output appended to `<data>/logs/comfyui.log`, never to the bridge's own
 * stdout (the stdio shim's stdout is JSON-RPC). One at a time: a second click while it runs is refused.
 */

export interface ComfyStarterOptions {
  /** The setting as it is now. */
  command(): string;
  /** Where ComfyUI answers already, if anywhere: then nothing is started. */
  answeringAt(): string | undefined;
  dataDir: string;
  logger: Logger;
  platform?: NodeJS.Platform;
}

export class StartComfyProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ComfyStarter {
  start(): Promise<{ pid: number; logFile: string }>;
}

export function comfyLogFileOf(dataDir: string): string {
  return join(dataDir, 'logs', 'comfyui.log');
}

export function createComfyStarter(options: ComfyStarterOptions): ComfyStarter {
  const logger = options.logger.child('comfyui-start');
  const platform = options.platform ?? process.platform;
  const logFile = comfyLogFileOf(options.dataDir);
  let running: ChildProcess | undefined;

  return {
    async start() {
      const text = options.command().trim();
      if (!text)
        throw new StartComfyProblem(
          409,
          'start_command_not_configured',
          'No start command is configured: set "comfyuiStartCommand" in settings.json in the data folder (for example "/home/you/ComfyUI/venv/bin/python /home/you/ComfyUI/main.py"), or start ComfyUI yourself.',
        );
      const answering = options.answeringAt();
      if (answering)
        throw new StartComfyProblem(409, 'comfyui_answering', `ComfyUI already answers at ${answering}.`);
      if (running)
        throw new StartComfyProblem(
          409,
          'comfyui_starting',
          `The start command is already running (pid ${running.pid}); its output goes to ${logFile}.`,
        );
      let argv: string[];
      try {
        argv = splitCommandLine(text, platform);
      } catch (error) {
        if (error instanceof CommandLineError)
          throw new StartComfyProblem(400, 'start_command_invalid', error.message);
        throw error;
      }
      const [program, ...args] = argv as [string, ...string[]];
      mkdirSync(dirname(logFile), { recursive: true, mode: PRIVATE_DIR_MODE });
      // Opened without following a link planted at its name; the child writes through this descriptor.
      const fd = openSync(
        logFile,
        constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0),
        PRIVATE_FILE_MODE,
      );
      try {
        const child = spawn(program, args, {
          shell: false,
          detached: true,
          windowsHide: true,
          stdio: ['ignore', fd, fd],
          // A start script that names its files relatively (ComfyUI portable's .bat) runs where it lives.
          ...(isAbsolute(program) ? { cwd: dirname(program) } : {}),
        });
        await new Promise<void>((resolve, reject) => {
          child.once('spawn', resolve);
          child.once('error', reject);
        }).catch((error: NodeJS.ErrnoException) => {
          throw new StartComfyProblem(500, 'start_command_failed', failureMessage(program, error, platform));
        });
        child.unref();
        running = child;
        child.once('exit', (code, signal) => {
          running = undefined;
          logger.info('the ComfyUI start command ended', { code, signal, logFile });
        });
        logger.info('started ComfyUI', { pid: child.pid, program, logFile });
        return { pid: child.pid!, logFile };
      } finally {
        closeSync(fd);
      }
    },
  };
}

function failureMessage(program: string, error: NodeJS.ErrnoException, platform: NodeJS.Platform): string {
  if (error.code === 'ENOENT')
    return `"${program}" was not found: give comfyuiStartCommand an absolute path to the program.`;
  if (error.code === 'EACCES') return `"${program}" is not executable (permission denied).`;
  if (platform === 'win32' && /\.(bat|cmd)$/iu.test(program))
    return `Windows runs "${program}" only through cmd.exe: set comfyuiStartCommand to cmd.exe /c "${program}".`;
  return `"${program}" could not be started: ${error.message}`;
}
