// node:fs plus the one globSync call @modelcontextprotocol/conformance makes. fs.globSync exists from
// Node 22; on Node 20 the suite dies at import time without this.
import fs from 'node:fs';
import { join, relative } from 'node:path';

export * from 'node:fs';
export default fs;

export function globSync(pattern, options = {}) {
  const match = /^\*\*\/([^*?[\]/]+)$/.exec(pattern);
  if (!match) throw new Error(`fs-with-glob supports only "**/<file name>" patterns, not ${pattern}`);
  const root = options.cwd ?? process.cwd();
  const found = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name === match[1]) found.push(relative(root, path));
    }
  };
  walk(root);
  return found;
}
