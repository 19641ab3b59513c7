import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { readEndpointRecord } from '../../electron/stdio/endpoint-record.js';

/*
 * Tests that spawn the package's command run the BUILT JavaScript (Node cannot run the .ts sources):
 * `npm test` builds first; a bare `npx vitest run` on a fresh checkout skips them and says why.
 */

export const packageRoot = resolve(import.meta.dirname, '..', '..');
export const binPath = resolve(packageRoot, 'bin', 'comfyui-mcp-bridge.js');
export const isBuilt = existsSync(resolve(packageRoot, 'dist', 'electron', 'cli.js'));
export const notBuiltMessage =
  'dist/ is absent: run `npm run build` first (npm test does); the tests that spawn the CLI are skipped.';

/** Environment without any of the bridge's own variables, so a developer's settings cannot leak into a test. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('COMFYUI_')) env[name] = value;
  }
  return { ...env, ...extra };
}

/** The options of a test bridge: any free port, its own folders, one ComfyUI. */
export function serveArgs(options: { dataDir: string; outputDir: string; comfyui: string }): string[] {
  return [
    '--port',
    '0',
    '--data-dir',
    options.dataDir,
    '--output-dir',
    options.outputDir,
    '--comfyui',
    options.comfyui,
  ];
}

export interface ServeProcess {
  child: ChildProcess;
  /** The stdout lines seen so far. */
  stdout: string[];
  stderr(): string;
  mcpUrl: string;
  dashboardUrl: string;
  /** SIGTERM and the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Spawns `comfyui-mcp-bridge serve …` and resolves once both ready lines are on stdout. `launcher`: another
 * copy of the package's command (an installed one), run by Node from `cwd`.
 */
export async function startServe(
  args: string[],
  env: NodeJS.ProcessEnv = cleanEnv(),
  launcher: { bin: string; cwd: string } = { bin: binPath, cwd: packageRoot },
): Promise<ServeProcess> {
  const child = spawn(process.execPath, [launcher.bin, 'serve', ...args], {
    env,
    cwd: launcher.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  const ready = await new Promise<{ mcpUrl: string; dashboardUrl: string }>((resolveReady, rejectReady) => {
    let mcpUrl: string | undefined;
    createInterface({ input: child.stdout }).on('line', (line) => {
      stdout.push(line);
      mcpUrl ??= /^MCP endpoint: (\S+)$/.exec(line)?.[1];
      const dashboardUrl = /^Dashboard: (\S+)$/.exec(line)?.[1];
      if (mcpUrl !== undefined && dashboardUrl !== undefined) resolveReady({ mcpUrl, dashboardUrl });
    });
    void exited.then((code) => rejectReady(new Error(`serve exited with ${code} before ready:\n${stderr}`)));
  });
  return {
    child,
    stdout,
    stderr: () => stderr,
    ...ready,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/**
 * The bearer token the `serve` running on `dataDir` requires on /mcp, from its endpoint record (a file only
 * this user can read, as a stdio shim reads it); undefined when that run requires none.
 */
export function mcpTokenOf(dataDir: string): string | undefined {
  return readEndpointRecord(dataDir)?.mcpToken;
}

/** Runs the command to completion (bounded by `timeoutMs`, then killed) and returns its exit code and output. */
export function runCli(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; command?: string[]; cwd?: string } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const [command, ...prefix] = options.command ?? [process.execPath, binPath];
  const child = spawn(command!, [...prefix, ...args], {
    env: options.env ?? cleanEnv(),
    cwd: options.cwd ?? packageRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
  return new Promise((resolveRun) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      resolveRun({ code, stdout, stderr });
    }),
  );
}
