/**
 * The /mcp endpoint parses a request's body once and hands the SDK the result (mcp/endpoint.ts), so the SDK
 * neither clones the request nor reads and parses it twice. A body that is not plain JSON goes to the SDK as it
 * came, and gets the SDK's own answer: these requests, raw over real HTTP, check that fallback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDirs, startTestCore, type CoreFixture } from '../core/harness.js';

let fixture: CoreFixture;
beforeAll(async () => {
  fixture = await startTestCore({ urls: ['http://127.0.0.1:9'] });
});
afterAll(async () => {
  await fixture.core.stop();
  removeDirs(fixture.dataDir, fixture.outputDir);
});

const initialize = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: '2025-06-18',
    capabilities: {},
    clientInfo: { name: 'raw-body-test', version: '1' },
  },
});

function post(
  body: string | Uint8Array<ArrayBuffer>,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(fixture.core.mcpUrl, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Accept: 'application/json, text/event-stream',
      Authorization: `Bearer ${fixture.core.settings.get().mcpToken}`,
      ...headers,
    },
    body,
  });
}

describe('the /mcp request body', () => {
  it('parsed here: an initialize is answered', async () => {
    const response = await post(initialize);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('"serverInfo"');
  });

  it('a 2026-07-28 request: answered as one JSON document, in one piece with its length', async () => {
    const response = await post(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 'probe-1',
        method: 'server/discover',
        params: {
          _meta: {
            'io.modelcontextprotocol/protocolVersion': '2026-07-28',
            'io.modelcontextprotocol/clientInfo': { name: 'raw-body-test', version: '1' },
            'io.modelcontextprotocol/clientCapabilities': {},
          },
        },
      }),
      { 'MCP-Protocol-Version': '2026-07-28', 'Mcp-Method': 'server/discover' },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    const text = await response.text();
    expect(text).toContain('"supportedVersions"');
    expect(response.headers.get('content-length')).toBe(String(Buffer.byteLength(text)));
  });

  it('with a byte-order mark (not JSON.parse’s JSON): read by the SDK, which skips the mark, and answered', async () => {
    const response = await post(new Uint8Array([0xef, 0xbb, 0xbf, ...Buffer.from(initialize)]));
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('"serverInfo"');
  });

  it('not JSON: the SDK’s parse error', async () => {
    const response = await post('{"jsonrpc": "2.0", "id": 1, "method": ');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: -32700 } });
  });
});
