import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { PassThrough } from 'node:stream';
import { SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/server';
import { serveStdio, StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, silentLogger } from '../../electron/log.js';
import { createBridgeMcpServerFactory } from '../../electron/mcp/server.js';
import { createCoreAttacher } from '../../electron/stdio/attach.js';
import {
  earlyResultFor,
  LEGACY_PROTOCOL_VERSIONS,
  MODERN_PROTOCOL_VERSIONS,
} from '../../electron/stdio/early-answer.js';
import { readEndpointRecord } from '../../electron/stdio/endpoint-record.js';
import { startShimFront } from '../../electron/stdio/front.js';
import { startRelay } from '../../electron/stdio/relay.js';
import type { FakeComfyUI } from '../fakes/fake-comfyui.js';
import { removeDirs, startSd15Fake, startTestCore, until, type CoreFixture } from '../core/harness.js';

/*
 * The stdio shim answers the client's opening request (2025: initialize; 2026-07-28: server/discover) from
 * static data, before the server exists (electron/stdio/early-answer.ts). Here that answer is compared with
 * what the real server says through both of the shim's paths: the in-process server over stdio, and a running
 * core's HTTP endpoint through the relay. Then the front that gives the answer, on its own.
 */

const version = (
  JSON.parse(readFileSync(join(import.meta.dirname, '../../package.json'), 'utf8')) as {
    version: string;
  }
).version;
const clientInfo = { name: 'drift-check', version: '1' };
const initialize = (protocolVersion: string, params: Record<string, unknown> = {}) => ({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion, capabilities: {}, clientInfo, ...params },
});
const discover = (claim: string, meta: Record<string, unknown> = {}) => ({
  jsonrpc: '2.0',
  id: 'probe-1',
  method: 'server/discover',
  params: {
    _meta: {
      'io.modelcontextprotocol/protocolVersion': claim,
      'io.modelcontextprotocol/clientInfo': clientInfo,
      'io.modelcontextprotocol/clientCapabilities': {},
      ...meta,
    },
  },
});
type Request = ReturnType<typeof initialize> | ReturnType<typeof discover>;
interface Reply {
  id?: unknown;
  result?: unknown;
  error?: unknown;
}

/** Requests the shim answers early: every version a client may ask for, supported or not. */
const answeredEarly: [string, Request][] = [
  ...[...LEGACY_PROTOCOL_VERSIONS, '2026-07-28', '2024-01-01', '2099-12-31'].map(
    (asked): [string, Request] => [`initialize asking ${asked}`, initialize(asked)],
  ),
  [
    'initialize from a client with roots',
    initialize('2025-06-18', { capabilities: { roots: { listChanged: true } } }),
  ],
  ['server/discover claiming 2026-07-28', discover('2026-07-28')],
];
/** Requests left to the real server, which refuses them. */
const leftToTheServer: [string, Request][] = [
  ['server/discover claiming a version the server lacks', discover('2099-12-31')],
  ['initialize without clientInfo', initialize('2025-06-18', { clientInfo: undefined })],
  ['server/discover without clientInfo', discover('2026-07-28', { 'io.modelcontextprotocol/clientInfo': 1 })],
];

let fake: FakeComfyUI;
let fixture: CoreFixture;
beforeAll(async () => {
  fake = await startSd15Fake(2);
  fixture = await startTestCore({ urls: [fake.url], version });
});
afterAll(async () => {
  await fixture.core.stop();
  await fake.close();
  removeDirs(fixture.dataDir, fixture.outputDir);
});

/** Sends one request through a fresh connection and returns the answer to it. */
async function answerThrough(
  open: (input: PassThrough, output: PassThrough) => () => Promise<unknown>,
  request: Request,
): Promise<Reply> {
  const input = new PassThrough();
  const output = new PassThrough();
  const close = open(input, output);
  const replies: Reply[] = [];
  createInterface({ input: output }).on('line', (line) => replies.push(JSON.parse(line) as Reply));
  input.write(`${JSON.stringify(request)}\n`);
  try {
    await until(() => replies.some((reply) => reply.id === request.id), `the answer to ${request.method}`);
    return replies.find((reply) => reply.id === request.id)!;
  } finally {
    input.end();
    await close();
  }
}

const paths = {
  'the in-process server over stdio': (input: PassThrough, output: PassThrough) => {
    const factory = createBridgeMcpServerFactory({
      service: fixture.core.service,
      logger: silentLogger,
      version,
    });
    const handle = serveStdio(factory, { transport: new StdioServerTransport(input, output) });
    return () => handle.close();
  },
  'a running core through the relay': (input: PassThrough, output: PassThrough) => {
    const attacher = createCoreAttacher({
      dataDir: fixture.dataDir,
      cwd: fixture.outputDir,
      logger: silentLogger,
      startCore: () => Promise.reject(new Error('not in this test')),
    });
    const target = attacher.targetOf(readEndpointRecord(fixture.dataDir)!);
    const relay = startRelay({ ...target, input, output, logger: silentLogger });
    return () => relay.finished;
  },
};

