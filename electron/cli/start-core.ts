import { existsSync } from 'node:fs';
import Conf from 'conf';
import type { Core } from '../core.js';
import type { Logger } from '../log.js';
import { createSettings, settingsStoreOptions, type KeyValueStore } from '../settings.js';
import type { SettingsPatch } from '../../shared/settings.js';
import type { CliOptions } from './options.js';
import { bundledWorkflowsDirFor } from './paths.js';

/*
 * Starting the core from the command line (`serve`, and the stdio shim when no app runs). Loaded on demand
 * by cli.ts: conf, the settings schema and the core take longer to load than a stdio client waits for its
 * initialize answer, and a forwarding shim never needs them.
 */

/** Settings for this run from flags and environment variables; stored settings fill in the rest. */
export function overridesFrom(options: CliOptions, storedAllowedDirs: readonly string[]): SettingsPatch {
  return {
    ...(options.host !== undefined ? { host: options.host } : {}),
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.comfyuiUrls.length > 0 ? { comfyuiUrls: options.comfyuiUrls } : {}),
    ...(options.outputDir !== undefined ? { outputDir: options.outputDir } : {}),
    ...(options.workflowsDir !== undefined ? { userWorkflowsDir: options.workflowsDir } : {}),
    ...(options.workflow !== undefined ? { defaultWorkflow: options.workflow } : {}),
    ...(options.token !== undefined ? { mcpToken: options.token } : {}),
    ...(options.maxPendingJobs !== undefined ? { maxPendingJobs: options.maxPendingJobs } : {}),
    ...(options.maxInputMegapixels !== undefined ? { maxInputMegapixels: options.maxInputMegapixels } : {}),
    ...(options.noTokenOnLoopback ? { requireTokenOnLoopback: false } : {}),
    ...(options.allowDirs.length > 0 ? { allowedDirs: [...storedAllowedDirs, ...options.allowDirs] } : {}),
  };
}

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
  const settings = createSettings({ store, logger, overrides: overridesFrom(options, stored) });
  const { startCore } = await import('../core.js');
  return startCore({
    settings,
    dataDir: options.dataDir,
    bundledWorkflowsDir: bundledWorkflowsDirFor(pkg.root, existsSync),
    logger,
    version: pkg.version,
  });
}
