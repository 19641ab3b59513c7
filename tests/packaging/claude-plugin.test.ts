import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cleanEnv,
  isBuilt,
  mcpTokenOf,
  notBuiltMessage,
  packageRoot,
  serveArgs,
  startServe,
} from '../cli/built-cli.js';
import type { ServeProcess } from '../cli/built-cli.js';
import { startSd15Fake } from '../core/harness.js';
import type { FakeComfyUI } from '../fakes/fake-comfyui.js';
import { claudeCode, runnable } from '../interop/third-party.js';
import { connect } from '../mcp-e2e/clients.js';
import { webResultSchema } from '../../electron/mcp/schemas.js';
import { webObjectKeys } from '../../electron/web/option-problems.js';
import { webPurposes } from '../../electron/web/purposes.js';
import { documentedNames, namesInSchemas } from './skill-names.js';

/*
 * Issue 14 §1: the Claude Code plugin and its marketplace, validated by Claude Code itself (`claude plugin
 * validate --strict`), and the skill and /image command checked against the real tools: every name they put
 * in backticks must be a tool, an argument or result field, an enum value, a bundled workflow or an error code.
 */

const run = promisify(execFile);
const pluginDir = join(packageRoot, 'plugins', 'comfyui-images');
const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
const packageJson = readJson(join(packageRoot, 'package.json')) as { name: string; version: string };

describe('plugin and marketplace files', () => {
  it('the marketplace lists the plugin folder under the plugin’s own name and the package’s version', () => {
    const marketplace = readJson(join(packageRoot, '.claude-plugin', 'marketplace.json')) as {
      plugins: { name: string; source: string; version: string }[];
    };
    const plugin = readJson(join(pluginDir, '.claude-plugin', 'plugin.json')) as {
      name: string;
      version: string;
    };
    expect(marketplace.plugins).toEqual([
      expect.objectContaining({
        name: plugin.name,
        source: './plugins/comfyui-images',
        version: plugin.version,
      }),
    ]);
    expect(plugin.version).toBe(packageJson.version);
  });

  it('starts the published package’s stdio command with npx', () => {
    expect(readJson(join(pluginDir, '.mcp.json'))).toEqual({
      mcpServers: { comfyui: { command: 'npx', args: ['-y', packageJson.name, 'stdio'] } },
    });
  });
});

describe.skipIf(!runnable(claudeCode))('claude plugin validate --strict', () => {
  let home: string;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'claude-home-'));
  });
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });
  const validate = (path: string) =>
    run(claudeCode.command[0]!, [...claudeCode.command.slice(1), 'plugin', 'validate', '--strict', path], {
      env: cleanEnv({ HOME: home }),
      timeout: 60_000,
    });

  it('accepts the plugin', async () => {
    const { stdout } = await validate(pluginDir);
    expect(stdout).toContain('Validation passed');
    expect(stdout).toMatch(/mcpServers: comfyui/);
    expect(stdout).toMatch(/skills: comfyui-images/);
    expect(stdout).toMatch(/commands: comfyui-images:image/);
  });

  it('accepts the marketplace', async () => {
    const { stdout } = await validate(packageRoot);
    expect(stdout).toContain('marketplace');
    expect(stdout).toContain('Validation passed');
  });

  it('really validates: a plugin.json with an unknown field is refused', async () => {
    const copy = join(home, 'broken-plugin');
    await cp(pluginDir, copy, { recursive: true });
    const manifestPath = join(copy, '.claude-plugin', 'plugin.json');
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as Record<string, unknown>;
    await writeFile(manifestPath, JSON.stringify({ ...manifest, mcpServer: './.mcp.json' }));
    await expect(validate(copy)).rejects.toMatchObject({ code: 1 });
  });
});

if (!isBuilt) console.warn(`tests/packaging/claude-plugin: ${notBuiltMessage}`);

describe.skipIf(!isBuilt)('the skill and /image name only what the tools have', () => {
  let fake: FakeComfyUI;
  let serve: ServeProcess;
  let known: Set<string>;
  let work: string;

  beforeAll(async () => {
    fake = await startSd15Fake(2);
    work = await mkdtemp(join(tmpdir(), 'skill-names-'));
    const dataDir = join(work, 'data');
    serve = await startServe(serveArgs({ dataDir, outputDir: join(work, 'out'), comfyui: fake.url }));
    const client = await connect('2026', 'http', { mcpUrl: serve.mcpUrl, token: mcpTokenOf(dataDir)! });
    try {
      const { tools } = (await client.listTools()) as unknown as {
        tools: { name: string; inputSchema: unknown; outputSchema?: unknown }[];
      };
      known = new Set([
        ...tools.map((tool) => tool.name),
        ...namesInSchemas(tools.flatMap((tool) => [tool.inputSchema, tool.outputSchema])),
        ...readdirSync(join(packageRoot, 'workflows'))
          .filter((file) => file.endsWith('.meta.json'))
          .map((file) => file.slice(0, -'.meta.json'.length)),
        ...errorCodesInSource(),
        // The `web` option is advertised as one description (tools/list is capped) and checked by
        // web/option-problems.ts; its result's fields are left out of the advertised output schemas.
        ...webPurposes,
        ...webObjectKeys,
        ...Object.keys(webResultSchema.shape),
      ]);
    } finally {
      await client.close();
    }
  }, 60_000);

  afterAll(async () => {
    await serve?.stop();
    await fake?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it.each([['skills/comfyui-images/SKILL.md'], ['commands/image.md']])('%s', (file) => {
    const names = documentedNames(readFileSync(join(pluginDir, file), 'utf8'));
    expect(names.length).toBeGreaterThan(5);
    expect(names.filter((name) => !known.has(name))).toEqual([]);
  });

  it('the check really checks: a tool or argument that does not exist is caught', () => {
    const names = documentedNames('Call `generate_video` with `prompt` and `fps`, or `generate_image`.');
    expect(names.filter((name) => !known.has(name))).toEqual(['generate_video', 'fps']);
  });
});

/**
 * The machine-readable error codes the bridge's sources give: `new BridgeError('code'`, a subclass's
 * `super('code'`, `code: 'code'`, an error class's `code = 'code'`, and the fallback code of
 * `toJobError(error, 'code')` / `asBridgeError(error, 'code')`.
 */
function errorCodesInSource(): string[] {
  const codes: string[] = [];
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) visit(path);
      else if (entry.name.endsWith('.ts')) {
        const source = readFileSync(path, 'utf8');
        const pattern =
          /(?:BridgeError\(\s*|\bsuper\(\s*|\bcode: |\bcode = |(?:toJobError|asBridgeError)\([^,()]+,\s*)'([a-z_]+)'/g;
        for (const match of source.matchAll(pattern)) codes.push(match[1]!);
      }
    }
  };
  visit(join(packageRoot, 'electron'));
  return codes;
}
