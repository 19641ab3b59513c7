// Bundles the command's entry (dist/electron/cli.js and what it imports statically) into one CommonJS file,
// dist/electron/cli.cjs, which bin/comfyui-mcp-bridge.js requires. An agent client gives a stdio server about
// a second to answer `initialize`; on Node 20 loading a dozen ES modules costs 15-25 ms more than one
// CommonJS file (docs/BENCHMARKS.md). What cli.js imports dynamically (the core, the SDK, the relay) stays
// the unbundled ES modules beside it, loaded after that answer.
//
//   node scripts/bundle-cli.mjs        (npm run build runs it after tsc)
import { dirname, relative, resolve } from 'node:path';
import { rolldown } from 'rolldown';

const root = resolve(import.meta.dirname, '..');
const entry = resolve(root, 'dist', 'electron', 'cli.js');
const outFile = resolve(root, 'dist', 'electron', 'cli.cjs');

/** A dynamic import stays a dynamic import of the built file, its path now relative to the bundle. */
const keepDynamicImports = {
  name: 'keep-dynamic-imports',
  resolveId(source, importer, { kind }) {
    if (kind !== 'dynamic-import' || importer === undefined) return null;
    const target = relative(dirname(outFile), resolve(dirname(importer), source)).replaceAll('\\', '/');
    return { id: target.startsWith('.') ? target : `./${target}`, external: true };
  },
};

const bundle = await rolldown({
  input: entry,
  platform: 'node',
  // Only Node's own modules may stay outside: a package required here would load before the answer.
  external: (id) => id.startsWith('node:'),
  plugins: [keepDynamicImports],
  logLevel: 'warn',
});
await bundle.write({ file: outFile, format: 'cjs', sourcemap: true });
await bundle.close();
