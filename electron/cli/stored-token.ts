import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The /mcp bearer token stored in the data folder's settings, which the stdio shim sends to an app whose
 * endpoint record names none. Read straight from the file `conf` keeps (`settings.json`, plain JSON: see
 * settingsStoreOptions in settings.ts) because loading conf costs the shim 120–500 ms of the second its
 * client waits. Undefined when there is no such file, it is not JSON, or it stores no token.
 */
export function readStoredToken(dataDir: string): string | undefined {
  try {
    const stored: unknown = JSON.parse(readFileSync(join(dataDir, 'settings.json'), 'utf8'));
    const token = (stored as { mcpToken?: unknown } | null)?.mcpToken;
    return typeof token === 'string' ? token : undefined;
  } catch {
    return undefined;
  }
}
