import { execFile } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const script = join(import.meta.dirname, '..', '..', 'scripts', 'start.mjs');
let project: string;

/** A throwaway project with scripts/start.mjs in place, so each case controls what is installed and built. */
beforeEach(async () => {
  project = await mkdtemp(join(tmpdir(), 'start-script-'));
  await mkdir(join(project, 'scripts'));
  await copyFile(script, join(project, 'scripts', 'start.mjs'));
  await writeFile(join(project, 'package.json'), '{"name":"app","main":"dist/electron/main.js"}');
});
afterEach(() => rm(project, { recursive: true, force: true }));

async function installElectron(binary: string | undefined) {
  const dir = join(project, 'node_modules', 'electron');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'package.json'), '{"name":"electron","main":"index.js"}');
  // Mirrors electron's own index.js: the binary's path, or an error when the download was skipped.
  await writeFile(
    join(dir, 'index.js'),
    binary
      ? `module.exports = require('path').join(__dirname, ${JSON.stringify(binary)});`
      : `throw new Error('Electron failed to install correctly');`,
  );
  if (binary) {
    await writeFile(
      join(dir, binary),
      '#!/bin/sh\nprintf "%s\\n" "$@" > "$(dirname "$0")/args.txt"\nexit 7\n',
    );
    await chmod(join(dir, binary), 0o755);
  }
}

async function build() {
  await mkdir(join(project, 'dist', 'electron'), { recursive: true });
  await writeFile(join(project, 'dist', 'electron', 'main.js'), '');
}

async function start(args: string[] = []) {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(project, 'scripts', 'start.mjs'), ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('npm start', () => {
  it('without an Electron binary: one line pointing to the headless server, exit 1', async () => {
    await installElectron(undefined);
    await build();
    const result = await start();
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('npx comfyui-mcp-bridge serve');
  });

  it('without a build: says to run the build first, exit 1', async () => {
    await installElectron('electron-bin');
    const result = await start();
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('npm run build');
  });

  it.skipIf(process.platform === 'win32')(
    'with both: runs Electron on the project root with the arguments and passes its exit code on',
    async () => {
      await installElectron('electron-bin');
      await build();
      const result = await start(['--hidden']);
      expect(result.code).toBe(7);
      const args = await readFile(join(project, 'node_modules', 'electron', 'args.txt'), 'utf8');
      expect(args.trimEnd().split('\n')).toEqual([project, '--hidden']);
    },
  );
});
