/** An MCP client of the modern era (SDK v2, 2026-07-28) over real HTTP, as an agent would connect. */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

export interface ToolResult {
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
  content: unknown[];
}

export interface CallOptions {
  /**
   * Ask for progress (a progressToken, as Claude Code does to show the progress message): the server then
   * streams `notifications/progress` and answers over SSE. A call that asked and got none fails.
   */
  progress?: boolean;
}

export interface BenchClient {
  call(name: string, args: Record<string, unknown>, options?: CallOptions): Promise<Record<string, unknown>>;
  /** tools/list as the client received it, in bytes of JSON (the measure tests/mcp/toolsList.test.ts caps). */
  toolsListBytes(): Promise<number>;
  close(): Promise<void>;
}

export async function connectClient(mcpUrl: string, token?: string): Promise<BenchClient> {
  const client = new Client(
    { name: 'bridge-bench', version: '1.0.0' },
    { versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  const headers: Record<string, string> = token === undefined ? {} : { Authorization: `Bearer ${token}` };
  await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { requestInit: { headers } }));
  return {
    async call(name, args, options) {
      let notifications = 0;
      const result = (await client.callTool(
        { name, arguments: args },
        options?.progress ? { onprogress: () => notifications++ } : undefined,
      )) as ToolResult;
      if (result.isError || !result.structuredContent) {
        throw new Error(`${name} failed: ${JSON.stringify(result.structuredContent ?? result.content)}`);
      }
      if (options?.progress && notifications === 0)
        throw new Error(`${name} asked for progress and got none`);
      return result.structuredContent;
    },
    async toolsListBytes() {
      const { tools } = await client.listTools();
      return Buffer.byteLength(JSON.stringify({ tools }));
    },
    close: () => client.close(),
  };
}

/**
 * A tool call as plain HTTP, with no SDK on either side (bench/bare-mcp-server.ts's /raw route): the body and
 * headers an SDK client sends for a small call, by `fetch`, its answer read and parsed. The transport's floor.
 */
export function rawToolCaller(rawUrl: string, toolName: string): () => Promise<void> {
  let id = 0;
  return async () => {
    id++;
    const response = await fetch(rawUrl, {
      method: 'POST',
      headers: {
        accept: 'application/json, text/event-stream',
        'content-type': 'application/json',
        'mcp-method': 'tools/call',
        'mcp-name': toolName,
        'mcp-protocol-version': '2026-07-28',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id,
        method: 'tools/call',
        params: { name: toolName, arguments: { limit: 1 } },
      }),
    });
    const answer = (await response.json()) as { id?: unknown };
    if (!response.ok || answer.id !== id) throw new Error(`plain HTTP call answered ${response.status}`);
  };
}
