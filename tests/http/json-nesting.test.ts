import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isNestedDeeperThan, MAX_JSON_NESTING } from '../../electron/http/json-depth.js';
import { removeDirs, startTestCore, type CoreFixture } from '../core/harness.js';

const text = (json: string) => Buffer.from(json, 'utf8');
const nested = (depth: number, open = '[', close = ']') => open.repeat(depth) + close.repeat(depth);

describe('isNestedDeeperThan', () => {
  it('counts arrays and objects inside one another, up to the limit and past it', () => {
    expect(isNestedDeeperThan(text(nested(MAX_JSON_NESTING)))).toBe(false);
    expect(isNestedDeeperThan(text(nested(MAX_JSON_NESTING + 1)))).toBe(true);
    const objects = '{"a":'.repeat(MAX_JSON_NESTING + 1) + '1' + '}'.repeat(MAX_JSON_NESTING + 1);
    expect(isNestedDeeperThan(text(objects))).toBe(true);
    expect(isNestedDeeperThan(text('[[1],[2],{"a":3},[]]'), 2)).toBe(false);
    expect(isNestedDeeperThan(text('[[[1]]]'), 2)).toBe(true);
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    expect(isNestedDeeperThan(text(JSON.stringify({ prompt: nested(500) })))).toBe(false);
    expect(isNestedDeeperThan(text(JSON.stringify({ prompt: `say \\"${'['.repeat(500)}"` })))).toBe(false);
    expect(isNestedDeeperThan(text(JSON.stringify({ prompt: `“${'{'.repeat(500)}” ✓` })))).toBe(false);
    expect(isNestedDeeperThan(text(`["\\\\", ${nested(MAX_JSON_NESTING)}]`))).toBe(true);
  });
});

/*
 * Over real HTTP on a real core: a 3.8 MB body nested 1.9 million levels deep used to hold the bridge's one
 * thread for seconds while it was parsed and walked. Now it is refused before parsing, with each route's own
 * error, and a client asking something ordinary at the same time is answered.
 */
describe('a deeply nested body', () => {
  let fixture: CoreFixture;
  beforeAll(async () => {
    fixture = await startTestCore({ urls: ['http://127.0.0.1:9'] });
  });
  afterAll(async () => {
    await fixture.core.stop();
    removeDirs(fixture.dataDir, fixture.outputDir);
  });

  const depth = 1_900_000;
  const deepMessage = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_workflows","arguments":{"x":${nested(depth)}}}}`;

  it('to /mcp gets a JSON-RPC parse error at once, and a concurrent MCP client is served', async () => {
    const refused = fetch(fixture.core.mcpUrl, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json, text/event-stream',
        Authorization: `Bearer ${fixture.core.settings.get().mcpToken}`,
      },
      body: deepMessage,
    });
    const client = new Client({ name: 'nesting-test', version: '1' });
    const served = client
      .connect(
        new StreamableHTTPClientTransport(new URL(fixture.core.mcpUrl), {
          requestInit: { headers: { Authorization: `Bearer ${fixture.core.settings.get().mcpToken}` } },
        }),
      )
      .then(() => client.listTools());

    const response = await refused;
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32700, message: expect.stringContaining(`more than ${MAX_JSON_NESTING}`) as string },
    });
    expect((await served).tools).toHaveLength(8);
    await client.close();
  });

  it('to the dashboard API gets 400 json_too_deep, and nothing changes', async () => {
    const token = fixture.core.settings.get().dashboardToken;
    const before = fixture.core.settings.get();
    const response = await fetch(`${fixture.core.url}/api/settings`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body: `{"defaultWaitSeconds":30,"allowedDirs":${nested(depth)}}`,
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('json_too_deep');
    expect(body.error.message).toContain(String(MAX_JSON_NESTING));
    expect(fixture.core.settings.get()).toEqual(before);
  });
});
