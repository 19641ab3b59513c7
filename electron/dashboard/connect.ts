import type { ConnectInfo } from '../../shared/dashboard-api.js';

/** How a client starts the stdio launcher shim (Claude Desktop speaks stdio only). */
export interface ShimCommand {
  command: string;
  args: string[];
  env?: Record<string, string>;
}

/** The server name agents see the bridge under in their config files. */
const serverName = 'comfyui';
/** Cline cuts a call at its per-server timeout (seconds); a generation may take minutes. */
const clineTimeoutSeconds = 300;

/**
 * The copy-ready "connect an agent" snippets, with the real URL and the /mcp token filled in: one paste sets
 * up an HTTP client. The stdio shim needs no token in its config: it reads it from the data folder. The snippets
 * use `mcpUrl`, the address on this machine; `networkMcpUrls` are listed for other machines.
 */
export function connectInfo(options: {
  mcpUrl: string;
  networkMcpUrls?: readonly string[];
  mcpToken: string;
  shim: ShimCommand;
  platform: NodeJS.Platform;
}): ConnectInfo {
  const { mcpUrl, shim } = options;
  const headers = options.mcpToken ? { headers: { Authorization: `Bearer ${options.mcpToken}` } } : {};
  const json = (value: unknown) => JSON.stringify(value, null, 2);
  const shimEnv = shim.env && Object.keys(shim.env).length > 0 ? { env: { ...shim.env } } : {};
  const headerFlag = options.mcpToken ? ` --header "Authorization: Bearer ${options.mcpToken}"` : '';
  return {
    mcpUrl,
    networkMcpUrls: [...(options.networkMcpUrls ?? [])],
    shim: { command: shim.command, args: [...shim.args], ...shimEnv },
    snippets: [
      {
        client: 'claude-code',
        title: 'Claude Code',
        where: 'terminal',
        // --scope user: one paste serves every project, not just the folder the terminal is in.
        text: `claude mcp add --transport http --scope user ${serverName} ${mcpUrl}${headerFlag}`,
      },
      {
        client: 'cursor',
        title: 'Cursor',
        where: '.cursor/mcp.json (in the project, or ~/.cursor/mcp.json for every project)',
        text: json({ mcpServers: { [serverName]: { url: mcpUrl, ...headers } } }),
      },
      {
        client: 'vscode',
        title: 'VS Code (Copilot)',
        where: '.vscode/mcp.json',
        text: json({ servers: { [serverName]: { type: 'http', url: mcpUrl, ...headers } } }),
      },
      {
        client: 'cline',
        title: 'Cline',
        where: 'cline_mcp_settings.json (Cline → MCP Servers → Configure)',
        text: json({
          mcpServers: {
            [serverName]: { type: 'streamableHttp', url: mcpUrl, timeout: clineTimeoutSeconds, ...headers },
          },
        }),
      },
      {
        client: 'claude-desktop',
        title: 'Claude Desktop',
        where: claudeDesktopConfigPath(options.platform),
        text: json({ mcpServers: { [serverName]: { command: shim.command, args: shim.args, ...shimEnv } } }),
      },
    ],
  };
}

export function claudeDesktopConfigPath(platform: NodeJS.Platform): string {
  if (platform === 'darwin') return '~/Library/Application Support/Claude/claude_desktop_config.json';
  if (platform === 'win32') return '%APPDATA%\\Claude\\claude_desktop_config.json';
  return '~/.config/Claude/claude_desktop_config.json';
}
