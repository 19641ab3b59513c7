import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, sep } from 'node:path';

/*
 * Where the package's own files are, from the folder of a running module: the same code runs from source
 * (electron/…, under Vitest), built (dist/electron/…) and packaged (inside app.asar, same layout as built).
 */

export const launcherPath = join('bin', 'comfyui-mcp-bridge.js');

/** The nearest folder at or above `moduleDir` that holds the launcher: the package root. */
export function packageRootOf(moduleDir: string): string | undefined {
  let dir = moduleDir;
  for (let depth = 0; depth < 8; depth++) {
    if (existsSync(join(dir, launcherPath))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
  return undefined;
}

export function packageVersionOf(packageRoot: string | undefined): string {
  if (packageRoot === undefined) return 'unknown';
  try {
    const parsed = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as {
      version?: unknown;
    };
    return typeof parsed.version === 'string' ? parsed.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * The built dashboard (vite's outDir) for a module of the core: beside the built core it is the sibling
 * dist/renderer of dist/electron; from source (electron/…) it is <root>/dist/renderer.
 */
export function rendererDirFor(moduleDir: string): string {
  const parts = moduleDir.split(sep);
  const electronAt = parts.lastIndexOf('electron');
  if (electronAt <= 0) return join(moduleDir, 'renderer');
  const above = parts.slice(0, electronAt).join(sep) || sep;
  return basename(above) === 'dist' ? join(above, 'renderer') : join(above, 'dist', 'renderer');
}
