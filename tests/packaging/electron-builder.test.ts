/**
 * Packaging, offline: electron-builder's own schema validation of electron-builder.yml, and a real `--dir`
 * build for Linux against a stand-in Electron distribution (the real binary cannot be downloaded here).
 */
import { listPackage } from '@electron/asar';
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config.js';
import { DebugLogger } from 'builder-util';
import { build, Platform } from 'electron-builder';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const projectDir = join(import.meta.dirname, '..', '..');

describe('electron-builder.yml', () => {
  it('passes electron-builder’s configuration validation', async () => {
    const config = await getConfig(projectDir, null, null);
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
    expect(config.appId).toBeTruthy();
  });

  it('the validation really checks: a misspelt option is refused', async () => {
    const config = await getConfig(projectDir, null, { asarUnpacked: ['x'] } as object);
    await expect(validateConfiguration(config, new DebugLogger(false))).rejects.toThrow(/asarUnpacked/);
  });

  it('targets nsis on Windows, dmg on macOS, AppImage and deb on Linux', async () => {
    const config = await getConfig(projectDir, null, null);
    expect(config.win?.target).toBe('nsis');
    expect(config.mac?.target).toBe('dmg');
    expect(config.linux?.target).toEqual(['AppImage', 'deb']);
  });
});

const built = ['dist/electron/main.js', 'dist/electron/preload.js', 'dist/renderer/index.html'];
const missing = built.filter((file) => !existsSync(join(projectDir, file)));
if (missing.length > 0) {
  console.warn(
    `SKIPPED the packaging build test: ${missing.join(', ')} missing. Run \`npm run build\` first.`,
  );
}

describe.skipIf(missing.length > 0)('a --dir build with a stand-in Electron', () => {
  let work: string;
  let appDir: string;
  let asarEntries: string[];

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'packaging-'));
    const electronDist = join(work, 'electron-dist');
    // What an unpacked Linux Electron zip holds, as far as electron-builder looks: the binary, resources/,
    // locales/ and the licence.
    await mkdir(join(electronDist, 'resources'), { recursive: true });
    await mkdir(join(electronDist, 'locales'), { recursive: true });
    await writeFile(join(electronDist, 'locales', 'en-US.pak'), '');
    await writeFile(join(electronDist, 'LICENSE'), 'MIT');
    await writeFile(join(electronDist, 'electron'), '#!/bin/sh\nexit 0\n');
    await chmod(join(electronDist, 'electron'), 0o755);

    await build({
      projectDir,
      targets: Platform.LINUX.createTarget('dir'),
      config: { electronDist, directories: { output: join(work, 'out') } },
      publish: 'never',
    });
    appDir = join(work, 'out', 'linux-unpacked');
    asarEntries = listPackage(join(appDir, 'resources', 'app.asar'), { isPack: false });
  }, 120_000);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('names the executable after the app', () => {
    expect(existsSync(join(appDir, 'comfyui-mcp-bridge'))).toBe(true);
  });

  it('packs the built main process, preload, dashboard and package.json', () => {
    for (const file of ['/package.json', ...built.map((path) => `/${path}`)])
      expect(asarEntries).toContain(file);
  });

  it('ships the stdio shim', () => {
    expect(asarEntries).toContain('/dist/electron/cli.js');
    if (existsSync(join(projectDir, 'bin')))
      expect(asarEntries.some((entry) => entry.startsWith('/bin/'))).toBe(true);
  });

  it('holds the production dependencies', () => {
    for (const dependency of [
      'zod',
      'ws',
      'sharp',
      'conf',
      'electron-store',
      '@modelcontextprotocol/server',
    ]) {
      expect(asarEntries).toContain(`/node_modules/${dependency}/package.json`);
    }
  });

  it('holds no sources, tests, source maps or development dependencies', () => {
    const topLevel = new Set(asarEntries.map((entry) => entry.split('/')[1]));
    const expectedTopLevel = ['dist', 'node_modules', 'package.json', 'plugins'];
    if (existsSync(join(projectDir, 'bin'))) expectedTopLevel.unshift('bin');
    expect([...topLevel].sort()).toEqual(expectedTopLevel);
    // Of the plugin, only the skill: the MCP server serves it as the playbook (electron/mcp/playbook.ts).
    expect(asarEntries.filter((entry) => entry.startsWith('/plugins/') && /\.\w+$/.test(entry))).toEqual([
      '/plugins/comfyui-images/skills/comfyui-images/SKILL.md',
    ]);
    expect(asarEntries.filter((entry) => /^\/dist\/.*\.(map|ts)$/.test(entry))).toEqual([]);
    for (const devOnly of [
      'electron',
      'electron-builder',
      'vitest',
      'typescript',
      'vite',
      'eslint',
      'react',
      'playwright-core',
      'prettier',
      '@types/node',
    ]) {
      expect(asarEntries).not.toContain(`/node_modules/${devOnly}/package.json`);
    }
  });

  it('unpacks sharp and its native binary from the asar', async () => {
    const unpacked = join(appDir, 'resources', 'app.asar.unpacked', 'node_modules');
    expect(existsSync(join(unpacked, 'sharp', 'package.json'))).toBe(true);
    const nativeFiles = (await readdir(join(unpacked, '@img'), { recursive: true })).filter((file) =>
      file.endsWith('.node'),
    );
    expect(nativeFiles.length).toBeGreaterThan(0);
  });

  it('puts the bundled workflows and the tray icons beside the asar', async () => {
    const resources = join(appDir, 'resources');
    const workflows = (await readdir(join(projectDir, 'workflows'), { recursive: true })).sort();
    expect((await readdir(join(resources, 'workflows'), { recursive: true })).sort()).toEqual(workflows);
    const trayIcons = (await readdir(join(projectDir, 'build')))
      .filter((file) => file.startsWith('tray-'))
      .sort();
    expect(trayIcons).toHaveLength(16);
    expect((await readdir(join(resources, 'tray'))).sort()).toEqual(trayIcons);
  });
});
