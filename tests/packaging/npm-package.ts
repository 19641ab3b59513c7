import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { packageRoot } from '../cli/built-cli.js';

/*
 * The npm package as a user gets it: `npm pack` of the built tree, installed into a temporary prefix the way
 * `npx` does, with nothing of this checkout's node_modules reachable from it.
 */

const run = promisify(execFile);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

export interface PackedFile {
  path: string;
  size: number;
}

/** Whether the npm registry answers (the install needs it for the package's dependencies). */
export async function registryAnswers(): Promise<boolean> {
  try {
    await run(npm, ['ping'], { timeout: 20_000, cwd: packageRoot });
    return true;
  } catch {
    return false;
  }
}

/** `npm pack` into `destination`: the tarball's path and the files it holds. */
export async function packInto(destination: string): Promise<{ tarball: string; files: PackedFile[] }> {
  const { stdout } = await run(npm, ['pack', '--json', '--pack-destination', destination], {
    cwd: packageRoot,
    maxBuffer: 16 * 1024 * 1024,
  });
  const [packed] = JSON.parse(stdout) as [{ filename: string; files: PackedFile[] }];
  return { tarball: join(destination, packed.filename), files: packed.files };
}

/** Installs the tarball's production dependencies into `prefix`; returns the installed package's folder. */
export async function installTarball(tarball: string, prefix: string): Promise<string> {
  const env = { ...process.env };
  delete env.NODE_PATH;
  mkdirSync(prefix, { recursive: true });
  await run(npm, ['install', '--prefix', prefix, tarball, '--omit=dev', '--no-audit', '--no-fund'], {
    cwd: prefix,
    env,
    timeout: 240_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  return join(prefix, 'node_modules', 'comfyui-mcp-bridge');
}

/** Every package name installed under `nodeModules`, nested ones included. */
export function installedPackageNames(nodeModules: string): Set<string> {
  const names = new Set<string>();
  const visit = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
      const folder = join(dir, entry.name);
      if (entry.name.startsWith('@')) {
        visit(folder);
        continue;
      }
      const manifest = join(folder, 'package.json');
      if (existsSync(manifest)) {
        names.add((JSON.parse(readFileSync(manifest, 'utf8')) as { name: string }).name);
      }
      visit(join(folder, 'node_modules'));
    }
  };
  visit(nodeModules);
  return names;
}

/** The module specifiers a built JavaScript file imports statically or dynamically with a literal. */
export function importedSpecifiers(source: string): string[] {
  const pattern = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)['"]([^'"]+)['"]/g;
  return [...source.matchAll(pattern)].map((match) => match[1]!);
}

/**
 * The files a built entry module loads, following its relative imports (static and literal dynamic ones),
 * and the bare specifiers (packages) they import.
 */
export function importGraphOf(entry: string): { files: string[]; packages: Set<string> } {
  const files: string[] = [];
  const packages = new Set<string>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (files.includes(file)) continue;
    files.push(file);
    for (const specifier of importedSpecifiers(readFileSync(file, 'utf8'))) {
      if (specifier.startsWith('.')) pending.push(join(dirname(file), specifier));
      else if (!specifier.startsWith('node:')) packages.add(specifier);
    }
  }
  return { files, packages };
}

/** `npx ARGS` from `cwd` (npx keys its install on the package spec: a fresh tarball path is a fresh install). */
export async function runNpx(args: string[], cwd: string): Promise<{ stdout: string }> {
  const env = { ...process.env };
  delete env.NODE_PATH;
  const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
  return run(npx, args, { cwd, env, timeout: 170_000, maxBuffer: 16 * 1024 * 1024 });
}
