import type { ConnectInfo } from '../../shared/dashboard-api.js';
import { cursorInstallLink, vscodeInstallLink } from './install-links.js';

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
 * up an HTTP client. The stdio shim needs no token in its config: it reads it from the data folder; its
 * arguments carry the data folder and the run's other options (`shim`, from the core). The snippets use
 * `mcpUrl`, the address on this machine; `networkMcpUrls` are listed for other machines.
 */
export function connectInfo(options: {
  mcpUrl: string;
  networkMcpUrls?: readonly string[];
  mcpToken: string;
  shim: ShimCommand;
  platform: NodeJS.Platform;
  mcpb: ConnectInfo['mcpb'];
}): ConnectInfo {
  const { mcpUrl, shim } = options;
  const headers = options.mcpToken ? { headers: { Authorization: `Bearer ${options.mcpToken}` } } : {};
  const json = (value: unknown) => JSON.stringify(value, null, 2);
  const shimEnv = shim.env && Object.keys(shim.env).length > 0 ? { env: { ...shim.env } } : {};
  const headerFlag = options.mcpToken ? ` --header "Authorization: Bearer ${options.mcpToken}"` : '';
  const remote = { name: serverName, url: mcpUrl, ...headers };
  return {
    mcpUrl,
    networkMcpUrls: [...(options.networkMcpUrls ?? [])],
    shim: { command: shim.command, args: [...shim.args], ...shimEnv },
    mcpb: { ...options.mcpb },
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
        installUrl: cursorInstallLink(remote),
      },
      {
        client: 'vscode',
        title: 'VS Code (Copilot)',
        where: '.vscode/mcp.json',
        text: json({ servers: { [serverName]: { type: 'http', url: mcpUrl, ...headers } } }),
        installUrl: vscodeInstallLink(remote),
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
        // Codex reads Streamable HTTP servers from [mcp_servers.<name>] with `url`, and literal headers from
        // `http_headers` (a `headers` key is ignored): https://developers.openai.com/codex/mcp and
        // codex-rs/config/src/mcp_types.rs (`bearer_token_env_var` is the alternative, from a variable).
        client: 'codex',
        title: 'Codex',
        where: '~/.codex/config.toml',
        text: [
          `[mcp_servers.${serverName}]`,
          `url = ${tomlString(mcpUrl)}`,
          ...(options.mcpToken
            ? [`http_headers = { "Authorization" = ${tomlString(`Bearer ${options.mcpToken}`)} }`]
            : []),
        ].join('\n'),
      },
      {
        // Gemini CLI: `httpUrl` is Streamable HTTP (`url` would be SSE), `headers` are sent as given:
        // https://github.com/google-gemini/gemini-cli/blob/main/docs/tools/mcp-server.md
        client: 'gemini-cli',
        title: 'Gemini CLI',
        where: '~/.gemini/settings.json (or .gemini/settings.json in the project)',
        text: json({ mcpServers: { [serverName]: { httpUrl: mcpUrl, ...headers } } }),
      },
      {
        // Windsurf (Cascade): a remote server takes `serverUrl` and `headers`, in the Claude Desktop layout:
        // https://docs.windsurf.com/windsurf/cascade/mcp ("Remote HTTP MCPs").
        client: 'windsurf',
        title: 'Windsurf',
        where: '~/.codeium/windsurf/mcp_config.json',
        text: json({ mcpServers: { [serverName]: { serverUrl: mcpUrl, ...headers } } }),
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

/** A TOML basic string: JSON's escapes (\\, \", \n, \uXXXX) are TOML's too. */
function tomlString(text: string): string {
  return JSON.stringify(text);
}

export function claudeDesktopConfigPath(platform: NodeJS.Platform): string {
  if (platform === 'darwin') return '~/Library/Application Support/Claude/claude_desktop_config.json';
  if (platform === 'win32') return '%APPDATA%\\Claude\\claude_desktop_config.json';
  return '~/.config/Claude/claude_desktop_config.json';
}
