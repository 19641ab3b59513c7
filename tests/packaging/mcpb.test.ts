import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { environmentVariables } from '../../electron/cli/options.js';
import { cleanEnv, isBuilt, notBuiltMessage, packageRoot } from '../cli/built-cli.js';
import { startSd15Fake } from '../core/harness.js';
import type { FakeComfyUI } from '../fakes/fake-comfyui.js';
import { connect, type E2eClient } from '../mcp-e2e/clients.js';
import { installedPackageNames, registryAnswers } from './npm-package.js';

/*
 * Issue 14 §1: the Claude Desktop extension. Its manifest passes the official toolkit's validation; the bundle
 * `npm run dist:mcpb` builds unpacks and serves over stdio exactly as Claude Desktop starts it (the manifest's
 * command, ${__dirname} and ${user_config.*} filled in).
 */

const run = promisify(execFile);
const mcpbCli = join(packageRoot, 'node_modules', '@anthropic-ai', 'mcpb', 'dist', 'cli', 'cli.js');
const mcpb = (...args: string[]) => run(process.execPath, [mcpbCli, ...args], { cwd: packageRoot });

interface Manifest {
  version: string;
  server: {
    entry_point: string;
    mcp_config: { command: string; args: string[]; env: Record<string, string> };
  };
  user_config: Record<string, { type: string }>;
}
const manifestPath = join(packageRoot, 'mcpb', 'manifest.json');
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;

/** `mcpb validate` on the manifest beside the icon, as the build stages them; the toolkit's output. */
async function validateStaged(content: unknown): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mcpb-validate-'));
  try {
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(content));
    await copyFile(join(packageRoot, 'build', 'icon.png'), join(dir, 'icon.png'));
    const { stdout } = await mcpb('validate', join(dir, 'manifest.json'));
    return stdout;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('mcpb/manifest.json', () => {
  it('passes `mcpb validate` beside the app icon', async () => {
    expect(await validateStaged(manifest)).toMatch(/schema validation passes/i);
  });

  it('the toolkit really validates: a manifest without an author is refused', async () => {
    const { author: _author, ...withoutAuthor } = manifest as Manifest & { author: unknown };
    const refusal = await validateStaged(withoutAuthor).then(
      () => ({ stdout: 'accepted', stderr: '' }),
      (error: { stdout: string; stderr: string }) => error,
    );
    expect(`${refusal.stdout}${refusal.stderr}`).toMatch(/author/);
    expect(refusal.stdout).not.toBe('accepted');
  });

  it('has the package’s version and runs its stdio command with variables the CLI reads', () => {
    const packageJson = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(manifest.version).toBe(packageJson.version);
    expect(manifest.server.mcp_config.command).toBe('node');
    expect(manifest.server.mcp_config.args).toEqual([
      `\${__dirname}/${manifest.server.entry_point}`,
      'stdio',
    ]);
    expect(manifest.server.mcp_config.env).toEqual({
      [environmentVariables.comfyui]: '${user_config.comfyui_url}',
      [environmentVariables.outputDir]: '${user_config.output_dir}',
    });
    expect(manifest.user_config.output_dir?.type).toBe('directory');
  });
});

const canBuild = isBuilt && (await registryAnswers());
if (!isBuilt) console.warn(`tests/packaging/mcpb: ${notBuiltMessage}`);
else if (!canBuild)
  console.warn('SKIPPED the .mcpb bundle test: the npm registry does not answer (`npm ping`).');

describe.skipIf(!canBuild)('the built .mcpb bundle', () => {
  let work: string;
  let unpacked: string;
  let fake: FakeComfyUI;
  let client: E2eClient | undefined;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'mcpb-bundle-'));
    const { stdout } = await run(
      process.execPath,
      [join(packageRoot, 'scripts', 'build-mcpb.mjs'), '--out-dir', join(work, 'release')],
      { cwd: packageRoot, timeout: 280_000, maxBuffer: 16 * 1024 * 1024 },
    );
    const bundle = stdout.trim().split('\n').at(-1)!;
    expect(bundle).toBe(
      join(
        work,
        'release',
        `comfyui-mcp-bridge-${manifest.version}-${process.platform}-${process.arch}.mcpb`,
      ),
    );
    unpacked = join(work, 'unpacked');
    await mcpb('unpack', bundle, unpacked);
    fake = await startSd15Fake(2);
  }, 300_000);

  afterAll(async () => {
    await client?.close();
    await fake?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('holds the manifest, icon, server and its production dependencies, without Electron', async () => {
    expect(existsSync(join(unpacked, 'manifest.json'))).toBe(true);
    expect(await sharp(join(unpacked, 'icon.png')).metadata()).toMatchObject({ format: 'png' });
    expect(existsSync(join(unpacked, manifest.server.entry_point))).toBe(true);
    const names = installedPackageNames(join(unpacked, 'server', 'node_modules'));
    expect(names).toContain('sharp');
    expect(names).toContain('@modelcontextprotocol/server');
    expect(names).not.toContain('electron');
    expect(names).not.toContain('vitest');
    const nativeSharp = (
      await readdir(join(unpacked, 'server', 'node_modules', '@img'), { recursive: true })
    ).filter((file) => file.endsWith('.node'));
    expect(nativeSharp.length).toBeGreaterThan(0);
  });

  it('serves over stdio as Claude Desktop starts it: initialize, tools/list, generate_image', async () => {
    const outputDir = join(work, 'chosen-output');
    const cwd = join(work, 'cwd');
    await mkdir(cwd);
    const fill = (value: string) =>
      value
        .replaceAll('${__dirname}', unpacked)
        .replaceAll('${user_config.comfyui_url}', fake.url)
        .replaceAll('${user_config.output_dir}', outputDir);
    const { command, args, env } = manifest.server.mcp_config;
    expect(command).toBe('node');
    client = await connect('2025', 'stdio', {
      cwd,
      server: {
        command: process.execPath,
        args: args.map(fill),
        env: {
          ...(cleanEnv() as Record<string, string>),
          ...Object.fromEntries(Object.entries(env).map(([name, value]) => [name, fill(value)])),
          // Its own data folder: no running bridge of this machine's user is found and forwarded to.
          [environmentVariables.dataDir]: join(work, 'data'),
        },
      },
    });
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toContain('generate_image');

    const result = await client.call('generate_image', {
      prompt: 'a lighthouse at dusk',
      workflow: 'sd15',
      width: 96,
      height: 64,
    });
    expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
    const [image] = (result.structuredContent as { images: { path: string }[] }).images;
    // No save path: the image goes to the output folder the user chose in the extension's settings.
    expect(image!.path.startsWith(outputDir)).toBe(true);
    expect(await sharp(image!.path).metadata()).toMatchObject({ width: 96, height: 64 });
  });
});
