import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isBuilt, notBuiltMessage } from '../cli/built-cli.js';
import { expectedFailures2026 } from './baseline-2026.js';
import { conformanceCli, runConformance, useConformanceTarget } from './suite.js';

/*
 * The conformance suite's 2026-07-28 requirement set (the 0.2.0 alpha, installed as
 * @modelcontextprotocol/conformance-2026) against the built `serve`: the stateless protocol, its HTTP
 * headers, the input_required round trip and DNS-rebinding protection. Judged check by check against
 * baseline-2026.ts, since the suite's own baseline works per scenario and some scenarios mix fixture-only
 * checks with ones the bridge must pass.
 */

if (!isBuilt) console.warn(`tests/conformance: ${notBuiltMessage}`);

/** Scenarios every check of which must run and pass. */
const mustPass = [
  'tools-list',
  'dns-rebinding-protection',
  'http-header-validation',
  'server-sse-multiple-streams',
  'sep-2164-resource-not-found',
  // The playbook's prompts and resource (mcp/prompts.ts), and their lists' caching hints.
  'prompts-list',
  'resources-list',
  'caching',
  'input-required-result-validate-input',
  'input-required-result-unsupported-methods',
];

interface Check {
  scenario: string;
  id: string;
  status: string;
}

/** Every check of every scenario, from the `server-<scenario>-<time>/checks.json` files the suite writes. */
function readChecks(outputDir: string): Check[] {
  return readdirSync(outputDir).flatMap((folder) => {
    const scenario = /^server-(.+)-\d{4}-\d\d-\d\dT/.exec(folder)?.[1];
    if (!scenario) return [];
    const checks = JSON.parse(readFileSync(join(outputDir, folder, 'checks.json'), 'utf8')) as {
      id: string;
      status: string;
    }[];
    return checks.map(({ id, status }) => ({ scenario, id, status }));
  });
}

describe.skipIf(!isBuilt)('conformance, 2026-07-28 requirements', () => {
  const target = useConformanceTarget();

  it(
    'fails only the baselined checks, and passes every check of the protocol scenarios',
    { timeout: 240_000 },
    async () => {
      const result = await runConformance(conformanceCli('conformance-2026'), [
        '--url',
        target().mcpUrl,
        '--requirements',
        '2026-07-28',
        '-o',
        target().outputDir,
      ]);
      const output = `${result.stdout}\n${result.stderr}`.slice(-6000);
      expect(result.stdout, output).toMatch(/Total: \d+ passed, \d+ failed/);

      const checks = readChecks(target().outputDir);
      const failed = checks.filter((check) => check.status === 'FAILURE').map((c) => `${c.scenario}/${c.id}`);
      expect(failed.sort(), output).toEqual(Object.values(expectedFailures2026).flat().sort());

      for (const scenario of mustPass) {
        const ofScenario = checks.filter((check) => check.scenario === scenario);
        expect(ofScenario.length, scenario).toBeGreaterThan(0);
        expect(
          ofScenario.filter((check) => check.status === 'SUCCESS'),
          scenario,
        ).not.toHaveLength(0);
        expect(
          ofScenario.filter((check) => check.status === 'FAILURE'),
          scenario,
        ).toEqual([]);
      }
      const stateless = checks.filter(
        (check) => check.scenario === 'server-stateless' && check.status === 'SUCCESS',
      );
      expect(stateless.length).toBeGreaterThanOrEqual(20);
    },
  );
});
