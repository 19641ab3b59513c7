import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll } from 'vitest';
import { startServe, type ServeProcess } from '../cli/built-cli.js';
import { removeDirs, startSd15Fake } from '../core/harness.js';
import type { FakeComfyUI } from '../fakes/fake-comfyui.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const run = promisify(execFile);

/** The suite's CLI (the packages have no main export) in the installed package of that name. */
export const conformanceCli = (packageName: string) =>
  join(here, '../../node_modules/@modelcontextprotocol', packageName, 'dist/index.js');

export interface ConformanceTarget {
  mcpUrl: string;
  outputDir: string;
  stop(): Promise<void>;
}

/** The built `serve`, as users run it, in front of the fake ComfyUI; results go to a fresh folder. */
async function startConformanceTarget(): Promise<ConformanceTarget> {
  const fake: FakeComfyUI = await startSd15Fake(2);
  const outputDir = await mkdtemp(join(tmpdir(), 'bridge-conformance-'));
  const dataDir = await mkdtemp(join(tmpdir(), 'bridge-conformance-data-'));
  const serve: ServeProcess = await startServe([
    '--port',
    '0',
    '--data-dir',
    dataDir,
    '--output-dir',
    join(dataDir, 'images'),
    '--comfyui',
    fake.url,
    // The suite's runner sends no Authorization header; what it checks is the protocol, not access.
    '--no-token-on-loopback',
  ]);
  return {
    mcpUrl: serve.mcpUrl,
    outputDir,
    async stop() {
      await serve.stop();
      await fake.close();
      await rm(outputDir, { recursive: true, force: true });
      removeDirs(dataDir);
    },
  };
}

/** Starts the target before the describe block's tests and stops it after them. */
export function useConformanceTarget(): () => ConformanceTarget {
  let target: ConformanceTarget | undefined;
  beforeAll(async () => {
    target = await startConformanceTarget();
  });
  afterAll(async () => {
    await target?.stop();
  });
  return () => {
    if (!target) throw new Error('the conformance target has not started');
    return target;
  };
}

/** Runs the suite's `server` command on Node 20 (see register.mjs) and collects its exit code and output. */
export async function runConformance(
  cli: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return run(process.execPath, ['--import', join(here, 'register.mjs'), cli, 'server', ...args], {
    maxBuffer: 64 * 1024 * 1024,
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({
      code: error.code ?? 1,
      stdout: error.stdout ?? '',
      stderr: error.stderr ?? '',
    }),
  );
}
