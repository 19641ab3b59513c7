import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { EXTENSION_ID, RESOURCE_MIME_TYPE } from '@modelcontextprotocol/ext-apps/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BridgeError } from '../../electron/errors.js';
import { createHttpServer, type BridgeHttpServer } from '../../electron/http/server.js';
import { silentLogger } from '../../electron/log.js';
import type { ResultAppService } from '../../electron/mcp/app/service.js';
import { APP_HTML_MIME_TYPE, RESULT_VIEW_URI, UI_EXTENSION_ID } from '../../electron/mcp/app/spec.js';
import { createMcpEndpoint, type McpEndpoint } from '../../electron/mcp/endpoint.js';
import { createBridgeMcpServerFactory } from '../../electron/mcp/server.js';
import { createFakeService, eras, type Era } from './harness.js';

/*
 * The MCP App seen over real HTTP by real clients of both eras: a client that declares the extension gets the
 * app-only tools; one that does not sees the eight tools as before (the view's address in `_meta` aside) and the
 * same results. The Chromium host test (tests/e2e/mcp-app.test.ts) renders the view.
 */

const viewTools = ['generate_image', 'edit_image', 'batch_generate_images', 'check_batch_status'];
const appTools = ['result_thumbnail', 'keep_variant'];

const app: ResultAppService = {
  thumbnail: (batchId, index) =>
    Promise.resolve(batchId === 'b1' && index === 0 ? Buffer.from('RIFF-webp') : undefined),
  keepVariant: (batchId) => {
    if (batchId !== 'b1') return Promise.reject(new BridgeError('unknown_batch', 'No batch.'));
    return Promise.resolve({ path: '/p/hero.png', bytes: 9 });
  },
};

let http: BridgeHttpServer;
let endpoint: McpEndpoint;
let url: URL;
beforeAll(async () => {
  const factory = createBridgeMcpServerFactory({
    service: createFakeService().service,
    app,
    logger: silentLogger,
  });
  endpoint = createMcpEndpoint({ factory, logger: silentLogger });
  http = await createHttpServer({
    port: 0,
    logger: silentLogger,
    mcpHandler: (req, res, body) => endpoint.handle(req, res, body),
  });
  url = new URL(`${http.url}/mcp`);
});
afterAll(async () => {
  await endpoint.close();
  await http.close();
});

async function connect(era: Era, rendersApps: boolean): Promise<Client> {
  const capabilities = rendersApps
    ? { extensions: { [UI_EXTENSION_ID]: { mimeTypes: [APP_HTML_MIME_TYPE] } } }
    : {};
  const client = new Client(
    { name: `app-test-${era}`, version: '1.0.0' },
    {
      capabilities,
      versionNegotiation: { mode: era === '2025' ? 'legacy' : { pin: '2026-07-28' } },
    },
  );
  await client.connect(new StreamableHTTPClientTransport(url));
  return client;
}

it("names the extension as the extension's own package does", () => {
  expect(UI_EXTENSION_ID).toBe(EXTENSION_ID);
  expect(APP_HTML_MIME_TYPE).toBe(RESOURCE_MIME_TYPE);
});

describe.each(eras)('a %s-era client', (era) => {
  let plain: Client;
  let host: Client;
  beforeAll(async () => {
    [plain, host] = await Promise.all([connect(era, false), connect(era, true)]);
  });
  afterAll(async () => {
    await Promise.all([plain.close(), host.close()]);
  });

  it('without the extension sees the eight tools, changed only by the view address on four', async () => {
    const { tools } = await plain.listTools();
    expect(tools.map((tool) => tool.name)).not.toEqual(expect.arrayContaining([appTools[0]]));
    expect(tools).toHaveLength(8);
    for (const tool of tools) {
      if (viewTools.includes(tool.name)) expect(tool._meta).toEqual({ ui: { resourceUri: RESULT_VIEW_URI } });
      else expect(tool._meta, tool.name).toBeUndefined();
    }
    await expect(
      plain.callTool({ name: 'keep_variant', arguments: { batch_id: 'b1', index: 0 } }),
    ).rejects.toThrow(/keep_variant disabled/u);
  });

  it('with the extension also sees the app-only tools, hidden from the model by their visibility', async () => {
    const { tools } = await host.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(
      [...(await plain.listTools()).tools.map((tool) => tool.name), ...appTools].sort(),
    );
    for (const name of appTools)
      expect(tools.find((tool) => tool.name === name)!._meta).toEqual({
        ui: { resourceUri: RESULT_VIEW_URI, visibility: ['app'] },
      });
    console.info(
      `tools/list for an MCP Apps host (${era}): ${Buffer.byteLength(JSON.stringify({ tools }))} bytes`,
    );
  });

  it('gets the same results either way: structuredContent and text stay complete', async () => {
    const args = { prompt: 'a red fox', save_path: 'fox.png' };
    const [withoutApp, withApp] = await Promise.all([
      plain.callTool({ name: 'generate_image', arguments: args }),
      host.callTool({ name: 'generate_image', arguments: args }),
    ]);
    expect(withoutApp.isError).toBeFalsy();
    expect(withApp).toEqual(withoutApp);
    expect(withoutApp.structuredContent).toMatchObject({ status: 'completed', images: [expect.any(Object)] });
  });

  it('reads the view: one self-contained HTML page with no external address', async () => {
    const { contents } = await plain.readResource({ uri: RESULT_VIEW_URI });
    expect(contents).toHaveLength(1);
    const [view] = contents as [{ uri: string; mimeType: string; text: string }];
    expect(view).toMatchObject({ uri: RESULT_VIEW_URI, mimeType: APP_HTML_MIME_TYPE });
    expect(view.text).toMatch(/^<!doctype html>/u);
    expect(view.text).not.toMatch(/\b(src|href)=["']?(https?:)?\/\//u);
    expect(view.text).not.toMatch(/https?:\/\//u);
    expect(Buffer.byteLength(view.text)).toBeLessThan(12_000);
  });

  it('answers the app-only tools for a host: image content, and a domain error as a tool error', async () => {
    const thumb = await host.callTool({ name: 'result_thumbnail', arguments: { batch_id: 'b1', index: 0 } });
    expect(thumb.content).toEqual([
      { type: 'image', mimeType: 'image/webp', data: Buffer.from('RIFF-webp').toString('base64') },
    ]);
    const none = await host.callTool({ name: 'result_thumbnail', arguments: { batch_id: 'b1', index: 1 } });
    expect(none.isError).toBe(true);
    const unknown = await host.callTool({ name: 'keep_variant', arguments: { batch_id: 'zz', index: 0 } });
    expect(unknown).toMatchObject({ isError: true, structuredContent: { error: { code: 'unknown_batch' } } });
  });
});
