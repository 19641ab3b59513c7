import { pathToFileURL } from 'node:url';
import {
  Client as ModernClient,
  StreamableHTTPClientTransport as ModernTransport,
} from '@modelcontextprotocol/client';
import { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as LegacyTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ListRootsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { createHttpServer } from '../../electron/http/server.js';
import type { BridgeHttpServer } from '../../electron/http/server.js';
import type { Logger } from '../../electron/log.js';
import { silentLogger } from '../../electron/log.js';
import { createMcpEndpoint } from '../../electron/mcp/endpoint.js';
import type { McpEndpoint } from '../../electron/mcp/endpoint.js';
import { createBridgeMcpServerFactory } from '../../electron/mcp/server.js';
import type { BridgeService, ToolContext } from '../../electron/mcp/service.js';

/*
 * Protocol-test harness: the real HTTP server and MCP endpoint on 127.0.0.1:0 in front of an in-test
 * BridgeService, plus one client per protocol era speaking to it over real HTTP.
 */

export type Era = '2025' | '2026';
export const eras: Era[] = ['2025', '2026'];

export interface RecordedCall {
  method: keyof BridgeService;
  args: unknown;
  ctx: ToolContext;
}

/** A BridgeService that records every call and answers with canned results unless a test overrides a method. */
export function createFakeService(overrides: Partial<BridgeService> = {}) {
  const calls: RecordedCall[] = [];
  const canned: BridgeService = {
    generateImage: (args) =>
      Promise.resolve({
        status: 'completed',
        batch_id: 'b-1',
        images: [
          {
            path: '/projects/site/public/hero.png',
            width: args.width ?? 512,
            height: args.height ?? 512,
            format: args.format ?? 'png',
            seed: args.seed ?? 7,
            bytes: 1234,
            workflow: args.workflow ?? 'sdxl-basic',
            backend: 'http://127.0.0.1:8188',
          },
        ],
      }),
    editImage: (args) =>
      Promise.resolve({
        status: 'completed',
        batch_id: 'b-3',
        images: [
          {
            path: '/projects/site/public/hero.edited.png',
            width: args.width ?? 512,
            height: args.height ?? 512,
            format: args.format ?? 'png',
            seed: args.seed ?? 7,
            bytes: 1234,
            workflow: args.workflow ?? 'restyle',
            backend: 'http://127.0.0.1:8188',
            source: args.image,
          },
        ],
      }),
    batchGenerateImages: (args) => Promise.resolve({ batch_id: 'b-2', total: args.items.length }),
    checkBatchStatus: (args) =>
      Promise.resolve({
        batch_id: args.batch_id,
        done: false,
        total: 3,
        completed: 1,
        pending: 1,
        running: 0,
        failed: 1,
        cancelled: 0,
        items: [
          {
            index: 0,
            status: 'completed',
            path: '/projects/site/a.png',
            width: 64,
            height: 64,
            seed: 1,
            bytes: 10,
          },
          {
            index: 1,
            status: 'failed',
            error: { code: 'model_missing', message: 'No model.', hint: 'Install it.' },
          },
          { index: 2, status: 'pending' },
        ],
      }),
    cancelBatch: (args) => Promise.resolve({ batch_id: args.batch_id, cancelled: 2, already_finished: 1 }),
    listGeneratedImages: () =>
      Promise.resolve({
        images: [
          {
            path: '/projects/site/a.png',
            bytes: 10,
            width: 64,
            height: 64,
            created_at: '2026-01-01T00:00:00Z',
          },
        ],
        next_cursor: 'c-2',
      }),
    checkComfyuiStatus: () =>
      Promise.resolve({
        backends: [
          {
            url: 'http://127.0.0.1:8188',
            reachable: true,
            version: '0.3.60',
            device: 'cuda:0 RTX',
            queue_length: 0,
            default_workflow: {
              id: 'sdxl-basic',
              can_run: false,
              missing_node_types: [],
              missing_models: ['x.safetensors'],
            },
          },
        ],
      }),
    convertImage: (args) =>
      Promise.resolve({
        converted: 1,
        failed: 1,
        results: [
          {
            path: args.paths?.[0] ?? '/x/a.png',
            output_path: (args.paths?.[0] ?? '/x/a.png').replace(/\.\w+$/, `.${args.format ?? 'webp'}`),
            bytes_before: 1000,
            bytes_after: 300,
            width: 64,
            height: 64,
            original_kept: args.keep_original ?? true,
          },
          { path: '/x/b.png', error: { code: 'unreadable', message: 'Not an image.' } },
        ],
      }),
  };
  const pick = <K extends keyof BridgeService>(name: K): BridgeService[K] => overrides[name] ?? canned[name];
  const service: BridgeService = {
    generateImage: (args, ctx) => (
      calls.push({ method: 'generateImage', args, ctx }),
      pick('generateImage')(args, ctx)
    ),
    editImage: (args, ctx) => (calls.push({ method: 'editImage', args, ctx }), pick('editImage')(args, ctx)),
    batchGenerateImages: (args, ctx) => (
      calls.push({ method: 'batchGenerateImages', args, ctx }),
      pick('batchGenerateImages')(args, ctx)
    ),
    checkBatchStatus: (args, ctx) => (
      calls.push({ method: 'checkBatchStatus', args, ctx }),
      pick('checkBatchStatus')(args, ctx)
    ),
    cancelBatch: (args, ctx) => (
      calls.push({ method: 'cancelBatch', args, ctx }),
      pick('cancelBatch')(args, ctx)
    ),
    listGeneratedImages: (args, ctx) => (
      calls.push({ method: 'listGeneratedImages', args, ctx }),
      pick('listGeneratedImages')(args, ctx)
    ),
    checkComfyuiStatus: (ctx) => (
      calls.push({ method: 'checkComfyuiStatus', args: undefined, ctx }),
      pick('checkComfyuiStatus')(ctx)
    ),
    convertImage: (args, ctx) => (
      calls.push({ method: 'convertImage', args, ctx }),
      pick('convertImage')(args, ctx)
    ),
  };
  return { service, calls };
}

export interface Bridge {
  url: URL;
  http: BridgeHttpServer;
  endpoint: McpEndpoint;
  close(): Promise<void>;
}

export async function startBridge(
  service: BridgeService,
  options: { token?: string; logger?: Logger; cwd?: string } = {},
): Promise<Bridge> {
  const logger = options.logger ?? silentLogger;
  const factory = createBridgeMcpServerFactory({
    service,
    logger,
    version: '0.0.0-test',
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  });
  const endpoint = createMcpEndpoint({ factory, logger });
  const http = await createHttpServer({
    port: 0,
    logger,
    mcpHandler: (req, res, body) => endpoint.handle(req, res, body),
    ...(options.token === undefined ? {} : { token: options.token }),
  });
  return {
    url: new URL(`${http.url}/mcp`),
    http,
    endpoint,
    async close() {
      await endpoint.close();
      await http.close();
    },
  };
}

export interface ClientOptions {
  /** Directories the client reports as roots; without it the client declares no roots capability. */
  roots?: string[];
  token?: string;
}

/** The few client operations the tests use, identical across eras. */
export interface TestClient {
  era: Era;
  listTools(): Promise<{ tools: Record<string, unknown>[] }>;
  callTool(
    name: string,
    args: Record<string, unknown>,
    options?: {
      signal?: AbortSignal;
      onprogress?: (progress: { progress: number; total?: number; message?: string }) => void;
    },
  ): Promise<CallResult>;
  rootsRequests(): number;
  close(): Promise<void>;
}

export interface CallResult {
  content: Record<string, unknown>[];
  structuredContent?: unknown;
  isError?: boolean;
}

export async function connect(era: Era, url: URL, options: ClientOptions = {}): Promise<TestClient> {
  const headers: Record<string, string> =
    options.token === undefined ? {} : { Authorization: `Bearer ${options.token}` };
  const info = { name: `test-client-${era}`, version: '1.0.0' };
  let rootsRequests = 0;
  const answerRoots = () => {
    rootsRequests += 1;
    return Promise.resolve({
      roots: (options.roots ?? []).map((dir) => ({ uri: pathToFileURL(dir).href, name: dir })),
    });
  };
  const capabilities = options.roots === undefined ? {} : { roots: { listChanged: true } };

  if (era === '2025') {
    const client = new LegacyClient(info, { capabilities });
    if (options.roots !== undefined) client.setRequestHandler(ListRootsRequestSchema, answerRoots);
    await client.connect(new LegacyTransport(url, { requestInit: { headers } }));
    return {
      era,
      listTools: () => client.listTools(),
      callTool: async (name, args, callOptions = {}) =>
        (await client.callTool({ name, arguments: args }, undefined, {
          ...(callOptions.signal ? { signal: callOptions.signal } : {}),
          ...(callOptions.onprogress ? { onprogress: callOptions.onprogress } : {}),
        })) as CallResult,
      rootsRequests: () => rootsRequests,
      close: () => client.close(),
    };
  }

  const client = new ModernClient(info, {
    capabilities,
    versionNegotiation: { mode: { pin: '2026-07-28' } },
  });
  if (options.roots !== undefined) client.setRequestHandler('roots/list', answerRoots);
  await client.connect(new ModernTransport(url, { requestInit: { headers } }));
  return {
    era,
    listTools: () => client.listTools(),
    callTool: async (name, args, callOptions = {}) =>
      await client.callTool(
        { name, arguments: args },
        {
          ...(callOptions.signal ? { signal: callOptions.signal } : {}),
          ...(callOptions.onprogress ? { onprogress: callOptions.onprogress } : {}),
        },
      ),
    rootsRequests: () => rootsRequests,
    close: () => client.close(),
  };
}
