import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, describe, expect, it } from 'vitest';
import { bundledWorkflowsDirFor } from '../../electron/cli/paths.js';
import { shimCwdOf, shimHeaders } from '../../electron/mcp/shim-cwd.js';
import {
  endpointFileOf,
  readEndpointRecord,
  removeEndpointRecord,
  writeEndpointRecord,
} from '../../electron/stdio/endpoint-record.js';
import { findRunningApp } from '../../electron/stdio/find-app.js';
import { answerHello, newNonce, verifyHello } from '../../electron/stdio/handshake.js';
import { modernHeaders } from '../../electron/stdio/relay.js';
import { shimCommand } from '../../electron/stdio/shim-command.js';
import { sseData } from '../../electron/stdio/sse.js';
import { removeDirs, tempDirs, startSd15Fake, startTestCore } from '../core/harness.js';

const { tempDir, removeTempDirs } = tempDirs('bridge-shim-parts-');
afterAll(() => removeTempDirs());

describe('shimCwdOf', () => {
  const secret = 's'.repeat(32);
  const headersOf = (values: Record<string, string>) => new Headers(values);

  it('honours the working directory only next to the right secret', () => {
    const cwd = '/home/ana/projects/café site';
    expect(shimCwdOf(headersOf(shimHeaders(secret, cwd)), secret)).toBe(cwd);
    expect(shimCwdOf(headersOf(shimHeaders('t'.repeat(32), cwd)), secret)).toBeUndefined();
    expect(shimCwdOf(headersOf(shimHeaders(secret.slice(1), cwd)), secret)).toBeUndefined();
    expect(shimCwdOf(headersOf(shimHeaders(secret, cwd)), undefined)).toBeUndefined();
    expect(shimCwdOf(headersOf(shimHeaders('', cwd)), '')).toBeUndefined();
  });

  it('refuses relative, malformed and NUL-carrying paths', () => {
    expect(shimCwdOf(headersOf(shimHeaders(secret, 'projects/site')), secret)).toBeUndefined();
    expect(shimCwdOf(headersOf(shimHeaders(secret, '/a\0b')), secret)).toBeUndefined();
    const malformed = { ...shimHeaders(secret, '/x'), 'x-comfyui-bridge-cwd': '%E0%A4%A' };
    expect(shimCwdOf(headersOf(malformed), secret)).toBeUndefined();
  });
});

describe('sseData', () => {
  const streamOf = (...chunks: string[]) =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
        controller.close();
      },
    });
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    const events: string[] = [];
    for await (const data of sseData(stream)) events.push(data);
    return events;
  };

  it('yields each event’s data, across chunk boundaries and line-ending styles', async () => {
    const events = await collect(
      streamOf(
        'id: 1\nevent: message\ndata: {"a":',
        '1}\n\n: keep-alive\n\nid: 2\r',
        '\ndata: {"b":2}\r\n\r\n',
      ),
    );
    expect(events).toEqual(['{"a":1}', '{"b":2}']);
  });

  it('skips data-less events (the priming event), joins multi-line data and flushes the last event', async () => {
    expect(await collect(streamOf('id: p\ndata:\n\n', 'data: x\ndata: y\n\n', 'data: tail'))).toEqual([
      'x\ny',
      'tail',
    ]);
  });
});

describe('modernHeaders', () => {
  it('names the method and, for tools/call, the tool', () => {
    expect(modernHeaders({ method: 'tools/call', params: { name: 'generate_image' } }, '2026-07-28')).toEqual(
      {
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': 'tools/call',
        'mcp-name': 'generate_image',
      },
    );
    expect(modernHeaders({ method: 'tools/list' }, '2026-07-28')).toEqual({
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'tools/list',
    });
  });

  it('puts names that are not plain ASCII in the Base64 sentinel', () => {
    const headers = modernHeaders({ method: 'prompts/get', params: { name: 'héllo' } }, '2026-07-28');
    expect(headers['mcp-name']).toBe(`=?base64?${Buffer.from('héllo').toString('base64')}?=`);
  });
});

