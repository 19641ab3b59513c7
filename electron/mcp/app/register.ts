/**
 * The MCP App for results (SEP-1865): the `ui://` view and its two app-only tools. The view is a resource every
 * client may read; the tools (`_meta.ui.visibility: ["app"]`, so hosts keep them from the model) are listed and
 * callable only for a client that declared the extension, so tools/list is unchanged for every other client.
 */
import type { CallToolResult, McpServer, RegisteredTool } from '@modelcontextprotocol/server';
import * as z from 'zod';
import { isBridgeError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { renderDomainError } from '../results.js';
import type { ResultAppService } from './service.js';
import { APP_HTML_MIME_TYPE, clientRendersApps, RESULT_VIEW_URI } from './spec.js';
import { resultViewHtml } from './view-html.js';

const itemArgs = z.object({ batch_id: z.string().max(200), index: z.number().int().min(0).max(1000) });
const keptOutput = z.object({ path: z.string(), bytes: z.number(), replaced_kept_at: z.string().optional() });
const appOnly = { ui: { resourceUri: RESULT_VIEW_URI, visibility: ['app'] } };

export function registerResultApp(
  server: McpServer,
  app: ResultAppService | undefined,
  logger: Logger,
): void {
  server.registerResource(
    'result-view',
    RESULT_VIEW_URI,
    { mimeType: APP_HTML_MIME_TYPE, description: 'Shows generated images and batch progress' },
    (uri) => ({ contents: [{ uri: uri.href, mimeType: APP_HTML_MIME_TYPE, text: resultViewHtml }] }),
  );
  if (!app) return;
  const log = logger.child('app');
  onlyForAppClients(
    server,
    server.registerTool(
      'result_thumbnail',
      {
        description: "A finished item's thumbnail (WebP, at most 256 px).",
        inputSchema: itemArgs,
        annotations: { readOnlyHint: true, destructiveHint: false, openWorldHint: false },
        _meta: appOnly,
      },
      async (args, ctx) =>
        answer(log, async () => {
          const webp = await app.thumbnail(args.batch_id, args.index, ctx.mcpReq.signal);
          if (!webp)
            return errorResult(`Item ${args.index} of batch "${args.batch_id}" has no image to show.`);
          return { content: [{ type: 'image', data: webp.toString('base64'), mimeType: 'image/webp' }] };
        }),
    ),
  );
  onlyForAppClients(
    server,
    server.registerTool(
      'keep_variant',
      {
        description:
          'Keep one variant of a batch at the path its variants share; a file already there goes to the recovery folder.',
        inputSchema: itemArgs,
        outputSchema: keptOutput,
        annotations: { destructiveHint: false, idempotentHint: true, openWorldHint: false },
        _meta: appOnly,
      },
      async (args) =>
        answer(log, async () => {
          const kept = await app.keepVariant(args.batch_id, args.index);
          return {
            content: [{ type: 'text', text: `Kept at ${kept.path}` }],
            structuredContent: { ...kept },
          };
        }),
    ),
  );
}

/** The tool is listed and callable only while the connected client renders MCP Apps (read per request). */
function onlyForAppClients(server: McpServer, tool: RegisteredTool): void {
  Object.defineProperty(tool, 'enabled', { get: () => clientRendersApps(server), configurable: true });
}

async function answer(logger: Logger, run: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await run();
  } catch (error) {
    if (!isBridgeError(error)) throw error;
    logger.info('app tool call failed', { code: error.code, message: error.message });
    return renderDomainError(error);
  }
}

function errorResult(message: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text: message }] };
}
