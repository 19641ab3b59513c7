/** An MCP client of the modern era (SDK v2, 2026-07-28) over real HTTP, as an agent would connect. */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

export interface ToolResult {
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
  content: unknown[];
}

export interface BenchClient {
  call(name: string, args: Record<string, unknown>): Promise<Record<string, unknown>>;
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
    async call(name, args) {
      const result = (await client.callTool({ name, arguments: args })) as ToolResult;
      if (result.isError || !result.structuredContent) {
        throw new Error(`${name} failed: ${JSON.stringify(result.structuredContent ?? result.content)}`);
      }
      return result.structuredContent;
    },
    async toolsListBytes() {
      const { tools } = await client.listTools();
      return Buffer.byteLength(JSON.stringify({ tools }));
    },
    close: () => client.close(),
  };
}
