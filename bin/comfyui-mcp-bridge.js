#!/usr/bin/env node
// The package's command: runs the built CLI (npm run build produces dist/).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../dist/electron/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  process.stderr.write(
    'comfyui-mcp-bridge: not built yet; run `npm run build` in the package folder first.\n',
  );
  process.exit(1);
}
await import(cli.href);
