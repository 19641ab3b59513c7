import type { Settings, SettingsPatch } from '../../shared/settings.js';
import type { LockedSettings } from '../settings.js';
import { optionFlags, type CliOptions, type OptionSources } from './options.js';

/** The option that sets each setting for a run. */
const optionOfSetting = {
  host: 'host',
  port: 'port',
  comfyuiUrls: 'comfyuiUrls',
  outputDir: 'outputDir',
  userWorkflowsDir: 'workflowsDir',
  defaultWorkflow: 'workflow',
  mcpToken: 'token',
  maxPendingJobs: 'maxPendingJobs',
  maxInputMegapixels: 'maxInputMegapixels',
  requireTokenOnLoopback: 'noTokenOnLoopback',
  allowedDirs: 'allowDirs',
} as const satisfies Partial<Record<keyof Settings, keyof OptionSources>>;

/**
 * Settings for this run from flags and environment variables (stored settings fill in the rest), and the flag
 * or variable behind each: those settings are locked for the run, since a flag wins over the dashboard.
 */
export function overridesFrom(
  options: CliOptions,
  storedAllowedDirs: readonly string[],
): { values: SettingsPatch; sources: LockedSettings } {
  const values: SettingsPatch = {
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
  const sources: LockedSettings = {};
  for (const key of Object.keys(values) as (keyof typeof optionOfSetting)[]) {
    const option = optionOfSetting[key];
    sources[key] = options.sources[option] ?? optionFlags[option];
  }
  return { values, sources };
}