describe.each(Object.entries(paths))('the early answer equals what %s answers', (_, open) => {
  it.each(answeredEarly)('%s', async (_name, request) => {
    const real = await answerThrough(open, request);
    expect(real.error).toBeUndefined();
    expect(earlyResultFor(request, version)).toEqual(real.result);
  });

  it.each(leftToTheServer)('leaves to the server: %s', async (_name, request) => {
    expect(earlyResultFor(request, version)).toBeUndefined();
    expect((await answerThrough(open, request)).error).toBeDefined();
  });
});

it('knows the protocol versions of the SDK it ships with', () => {
  expect(LEGACY_PROTOCOL_VERSIONS).toEqual(SUPPORTED_PROTOCOL_VERSIONS.filter((v) => v < '2026-07-28'));
  expect(MODERN_PROTOCOL_VERSIONS).toEqual(['2026-07-28']);
});

describe('the shim front', () => {
  function frontOf() {
    const client = { input: new PassThrough(), output: new PassThrough() };
    const logged: string[] = [];
    const logger = createLogger({ sink: (line) => logged.push(line) });
    const front = startShimFront({ ...client, version, logger });
    const toClient: Reply[] = [];
    createInterface({ input: client.output }).on('line', (line) => toClient.push(JSON.parse(line) as Reply));
    const toBackend: Reply[] = [];
    createInterface({ input: front.input }).on('line', (line) => toBackend.push(JSON.parse(line) as Reply));
    const send = (...messages: unknown[]) =>
      client.input.write(messages.map((message) => `${JSON.stringify(message)}\n`).join(''));
    return { client, front, toClient, toBackend, logged, send };
  }
  const toolsList = { jsonrpc: '2.0', id: 2, method: 'tools/list' };
  const initialized = { jsonrpc: '2.0', method: 'notifications/initialized' };

  it('answers initialize, holds what follows until the backend has answered it too, and drops that answer', async () => {
    const { front, toClient, toBackend, logged, send } = frontOf();
    send(initialize('2025-06-18'), initialized, toolsList);
    await until(
      () => toClient.length === 1 && toBackend.length === 1,
      'the early answer and the handshake passed on',
    );
    expect(toClient[0]).toEqual({
      jsonrpc: '2.0',
      id: 1,
      result: earlyResultFor(initialize('2025-06-18'), version),
    });
    expect(toBackend[0]).toEqual(initialize('2025-06-18'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(toBackend).toHaveLength(1);

    front.output.write(`${JSON.stringify(toClient[0])}\n`);
    await until(() => toBackend.length === 3, 'the held messages passed on');
    expect(toBackend.slice(1)).toEqual([initialized, toolsList]);
    front.output.write(`${JSON.stringify({ jsonrpc: '2.0', id: 2, result: { tools: [] } })}\n`);
    await until(() => toClient.length === 2, 'the answer to tools/list');
    expect(toClient[1]).toEqual({ jsonrpc: '2.0', id: 2, result: { tools: [] } });
    expect(logged.join('')).not.toContain('differently');
  });

  it('warns when the backend answers otherwise (an app of another version)', async () => {
    const { front, toClient, logged, send } = frontOf();
    send(initialize('2025-06-18'));
    await until(() => toClient.length === 1, 'the early answer');
    const other = {
      ...(toClient[0]!.result as object),
      serverInfo: { name: 'comfyui-mcp-bridge', version: '9.9.9' },
    };
    front.output.write(`${JSON.stringify({ jsonrpc: '2.0', id: 1, result: other })}\n`);
    await until(() => logged.join('').includes('differently'), 'a warning');
    expect(toClient).toHaveLength(1);
  });

  it('passes everything on untouched when the first message is not one it answers', async () => {
    const { toClient, toBackend, send } = frontOf();
    send(toolsList, initialize('2025-06-18'));
    await until(() => toBackend.length === 2, 'both messages passed on');
    expect(toClient).toEqual([]);
  });

  it('answers every request with the reason when the backend cannot be set up', async () => {
    const { client, front, toClient, send } = frontOf();
    send(initialize('2025-06-18'), initialized, toolsList);
    await until(() => toClient.length === 1, 'the early answer');
    const refused = front.refuse('No bridge: start it.');
    send({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'list_workflows' } }, initialized);
    await until(() => toClient.length === 3, 'both requests answered');
    expect(toClient.slice(1)).toEqual([
      { jsonrpc: '2.0', id: 2, error: { code: -32603, message: 'No bridge: start it.' } },
      { jsonrpc: '2.0', id: 3, error: { code: -32603, message: 'No bridge: start it.' } },
    ]);
    client.input.end();
    await refused;
  });

  it('tells whether the client left having asked only what it answered', async () => {
    const satisfied = frontOf();
    satisfied.send(discover('2026-07-28'));
    satisfied.client.input.end();
    await until(() => satisfied.front.clientLeftSatisfied(), 'the client gone');
    const asked = frontOf();
    asked.send(initialize('2025-06-18'), toolsList);
    asked.client.input.end();
    await until(() => asked.toBackend.length === 2, 'the held request passed on as the client left');
    expect(asked.front.clientLeftSatisfied()).toBe(false);
  });
});
