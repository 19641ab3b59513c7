import { isBuilt, notBuiltMessage } from '../cli/built-cli.js';
import type { Era, Via } from '../mcp-e2e/clients.js';

/** Both client eras over HTTP, and through the built stdio shim when there is a build (else a warning says so). */
export function runnableConnections(url: string | undefined): [Era, Via][] {
  const connections: [Era, Via][] = [
    ['2025', 'http'],
    ['2026', 'http'],
    ['2025', 'stdio'],
    ['2026', 'stdio'],
  ];
  if (url && !isBuilt) console.warn(`tests/comfyui-real: ${notBuiltMessage}`);
  return connections.filter(([, via]) => via === 'http' || isBuilt);
}
