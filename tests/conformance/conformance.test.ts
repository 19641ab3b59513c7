import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isBuilt, notBuiltMessage, startServe, type ServeProcess } from '../cli/built-cli.js';
import { removeDirs, startSd15Fake } from '../core/harness.js';
import type { FakeComfyUI } from '../fakes/fake-comfyui.js';

/*
 * The official MCP conformance suite (server mode) against the built `comfyui-mcp-bridge serve`, as users
 * run it, in front of the fake ComfyUI. Scenarios that need the suite's fixture tools (test_simple_text,
 * ...) are listed with reasons in baseline.yml; every other scenario, dns-rebinding-protection included,
 * must pass.
 */

const here = fileURLToPath(new URL('.', import.meta.url));
// The package has no main export; its CLI is the bin entry.
const cli = join(here, '../../node_modules/@modelcontextprotocol/conformance/dist/index.js');
const run = promisify(execFile);

if (!isBuilt) console.warn(`tests/conformance: ${notBuiltMessage}`);

/** Scenarios that must be run and pass; a suite upgrade that renames them must not slip by unnoticed. */
const mustPass = ['server-initialize', 'ping', 'tools-list', 'dns-rebinding-protection'];

describe.skipIf(!isBuilt)('conformance', () => {
  let fake: FakeComfyUI;
  let serve: ServeProcess;
  let outputDir: string;
  let dataDir: string;
  beforeAll(async () => {
    fake = await startSd15Fake(2);
    outputDir = await mkdtemp(join(tmpdir(), 'bridge-conformance-'));
    dataDir = await mkdtemp(join(tmpdir(), 'bridge-conformance-data-'));
    serve = await startServe([
      '--port',
      '0',
      '--data-dir',
      dataDir,
      '--output-dir',
      join(dataDir, 'images'),
      '--comfyui',
      fake.url,
    ]);
  });
  afterAll(async () => {
    await serve.stop();
    await fake.close();
    await rm(outputDir, { recursive: true, force: true });
    removeDirs(dataDir);
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
        serve.mcpUrl,
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
      for (const scenario of mustPass) {
        expect(result.stdout, scenario).toMatch(new RegExp(`✓ ${scenario}: [1-9]\\d* passed, 0 failed`));
      }
    },
  );
});
