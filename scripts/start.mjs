// `npm start`: opens the tray app from the local build with the installed Electron binary.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function fail(line) {
  process.stderr.write(`${line}\n`);
  process.exit(1);
}

/** The electron package exports its binary's path; it throws or points nowhere when the download was skipped. */
function findElectronBinary() {
  try {
    const binary = createRequire(join(root, 'package.json'))('electron');
    return typeof binary === 'string' && existsSync(binary) ? binary : undefined;
  } catch {
    return undefined;
  }
}

const electron = findElectronBinary();
if (!electron) {
  fail(
    'No Electron binary is installed here, so the tray app cannot open; run the bridge headless instead: npx comfyui-mcp-bridge serve',
  );
}
if (!existsSync(join(root, 'dist', 'electron', 'main.js'))) {
  fail('The app is not built yet (dist/electron/main.js is missing): run `npm run build`, then `npm start`.');
}

// Inherited from an editor or agent, ELECTRON_RUN_AS_NODE would make Electron behave as plain Node.
const { ELECTRON_RUN_AS_NODE: _runAsNode, ...env } = process.env;
// The project root, not main.js: Electron then reads package.json's "main" and app.getAppPath() is the root.
const child = spawn(electron, [root, ...process.argv.slice(2)], { stdio: 'inherit', env });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('error', (error) =>
  fail(`Electron did not start (${error.message}); try: npx comfyui-mcp-bridge serve`),
);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
