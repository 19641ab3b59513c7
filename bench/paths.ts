import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** Where the compiled benchmark runs from (.tmp/bench/bench/*.js) and the repository it measures. */
export const buildRoot = fileURLToPath(new URL('..', import.meta.url));
export const repoRoot = join(buildRoot, '..', '..');
/** The checkout whose built bridge (`bin/`, `dist/`) is measured: this one, or BENCH_BRIDGE_ROOT's for an A/B run. */
export const bridgeRoot = process.env.BENCH_BRIDGE_ROOT ?? repoRoot;
