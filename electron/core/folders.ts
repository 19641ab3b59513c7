/**
 * The folders the core works in besides its data folder, as the settings name them (or their defaults), and the
 * access tokens it stores there at first start.
 */
import { randomBytes } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { FolderDefaults } from '../../shared/dashboard-api-settings.js';
import type { SettingsService } from '../settings.js';

/** The folders the folder settings stand for when left empty. */
export function folderDefaults(dataDir: string): FolderDefaults {
  return {
    outputDir: join(homedir(), 'Pictures', 'ComfyUI MCP Bridge'),
    userWorkflowsDir: join(dataDir, 'workflows'),
  };
}

/** The effective output folder, read at each call: settings may leave it empty, or change it while running. */
export function outputDirOf(settings: SettingsService, dataDir: string): () => string {
  const fallback = folderDefaults(dataDir).outputDir;
  return () => settings.get().outputDir || fallback;
}

/** The watched folder of user workflows, as it was at start. */
export function userWorkflowsDirOf(settings: SettingsService, dataDir: string): string {
  return settings.get().userWorkflowsDir || folderDefaults(dataDir).userWorkflowsDir;
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
