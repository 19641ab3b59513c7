// Builds the Claude Desktop extension (.mcpb) from the built tree: the npm package (what `npm pack` ships)
// with its production dependencies, mcpb/manifest.json and the app icon, validated and packed with the
// official @anthropic-ai/mcpb toolkit. sharp's native binary is per platform, so a bundle is too: it is named
// and marked (compatibility.platforms) for the platform it was built on.
//
//   node scripts/build-mcpb.mjs [--out-dir DIR]     (npm run dist:mcpb builds first; default DIR: release/)
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const root = resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { 'out-dir': { type: 'string' } } });
const outDir = resolve(values['out-dir'] ?? join(root, 'release'));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const run = (command, args, cwd) =>
  execFileSync(command, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
const mcpb = (...args) =>
  run(
    process.execPath,
    [join(root, 'node_modules', '@anthropic-ai', 'mcpb', 'dist', 'cli', 'cli.js'), ...args],
    root,
  );

if (!existsSync(join(root, 'dist', 'electron', 'cli.js'))) {
  process.stderr.write('build-mcpb: dist/ is absent; run `npm run build` first (npm run dist:mcpb does).\n');
  process.exit(1);
}

const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const stage = mkdtempSync(join(tmpdir(), 'mcpb-stage-'));
try {
  const server = join(stage, 'server');
  mkdirSync(server);
  const [packed] = JSON.parse(run(npm, ['pack', '--json', '--pack-destination', stage], root));
  run('tar', ['-xzf', join(stage, packed.filename), '-C', server, '--strip-components=1'], stage);
  rmSync(join(stage, packed.filename));
  // The lockfile's versions, production dependencies only (mcpb leaves package-lock.json out of the bundle).
  copyFileSync(join(root, 'package-lock.json'), join(server, 'package-lock.json'));
  run(npm, ['ci', '--omit=dev', '--no-audit', '--no-fund'], server);

  const manifest = JSON.parse(readFileSync(join(root, 'mcpb', 'manifest.json'), 'utf8'));
  manifest.compatibility = { ...manifest.compatibility, platforms: [process.platform] };
  writeFileSync(join(stage, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  copyFileSync(join(root, 'build', 'icon.png'), join(stage, 'icon.png'));

  mcpb('validate', join(stage, 'manifest.json'));
  mkdirSync(outDir, { recursive: true });
  const bundle = join(outDir, `comfyui-mcp-bridge-${version}-${process.platform}-${process.arch}.mcpb`);
  mcpb('pack', stage, bundle);
  process.stdout.write(`${bundle}\n`);
} finally {
  rmSync(stage, { recursive: true, force: true });
}
