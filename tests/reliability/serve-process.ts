import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** The built command-line entry; `npm run build` (part of `npm test`) produces what it runs. */
export const builtCli = resolve(import.meta.dirname, '..', '..', 'dist', 'electron', 'cli.js');
const bin = resolve(import.meta.dirname, '..', '..', 'bin', 'comfyui-mcp-bridge.js');

export const isBuilt = (): boolean => existsSync(builtCli);
export const notBuiltNote = 'dist/ is missing: run `npm run build` first (npm test does)';

export interface ServeProcess {
  child: ChildProcess;
  mcpUrl: string;
  /** Resolves when the process has exited, with its signal or code. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

/** Starts `comfyui-mcp-bridge serve` as its own process and waits for its ready line. */
export async function startServe(args: string[]): Promise<ServeProcess> {
  const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--log-level', 'warn', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) =>
    child.once('exit', (code, signal) => resolveExit({ code, signal })),
  );
  const mcpUrl = await new Promise<string>((resolveReady, rejectReady) => {
    const timer = setTimeout(() => rejectReady(new Error(`serve did not start: ${stderr}`)), 20_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const match = /MCP endpoint: (\S+)/.exec(stdout);
      if (match?.[1]) {
        clearTimeout(timer);
        resolveReady(match[1]);
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      rejectReady(new Error(`serve exited (${code ?? signal}) before it was ready: ${stderr}`));
    });
  });
  return { child, mcpUrl, exited, stderr: () => stderr };
}

/** Ends the process if it still runs and waits for it. */
export async function stopServe(serve: ServeProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (serve.child.exitCode === null && serve.child.signalCode === null) serve.child.kill(signal);
  await serve.exited;
}
