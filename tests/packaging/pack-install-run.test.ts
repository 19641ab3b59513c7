import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
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
import { connect } from '../mcp-e2e/clients.js';
import {
  runNpx,
  importGraphOf,
  installedPackageNames,
  installTarball,
  packInto,
  registryAnswers,
  type PackedFile,
} from './npm-package.js';

/*
 * Issue 14 §1: the package npm publishes installs into a clean prefix and serves, carries no dev-only files,
 * and needs no Electron. The install fetches the dependencies from the npm registry (as `npx` would).
 */

const { version } = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as {
  version: string;
};
const canInstall = isBuilt && (await registryAnswers());
if (!isBuilt) console.warn(`tests/packaging/pack-install-run: ${notBuiltMessage}`);
else if (!canInstall) {
  console.warn('SKIPPED tests/packaging/pack-install-run: the npm registry does not answer (`npm ping`).');
}

/** What the package may hold: the launcher, the built core and dashboard, the bundled workflows, the skill. */
const allowed = [
  /^bin\/(comfyui-mcp-bridge\.js|package\.json)$/,
  /^dist\/(electron|shared)\/.+\.c?js$/,
  /^dist\/renderer\//,
  /^workflows\/[\w-]+(\.meta)?\.json$/,
  /^plugins\/comfyui-images\/skills\/comfyui-images\/SKILL\.md$/,
  /^(package\.json|README\.md|LICENSE)$/,
];

describe.skipIf(!canInstall)('npm pack → install into a clean prefix → serve', () => {
  let work: string;
  let files: PackedFile[];
  let tarballBytes: number;
  let tarball: string;
  let installed: string;
  let fake: FakeComfyUI;
  let serve: ServeProcess | undefined;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'pack-install-'));
    const packed = await packInto(work);
    files = packed.files;
    tarball = packed.tarball;
    tarballBytes = readFileSync(packed.tarball).byteLength;
    installed = await installTarball(packed.tarball, join(work, 'prefix'));
    fake = await startSd15Fake(2);
  }, 300_000);

  afterAll(async () => {
    await serve?.stop();
    await fake?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('packs only what runs: no tests, sources, source maps, type declarations or docs', () => {
    const paths = files.map((file) => file.path);
    expect(paths.filter((path) => !allowed.some((pattern) => pattern.test(path)))).toEqual([]);
    expect(paths).toContain('bin/package.json');
    expect(paths).toContain('dist/electron/cli.cjs');
    expect(paths).toContain('dist/renderer/index.html');
    expect(paths).toContain('workflows/sd15.json');
    expect(paths).toContain('plugins/comfyui-images/skills/comfyui-images/SKILL.md');
    expect(tarballBytes).toBeLessThan(1024 * 1024);
  });

  it('installs no Electron, and nothing the command loads imports it', () => {
    const graph = importGraphOf(join(installed, 'dist', 'electron', 'cli.cjs'));
    expect(graph.files.length).toBeGreaterThan(20);
    expect([...graph.packages].filter((name) => name === 'electron' || name.startsWith('electron/'))).toEqual(
      [],
    );
    expect(graph.packages).toContain('sharp');
    // The scan sees Electron where it is imported: the desktop app's entry (npm always packs `main`).
    expect(importGraphOf(join(installed, 'dist', 'electron', 'main.js')).packages).toContain('electron');
    const names = installedPackageNames(join(work, 'prefix', 'node_modules'));
    expect(names).toContain('sharp');
    expect(names).not.toContain('electron');
    expect(names).not.toContain('vitest');
  });

  it('serves from the installed copy: a real MCP client generates an image with the stored token', async () => {
    const dataDir = join(work, 'data');
    const outputDir = join(work, 'out');
    serve = await startServe(serveArgs({ dataDir, outputDir, comfyui: fake.url }), cleanEnv(), {
      bin: join(work, 'prefix', 'node_modules', '.bin', 'comfyui-mcp-bridge'),
      cwd: work,
    });
    expect(serve.mcpUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    const token = mcpTokenOf(dataDir);
    expect(token).toEqual(expect.any(String));

    const client = await connect('2026', 'http', { mcpUrl: serve.mcpUrl, token: token! });
    try {
      const result = await client.call('generate_image', {
        prompt: 'a lighthouse at dusk',
        workflow: 'sd15',
        save_path: 'packed/lighthouse.png',
        width: 96,
        height: 64,
      });
      expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
      const saved = join(outputDir, 'packed', 'lighthouse.png');
      expect(result.structuredContent).toMatchObject({ status: 'completed', images: [{ path: saved }] });
      expect(existsSync(saved)).toBe(true);
      expect(await sharp(saved).metadata()).toMatchObject({ width: 96, height: 64, format: 'png' });
      // The playbook the server serves is read from the installed package (its skill file).
      const playbook = await client.getPrompt('comfyui_images_playbook');
      expect(playbook.messages[0]!.content.text).toMatch(/^# Images with ComfyUI/);
    } finally {
      await client.close();
    }
  });

  it('runs through npx as the documented one-line setup does (`npx -y comfyui-mcp-bridge …`)', async () => {
    // npx with the tarball for the published name: the same install-and-run path, without the registry copy.
    const { stdout } = await runNpx(
      ['-y', '--package', tarball, '--', 'comfyui-mcp-bridge', '--version'],
      work,
    );
    expect(stdout.trim()).toBe(version);
  }, 180_000);
});
