/*
 * One-click install links for the clients that have them, with the bridge's URL and token filled in. Pure.
 *
 * - Cursor: cursor://anysphere.cursor-deeplink/mcp/install?name=NAME&config=BASE64, where BASE64 is the server's
 *   entry of mcp.json (`url`, `headers` for a remote server) as JSON, base64-encoded
 *   (https://cursor.com/docs/mcp/install-links).
 * - VS Code: vscode:mcp/install?JSON, the URL-encoded JSON of one server: its `name` and the entry of mcp.json
 *   (`type: "http"`, `url`, `headers`), as VS Code's own "MCP: Add Server" link generator writes it.
 */

export interface RemoteServer {
  name: string;
  url: string;
  headers?: Record<string, string>;
}

const headersOf = (server: RemoteServer) =>
  server.headers && Object.keys(server.headers).length > 0 ? { headers: { ...server.headers } } : {};

export function cursorInstallLink(server: RemoteServer): string {
  const config = JSON.stringify({ url: server.url, ...headersOf(server) });
  const query = new URLSearchParams({ name: server.name, config: Buffer.from(config).toString('base64') });
  return `cursor://anysphere.cursor-deeplink/mcp/install?${query.toString()}`;
}

export function vscodeInstallLink(server: RemoteServer): string {
  const config = JSON.stringify({ name: server.name, type: 'http', url: server.url, ...headersOf(server) });
  return `vscode:mcp/install?${encodeURIComponent(config)}`;
}
