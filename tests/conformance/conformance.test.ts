import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createFakeService, startBridge } from '../mcp/harness.js';
import type { Bridge } from '../mcp/harness.js';

/*
 * The official MCP conformance suite (server mode) against the real endpoint. Scenarios that need the
 * suite's fixture tools (test_simple_text, ...) are listed with reasons in baseline.yml; every other
 * scenario, dns-rebinding-protection included, must pass.
 */

const here = fileURLToPath(new URL('.', import.meta.url));
// The package has no main export; its CLI is the bin entry.
const cli = join(here, '../../node_modules/@modelcontextprotocol/conformance/dist/index.js');
const run = promisify(execFile);

let bridge: Bridge;
let outputDir: string;
beforeAll(async () => {
  bridge = await startBridge(createFakeService().service);
  outputDir = await mkdtemp(join(tmpdir(), 'bridge-conformance-'));
});
afterAll(async () => {
  await bridge.close();
  await rm(outputDir, { recursive: true, force: true });
});

it(
  'passes the MCP conformance suite apart from the baselined fixture-only scenarios',
  { timeout: 240_000 },
  async () => {
    const args = [
      '--import',
      join(here, 'register.mjs'),
      cli,
      'server',
      '--url',
      bridge.url.href,
      '-o',
      outputDir,
      '--expected-failures',
      join(here, 'baseline.yml'),
    ];
    const result = await run(process.execPath, args, { maxBuffer: 64 * 1024 * 1024 }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code?: number; stdout?: string; stderr?: string }) => ({
        code: error.code ?? 1,
        stdout: error.stdout ?? '',
        stderr: error.stderr ?? '',
      }),
    );
    expect(result.code, `${result.stdout}\n${result.stderr}`.slice(-6000)).toBe(0);
  },
);
