import type { McpServer } from '@modelcontextprotocol/server';

/*
 * The MCP Apps extension (SEP-1865, `io.modelcontextprotocol/ui`, spec 2026-01-26) as this server uses it. The
 * names are the spec's; tests/mcp/app.test.ts checks them against @modelcontextprotocol/ext-apps, which stays a
 * development dependency: its server helpers are these constants plus a second, deprecated copy of the view's
 * address on every tool (`ui/resourceUri`) that tools/list has no room for.
 */

export const UI_EXTENSION_ID = 'io.modelcontextprotocol/ui';
export const APP_HTML_MIME_TYPE = 'text/html;profile=mcp-app';
/** The one view: results of the generating tools, live batch progress, the pick among variants. */
export const RESULT_VIEW_URI = 'ui://bridge/result';

/** Tools whose results the view shows; the view's address is the only change a client sees on them. */
export const toolsWithResultView: readonly string[] = [
  'generate_image',
  'edit_image',
  'batch_generate_images',
  'check_batch_status',
];

/** The `_meta` a listed tool carries so that hosts rendering MCP Apps show its result in the view. */
export function resultViewMetaFor(toolName: string): { ui: { resourceUri: string } } | undefined {
  return toolsWithResultView.includes(toolName) ? { ui: { resourceUri: RESULT_VIEW_URI } } : undefined;
}

/** Whether the connected client declared that it renders MCP Apps (HTML views). */
export function clientRendersApps(server: McpServer): boolean {
  const extensions = server.server.getClientCapabilities()?.extensions as
    Record<string, { mimeTypes?: unknown } | undefined> | undefined;
  const ui = extensions?.[UI_EXTENSION_ID];
  return Array.isArray(ui?.mimeTypes) && ui.mimeTypes.includes(APP_HTML_MIME_TYPE);
}