describe('endpoint record', () => {
  it('is written readable by the owner only, and removed only by the run that wrote it', () => {
    const dataDir = tempDir();
    writeFileSync(endpointFileOf(dataDir), '{}', { mode: 0o644 });
    const record = {
      url: 'http://127.0.0.1:1',
      mcpUrl: 'http://127.0.0.1:1/mcp',
      pid: 7,
      shimSecret: 'a'.repeat(32),
    };
    writeEndpointRecord(dataDir, record);
    if (process.platform !== 'win32') expect(statSync(endpointFileOf(dataDir)).mode & 0o777).toBe(0o600);
    expect(readEndpointRecord(dataDir)).toEqual(record);

    removeEndpointRecord(dataDir, 'b'.repeat(32));
    expect(readEndpointRecord(dataDir)).toEqual(record);
    removeEndpointRecord(dataDir, record.shimSecret);
    expect(readEndpointRecord(dataDir)).toBeUndefined();
  });

  it('reads a torn or foreign file as no record', () => {
    const dataDir = tempDir();
    writeFileSync(endpointFileOf(dataDir), '{"url":"http://127.0.0.1:1","mcpUrl":"http://127.0');
    expect(readEndpointRecord(dataDir)).toBeUndefined();
    writeFileSync(
      endpointFileOf(dataDir),
      JSON.stringify({ url: 'x', mcpUrl: 'http://127.0.0.1:1/mcp', pid: 3 }),
    );
    expect(readEndpointRecord(dataDir)).toBeUndefined();
  });
});

describe('the shim hello (the server proves it holds the record’s secret)', () => {
  const secret = 's'.repeat(32);

  it('verifies only an answer made with the secret for this nonce', () => {
    const nonce = newNonce();
    const answer = answerHello(secret, nonce)!;
    expect(verifyHello(secret, nonce, answer)).toBe(true);
    expect(verifyHello('t'.repeat(32), nonce, answer)).toBe(false);
    expect(verifyHello(secret, newNonce(), answer)).toBe(false);
    expect(verifyHello(secret, nonce, { ...answer, server_nonce: newNonce() })).toBe(false);
    expect(verifyHello(secret, nonce, { ...answer, proof: answer.server_nonce })).toBe(false);
    for (const junk of [undefined, null, 'x', {}, { server_nonce: 1, proof: 2 }])
      expect(verifyHello(secret, nonce, junk)).toBe(false);
  });

  it('answers nothing for what is not a nonce, and a fresh server nonce each time', () => {
    expect(answerHello(secret, '')).toBeUndefined();
    expect(answerHello(secret, 'x'.repeat(44))).toBeUndefined();
    const nonce = newNonce();
    expect(answerHello(secret, nonce)!.server_nonce).not.toBe(answerHello(secret, nonce)!.server_nonce);
  });

  it('over HTTP: a running core proves its own record, and not a record with another secret', async () => {
    const fake = await startSd15Fake(2);
    const fixture = await startTestCore({ urls: [fake.url] });
    try {
      const record = readEndpointRecord(fixture.dataDir)!;
      expect(record.mcpToken).toBe(fixture.core.settings.get().mcpToken);
      expect(await findRunningApp(fixture.dataDir)).toEqual(record);
      writeEndpointRecord(fixture.dataDir, { ...record, shimSecret: 'f'.repeat(32) });
      expect(await findRunningApp(fixture.dataDir)).toBeUndefined();
    } finally {
      await fixture.core.stop();
      await fake.close();
      removeDirs(fixture.dataDir, fixture.outputDir);
    }
  });
});

