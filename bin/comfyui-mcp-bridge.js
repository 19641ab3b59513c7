#!/usr/bin/env node
// The package's command: runs the built CLI (npm run build produces dist/). CommonJS (bin/package.json), like
// the bundle it loads, so Node answers without starting its ES module loader: see scripts/bundle-cli.mjs.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const cli = join(__dirname, '..', 'dist', 'electron', 'cli.cjs');
if (!existsSync(cli)) {
  process.stderr.write(
    'comfyui-mcp-bridge: not built yet; run `npm run build` in the package folder first.\n',
  );
  process.exit(1);
}
require(cli);
