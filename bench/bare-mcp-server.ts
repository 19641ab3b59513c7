/**
 * The protocol's floor, for the overhead bench: an MCP server with nothing of the bridge in it (the SDK's own
 * per-request handler, one tool that does no work, Node's http), in its own process as `serve` is. A no-work call
 * to it, from the same client and at the same point of the bench as the bridge's no-work call, is what any server
 * built on this SDK costs here; what the bridge's no-work call costs beyond it is the bridge's own.
 * Beside it, POST /raw answers a tool call's result with no SDK at all: the floor of HTTP itself on loopback (the
 * same `fetch` and Node's http, after the same idle), so the SDK's own share can be told from the transport's.
 * Its URL, the tool's name and the plain HTTP route's URL go to stdout.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import * as z from 'zod';

const toolName = 'no_work';
const rawPath = '/raw';

function bareServer(): McpServer {
  const server = new McpServer({ name: 'bare-sdk-server', version: '1.0.0' });
  server.registerTool(
    toolName,
    {
      description: 'Does nothing: the round trip of a tool call and no more.',
      inputSchema: z.object({ limit: z.number().int().optional().describe('Ignored.') }),
      outputSchema: z.object({ ok: z.boolean() }),
    },
    () => ({ content: [{ type: 'text', text: 'ok' }], structuredContent: { ok: true } }),
  );
  return server;
}

const handler = createMcpHandler(bareServer, { legacy: 'reject' });

/** Node's request as a web Request for the SDK, and its Response written back: the least an adapter does. */
async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  if (req.url === rawPath) return answerRaw(Buffer.concat(chunks), res);
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string') headers.set(name, value);
  }
  const body = Buffer.concat(chunks);
  const response = await handler.fetch(
    new Request(`http://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`, {
      method: req.method ?? 'GET',
      headers,
      ...(body.byteLength > 0 ? { body } : {}),
    }),
  );
  const bytes = Buffer.from(await response.arrayBuffer());
  res.writeHead(response.status, {
    ...Object.fromEntries(response.headers),
    'content-length': bytes.byteLength,
  });
  res.end(bytes);
}

/** A JSON-RPC result like the tool's, for the request's id: what HTTP alone costs, with no SDK on either side. */
function answerRaw(body: Buffer, res: ServerResponse): void {
  const { id } = JSON.parse(body.toString('utf8')) as { id: unknown };
  const answer = JSON.stringify({
    jsonrpc: '2.0',
    id,
    result: { content: [{ type: 'text', text: 'ok' }], structuredContent: { ok: true } },
  });
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(answer) });
  res.end(answer);
}

const server = createServer((req, res) => {
  serve(req, res).catch((error: unknown) => {
    process.stderr.write(`bare MCP server: ${String(error)}\n`);
    res.destroy();
  });
});
server.listen(0, '127.0.0.1', () => {
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  process.stdout.write(`BARE_MCP ${origin}/mcp ${toolName} ${origin}${rawPath}\n`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