describe('shimCommand', () => {
  it('runs the packaged app’s own executable as Node on the script inside app.asar', () => {
    expect(
      shimCommand({
        platform: 'win32',
        isPackaged: true,
        execPath: 'C:\\Program Files\\ComfyUI MCP Bridge\\ComfyUI MCP Bridge.exe',
        resourcesPath: 'C:\\Program Files\\ComfyUI MCP Bridge\\resources',
        appPath: 'C:\\Program Files\\ComfyUI MCP Bridge\\resources\\app.asar',
      }),
    ).toEqual({
      command: 'C:\\Program Files\\ComfyUI MCP Bridge\\ComfyUI MCP Bridge.exe',
      args: [
        'C:\\Program Files\\ComfyUI MCP Bridge\\resources\\app.asar\\bin\\comfyui-mcp-bridge.js',
        'stdio',
      ],
      env: { ELECTRON_RUN_AS_NODE: '1' },
    });
    expect(
      shimCommand({
        platform: 'darwin',
        isPackaged: true,
        execPath: '/Applications/ComfyUI MCP Bridge.app/Contents/MacOS/ComfyUI MCP Bridge',
        resourcesPath: '/Applications/ComfyUI MCP Bridge.app/Contents/Resources',
        appPath: '/Applications/ComfyUI MCP Bridge.app/Contents/Resources/app.asar',
      }).args[0],
    ).toBe('/Applications/ComfyUI MCP Bridge.app/Contents/Resources/app.asar/bin/comfyui-mcp-bridge.js');
  });

  it('uses the checkout’s bin/ in development and under plain Node', () => {
    expect(
      shimCommand({
        platform: 'linux',
        isPackaged: false,
        execPath: '/usr/bin/node',
        resourcesPath: '/usr/lib/node',
        appPath: '/home/ana/comfyui-mcp-bridge',
      }),
    ).toEqual({
      command: '/usr/bin/node',
      args: ['/home/ana/comfyui-mcp-bridge/bin/comfyui-mcp-bridge.js', 'stdio'],
      env: { ELECTRON_RUN_AS_NODE: '1' },
    });
  });
});

describe('bundledWorkflowsDirFor', () => {
  it('finds workflows in the package, or beside app.asar in the packaged app', () => {
    expect(bundledWorkflowsDirFor('/src/bridge', () => true)).toBe('/src/bridge/workflows');
    expect(bundledWorkflowsDirFor('/opt/Bridge/resources/app.asar', () => false)).toBe(
      '/opt/Bridge/resources/workflows',
    );
  });
});

describe('the shim working-directory header over HTTP', () => {
  it('moves relative save paths only when it carries the secret from the endpoint file', async () => {
    const fake = await startSd15Fake(2);
    const fixture = await startTestCore({ urls: [fake.url] });
    const claimed = tempDir();
    const save = async (secret: string, folder = claimed) => {
      const client = new Client({ name: 'forger', version: '1' });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(fixture.core.mcpUrl), {
          requestInit: {
            headers: {
              ...shimHeaders(secret, folder),
              Authorization: `Bearer ${fixture.core.settings.get().mcpToken}`,
            },
          },
        }),
      );
      try {
        const result = await client.callTool({
          name: 'generate_image',
          arguments: {
            prompt: 'x',
            save_path: `${secret.slice(0, 4)}.png`,
            workflow: 'sd15',
            width: 64,
            height: 64,
          },
        });
        return (result.structuredContent as { images: { path: string }[] }).images[0]!.path;
      } finally {
        await client.close();
      }
    };
    try {
      const real = readEndpointRecord(fixture.dataDir)!.shimSecret;
      expect(await save('f'.repeat(real.length))).toBe(join(fixture.outputDir, 'ffff.png'));
      expect(await save(real)).toBe(join(claimed, `${real.slice(0, 4)}.png`));
      // A shim of an earlier release sends its folder even when that is no project (here: the home folder).
      const home = tempDir();
      const realHome = process.env.HOME;
      process.env.HOME = home;
      try {
        expect(await save(real, home)).toBe(join(fixture.outputDir, `${real.slice(0, 4)}.png`));
      } finally {
        process.env.HOME = realHome;
      }
    } finally {
      await fixture.core.stop();
      await fake.close();
      removeDirs(fixture.dataDir, fixture.outputDir);
    }
  });
});
