import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isBuilt, notBuiltMessage } from '../cli/built-cli.js';
import { conformanceCli, runConformance, useConformanceTarget } from './suite.js';

/*
 * The official MCP conformance suite (server mode, 2025-11-25 scenarios) against the built
 * `comfyui-mcp-bridge serve`, as users run it, in front of the fake ComfyUI. Scenarios that need the suite's
 * fixture tools (test_simple_text, ...) are listed with reasons in baseline.yml; every other scenario,
 * dns-rebinding-protection included, must pass.
 */

const here = fileURLToPath(new URL('.', import.meta.url));

if (!isBuilt) console.warn(`tests/conformance: ${notBuiltMessage}`);

/** Scenarios that must be run and pass; a suite upgrade that renames them must not slip by unnoticed. */
const mustPass = [
  'server-initialize',
  'ping',
  'tools-list',
  'dns-rebinding-protection',
  // The playbook's prompts and resource (mcp/prompts.ts).
  'prompts-list',
  'resources-list',
];

describe.skipIf(!isBuilt)('conformance', () => {
  const target = useConformanceTarget();

  it(
    'passes the MCP conformance suite apart from the baselined fixture-only scenarios',
    { timeout: 240_000 },
    async () => {
      const result = await runConformance(conformanceCli('conformance'), [
        '--url',
        target().mcpUrl,
        '-o',
        target().outputDir,
        '--expected-failures',
        join(here, 'baseline.yml'),
      ]);
      expect(result.code, `${result.stdout}\n${result.stderr}`.slice(-6000)).toBe(0);
      for (const scenario of mustPass) {
        expect(result.stdout, scenario).toMatch(new RegExp(`✓ ${scenario}: [1-9]\\d* passed, 0 failed`));
      }
    },
  );
});
