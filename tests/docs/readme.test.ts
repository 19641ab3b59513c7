/*
 * The README and docs against the code: every command-line flag and environment variable the README names is
 * one the CLI reads (and does something with), every tool and argument it names is in the real tools/list of a
 * running core, the model table matches workflows/*.meta.json, and every relative link and anchor resolves.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { defaultDataDir, environmentVariables, parseCli } from '../../electron/cli/options.js';
import { webResultSchema } from '../../electron/mcp/tool-results.js';
import { shimCommand } from '../../electron/stdio/shim-command.js';
import { removeDirs, startSd15Fake, startTestCore, type CoreFixture } from '../core/harness.js';
import type { FakeComfyUI } from '../fakes/fake-comfyui.js';
import { connect } from '../mcp/harness.js';
import {
  documentedTools,
  environmentNames,
  headingAnchors,
  longFlags,
  relativeLinks,
  section,
  shortFlags,
  snakeCaseSpans,
} from './markdown.js';

const root = resolve(import.meta.dirname, '..', '..');
const readmePath = join(root, 'README.md');
const readme = readFileSync(readmePath, 'utf8');
const docsDir = join(root, 'docs');
const markdownFiles = [
  readmePath,
  ...readdirSync(docsDir)
    .filter((name) => name.endsWith('.md'))
    .map((name) => join(docsDir, name)),
];

/** Options of other programs the README shows, by the command they belong to. Anything else is the bridge's. */
const otherProgramsFlags: Record<string, string> = {
  '--transport': 'claude mcp add',
  '--scope': 'claude mcp add / remove',
  '--header': 'claude mcp add',
  '--listen': "ComfyUI's main.py",
  '--preview-method': "ComfyUI's main.py",
  '--dir': 'electron-builder (npm run pack)',
  '--requirements': '@modelcontextprotocol/conformance',
};

/**
 * Arguments the README documents that another branch adds to the tools. Tolerated while absent from tools/list;
 * once present, the entry must go (the test says so), so this list never outlives the feature.
 */
/** snake_case code in the README that is neither a tool, an argument or result field, nor a code in the source. */
const otherSnakeCaseTerms: Record<string, string> = {
  input_required: "the 2026-07-28 MCP protocol's round trip (Development section)",
  http_headers: "Codex's `~/.codex/config.toml` key for an HTTP server's headers (Connect section)",
};

// Values that at least one of the CLI's options accepts and stores; a flag or variable that none changes the
// parsed options with does not exist (or does nothing).
const candidateValues = ['1', 'debug', 'http://127.0.0.1:1', join(root, '.tmp', 'docs-check')];
const baseline = parseCli(['serve'], {}, 'linux');

/** The argument lists with which the flag parses and changes the options, first found. */
function effectiveFlagArgs(flag: string): string[] | undefined {
  for (const args of [[flag], ...candidateValues.map((value) => [flag, value])]) {
    try {
      if (!isDeepStrictEqual(parseCli(['serve', ...args], {}, 'linux'), baseline)) return args;
    } catch {
      // Not this value (or not a flag at all): try the next.
    }
  }
  return undefined;
}

function variableTakesEffect(name: string): boolean {
  return candidateValues.some((value) => {
    try {
      return !isDeepStrictEqual(parseCli(['serve'], { [name]: value }, 'linux'), baseline);
    } catch {
      return false;
    }
  });
}

