import { existsSync } from 'node:fs';
import Conf from 'conf';
import type { Core } from '../core.js';
import type { Logger } from '../log.js';
import { recordPhaseTimelines } from '../phase-timeline.js';
import { createSettings, settingsStoreOptions, type KeyValueStore } from '../settings.js';
import type { CliOptions } from './options.js';
import { overridesFrom } from './overrides.js';
import { bundledWorkflowsDirFor } from './paths.js';
import { shimArgsOf } from './shim-args.js';

/*
 * Starting the core from the command line (`serve`, and the stdio shim when no app runs). Loaded on demand
 * by cli.ts: conf, the settings schema and the core take longer to load than a stdio client waits for its
 * initialize answer, and a forwarding shim never needs them.
 */

function openSettingsStore(dataDir: string): KeyValueStore {
  return new Conf<Record<string, unknown>>({ ...settingsStoreOptions, cwd: dataDir });
}

export interface PackageInfo {
  /** The folder holding package.json and the bundled workflows (or app.asar in the packaged app). */
  root: string;
  version: string;
}

export async function startFromCli(options: CliOptions, logger: Logger, pkg: PackageInfo): Promise<Core> {
  const store = openSettingsStore(options.dataDir);
  const stored = Array.isArray(store.store.allowedDirs) ? (store.store.allowedDirs as string[]) : [];
  const overrides = overridesFrom(options, stored);
  const settings = createSettings({
    store,
    logger,
    overrides: overrides.values,
    overrideSources: overrides.sources,
  });
  const { startCore } = await import('../core.js');
  // Where each job's time went, for `npm run bench` (BENCH_BREAKDOWN=1) and anyone debugging a slow call.
  if (options.logLevel === 'debug') {
    const timeline = logger.child('timeline');
    recordPhaseTimelines((job, marks) => timeline.debug('phase timeline', { job, marks }));
  }
  return startCore({
    settings,
    dataDir: options.dataDir,
    bundledWorkflowsDir: bundledWorkflowsDirFor(pkg.root, existsSync),
    logger,
    version: pkg.version,
    shimArgs: shimArgsOf(options),
  });
}
