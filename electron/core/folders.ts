/**
 * The folders the core works in besides its data folder, as the settings name them (or their defaults), and the
 * access tokens it stores there at first start.
 */
import { randomBytes } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { SettingsService } from '../settings.js';

/** The effective output folder, read at each call: settings may leave it empty, or change it while running. */
export function outputDirOf(settings: SettingsService): () => string {
  return () => settings.get().outputDir || defaultOutputDir();
}

/** The watched folder of user workflows, as it was at start. */
export function userWorkflowsDirOf(settings: SettingsService, dataDir: string): string {
  return settings.get().userWorkflowsDir || join(dataDir, 'workflows');
}

/**
 * Both access tokens exist from the first start on (stored, so snippets and the shim keep working): the
 * dashboard's, and the one /mcp requires, also on loopback, because every account on the machine reaches it.
 */
export function generateMissingTokens(settings: SettingsService): void {
  const current = settings.get();
  const newToken = () => randomBytes(24).toString('base64url');
  const missing = {
    ...(current.dashboardToken ? {} : { dashboardToken: newToken() }),
    ...(current.mcpToken ? {} : { mcpToken: newToken() }),
  };
  if (Object.keys(missing).length > 0) settings.update(missing);
}

function defaultOutputDir(): string {
  return join(homedir(), 'Pictures', 'ComfyUI MCP Bridge');
}