describe('README: command line', () => {
  it("names only flags the CLI's parser accepts and acts on", () => {
    const bridgeFlags = [...longFlags(readme), ...shortFlags(readme)].filter(
      (flag) => !(flag in otherProgramsFlags),
    );
    expect(bridgeFlags).toContain('--data-dir');
    const unknown = bridgeFlags.filter((flag) => effectiveFlagArgs(flag) === undefined);
    expect(unknown, 'flags in README.md that comfyui-mcp-bridge does not take').toEqual([]);
  });

  it("names only environment variables the CLI reads, or other programs' documented ones", () => {
    const bridgeVariables = new Set<string>(Object.values(environmentVariables));
    const electronInstaller = readFileSync(
      createRequire(join(root, 'package.json')).resolve('electron/install.js'),
      'utf8',
    );
    const shim = shimCommand({
      platform: 'win32',
      isPackaged: true,
      execPath: 'x',
      resourcesPath: 'r',
      appPath: 'a',
    });
    // Each one the README names for another program, with the proof that it means what the README says.
    const otherPrograms: Record<string, () => boolean> = {
      ELECTRON_SKIP_BINARY_DOWNLOAD: () => electronInstaller.includes('ELECTRON_SKIP_BINARY_DOWNLOAD'),
      ELECTRON_RUN_AS_NODE: () => shim.env.ELECTRON_RUN_AS_NODE === '1',
      XDG_CONFIG_HOME: () =>
        defaultDataDir({ XDG_CONFIG_HOME: '/xdg' }, 'linux') === join('/xdg', 'comfyui-mcp-bridge'),
    };
    const named = environmentNames(readme);
    expect(named).toContain('COMFYUI_MCP_DATA_DIR');
    const wrong = named.filter((name) =>
      bridgeVariables.has(name) ? !variableTakesEffect(name) : !(otherPrograms[name]?.() ?? false),
    );
    expect(wrong, 'environment variables in README.md that nothing reads').toEqual([]);
  });

  it('pairs each flag with the variable that sets the same option, as the options table says', () => {
    const rows = readme.split('\n').filter((line) => line.startsWith('| `--'));
    expect(rows.length).toBeGreaterThan(10);
    for (const row of rows) {
      const [flagCell = '', variableCell = ''] = row.split('|').slice(1);
      const flag = longFlags(flagCell)[0]!;
      const variable = environmentNames(variableCell)[0];
      if (variable === undefined) continue;
      const args = effectiveFlagArgs(flag);
      expect(args, `${flag} in the options table`).toBeDefined();
      const value = /=(\S+?)`/u.exec(variableCell)?.[1] ?? args![1] ?? '1';
      // The options agree; only `sources` (which flag or variable set each, for the dashboard) differs.
      const { sources: _fromVariable, ...byVariable } = parseCli(['serve'], { [variable]: value }, 'linux');
      const { sources: _fromFlag, ...byFlag } = parseCli(['serve', ...args!], {}, 'linux');
      expect(byVariable, `${variable} vs ${flag}`).toEqual(byFlag);
    }
  });
});

describe('README: MCP tools', () => {
  let fake: FakeComfyUI;
  let fixture: CoreFixture;
  let tools: { name: string; inputSchema: unknown; outputSchema?: unknown }[];

  beforeAll(async () => {
    fake = await startSd15Fake();
    fixture = await startTestCore({ urls: [fake.url] });
    const client = await connect('2026', new URL(fixture.core.mcpUrl), {
      token: fixture.core.settings.get().mcpToken,
    });
    try {
      tools = (await client.listTools()).tools as typeof tools;
    } finally {
      await client.close();
    }
  });

  afterAll(async () => {
    await fixture?.core.stop();
    await fake?.close();
    if (fixture) removeDirs(fixture.dataDir, fixture.outputDir);
  });

  it('documents every tool of tools/list, and each with exactly its arguments', () => {
    const documented = documentedTools(section(readme, '## Tool reference'));
    expect([...documented.keys()].sort()).toEqual(tools.map((tool) => tool.name).sort());
    for (const tool of tools) {
      const actual = Object.keys((tool.inputSchema as { properties?: object }).properties ?? {});
      const named = documented.get(tool.name)!;
      expect(new Set(named), `arguments of ${tool.name} in README.md`).toEqual(new Set(actual));
    }
  });

  it('names in code only tools, their arguments and fields, or codes the source uses', () => {
    const known = new Set<string>(Object.keys(otherSnakeCaseTerms));
    for (const tool of tools) {
      known.add(tool.name);
      collectPropertyNames(tool.inputSchema, known);
      collectPropertyNames(tool.outputSchema, known);
    }
    // An image's `web` result is advertised as a bare name (tools/list is capped); its fields are the README's.
    collectPropertyNames(z.toJSONSchema(webResultSchema), known);
    for (const literal of sourceSnakeCaseLiterals(join(root, 'electron'))) known.add(literal);
    const unknown = snakeCaseSpans(readme).filter((name) => !known.has(name));
    expect(unknown, 'snake_case names in README.md that the bridge does not have').toEqual([]);
  });
});

describe('README: bundled models', () => {
  it("lists each bundled workflow's files, links and folders as its .meta.json does", () => {
    const table = section(readme, '## Quick start');
    const workflowsDir = join(root, 'workflows');
    const metas = readdirSync(workflowsDir).filter((name) => name.endsWith('.meta.json'));
    expect(metas.length).toBeGreaterThan(0);
    for (const name of metas) {
      const id = name.slice(0, -'.meta.json'.length);
      const meta = JSON.parse(readFileSync(join(workflowsDir, name), 'utf8')) as {
        models: { file: string; folder: string; url: string }[];
      };
      const row = table.split('\n').find((line) => line.startsWith(`| \`${id}\``));
      expect(row, `a row for ${id}`).toBeDefined();
      for (const model of meta.models) {
        expect(row).toContain(`[${model.file}](${model.url})`);
        // The folder follows the file's link, with no other folder in between.
        const linkThenFolder = `\\]\\(${escapeRegExp(model.url)}\\)(?:(?!\\(\`)[^|])*?\\(\`${model.folder}\`\\)`;
        expect(row).toMatch(new RegExp(linkThenFolder, 'u'));
      }
    }
  });
});

describe('LICENSE', () => {
  it("is the licence package.json names, with the packaged app's copyright line", () => {
    const { license } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { license: string };
    const text = readFileSync(join(root, 'LICENSE'), 'utf8');
    expect(text.split('\n')[0]).toBe(`${license} License`);
    const builderCopyright = /^copyright: Copyright © (.+)$/mu.exec(
      readFileSync(join(root, 'electron-builder.yml'), 'utf8'),
    )?.[1];
    expect(text).toContain(`Copyright (c) ${builderCopyright}`);
  });
});

describe('README and docs: links', () => {
  it.each(markdownFiles.map((file) => [file.slice(root.length + 1), file]))(
    '%s links only to files and headings that exist',
    (_name, file) => {
      const broken: string[] = [];
      for (const link of relativeLinks(readFileSync(file, 'utf8'))) {
        const target = link.file === '' ? file : resolve(dirname(file), link.file);
        if (!existsSync(target)) {
          broken.push(`${link.target} (no file)`);
          continue;
        }
        if (link.anchor !== undefined && target.endsWith('.md')) {
          if (!headingAnchors(readFileSync(target, 'utf8')).has(link.anchor))
            broken.push(`${link.target} (no heading)`);
        }
      }
      expect(broken).toEqual([]);
    },
  );
});

function collectPropertyNames(schema: unknown, into: Set<string>): void {
  if (Array.isArray(schema)) {
    for (const item of schema) collectPropertyNames(item, into);
    return;
  }
  if (typeof schema !== 'object' || schema === null) return;
  for (const [key, value] of Object.entries(schema as Record<string, unknown>)) {
    if (key === 'properties' && typeof value === 'object' && value !== null) {
      for (const name of Object.keys(value)) into.add(name);
    }
    collectPropertyNames(value, into);
  }
}

/** 'snake_case' string literals in the core's source: its error codes and field names. */
function sourceSnakeCaseLiterals(dir: string): Set<string> {
  const found = new Set<string>();
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const text = readFileSync(join(entry.parentPath, entry.name), 'utf8');
    for (const match of text.matchAll(/'([a-z][a-z0-9]*(?:_[a-z0-9]+)+)'/gu)) found.add(match[1]!);
  }
  return found;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&');
}
