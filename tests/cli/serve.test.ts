import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { request } from 'node:http';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { endpointFileOf } from '../../electron/stdio/endpoint-record.js';
import type { FakeComfyUI } from '../fakes/fake-comfyui.js';
import { tempDirs, startSd15Fake, until } from '../core/harness.js';
import {
  cleanEnv,
  isBuilt,
  mcpTokenOf,
  notBuiltMessage,
  packageRoot,
  runCli,
  serveArgs,
  startServe,
  type ServeProcess,
} from './built-cli.js';

/* The package's command, built and spawned as a user or a script runs it. */

if (!isBuilt) console.warn(`tests/cli: ${notBuiltMessage}`);

const { tempDir, removeTempDirs } = tempDirs('bridge-cli-');
let fake: FakeComfyUI;
let serve: ServeProcess | undefined;
beforeAll(async () => {
  fake = await startSd15Fake(2);
});
afterEach(async () => {
  await serve?.stop();
  serve = undefined;
});
afterAll(async () => {
  await fake.close();
  removeTempDirs();
});

async function toolNames(mcpUrl: string, token?: string): Promise<string[]> {
  const client = new Client({ name: 'cli-test', version: '1' });
  const headers: Record<string, string> = token === undefined ? {} : { Authorization: `Bearer ${token}` };
  await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { requestInit: { headers } }));
  try {
    return (await client.listTools()).tools.map((tool) => tool.name);
  } finally {
    await client.close();
  }
}

/** The lines the command wrote that are its own messages (log lines carry a timestamp and level). */
const messageLines = (stderr: string) =>
  stderr.split('\n').filter((line) => line.startsWith('comfyui-mcp-bridge:'));

describe.skipIf(!isBuilt)('comfyui-mcp-bridge serve', () => {
  it('prints exactly the two ready lines on stdout and serves MCP there', async () => {
    const dataDir = tempDir();
    serve = await startServe(serveArgs({ dataDir, outputDir: tempDir(), comfyui: fake.url }));
    expect(serve.mcpUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    const base = serve.mcpUrl.slice(0, -'/mcp'.length);
    expect(serve.dashboardUrl).toMatch(new RegExp(`^${base.replace(/\./g, '\\.')}/\\?token=[\\w-]{16,}$`));
    expect(serve.stdout).toEqual([`MCP endpoint: ${serve.mcpUrl}`, `Dashboard: ${serve.dashboardUrl}`]);
    expect(await toolNames(serve.mcpUrl, mcpTokenOf(dataDir))).toHaveLength(8);
    expect(existsSync(endpointFileOf(dataDir))).toBe(true);
  });

  it('becomes ready when no ComfyUI answers, and says so in check_comfyui_status', async () => {
    const nobody = await closedPort();
    const dataDir = tempDir();
    serve = await startServe(
      serveArgs({ dataDir, outputDir: tempDir(), comfyui: `http://127.0.0.1:${nobody}` }),
    );
    const client = new Client({ name: 'cli-test', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(serve.mcpUrl), {
        requestInit: { headers: { Authorization: `Bearer ${mcpTokenOf(dataDir)}` } },
      }),
    );
    try {
      const status = await client.callTool({ name: 'check_comfyui_status', arguments: {} });
      expect(status.structuredContent).toMatchObject({
        backends: [{ url: `http://127.0.0.1:${nobody}`, reachable: false }],
      });
    } finally {
      await client.close();
    }
  });

  it('stops cleanly on SIGTERM: exit 0, endpoint file removed', async () => {
    const dataDir = tempDir();
    serve = await startServe(serveArgs({ dataDir, outputDir: tempDir(), comfyui: fake.url }));
    expect(await serve.stop()).toBe(0);
    expect(existsSync(endpointFileOf(dataDir))).toBe(false);
    expect(serve.stderr()).toContain('bridge stopped');
  });

  it('takes its settings from environment variables; a token set there is enforced', async () => {
    const outputDir = tempDir();
    serve = await startServe(
      [],
      cleanEnv({
        COMFYUI_MCP_PORT: '0',
        COMFYUI_URL: fake.url,
        COMFYUI_MCP_DATA_DIR: tempDir(),
        COMFYUI_MCP_OUTPUT_DIR: outputDir,
        COMFYUI_MCP_TOKEN: 'env-token-123',
        COMFYUI_MCP_WORKFLOW: 'sd15',
      }),
    );
    expect(serve.mcpUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    const refused = await fetch(serve.mcpUrl, { method: 'POST', body: '{}' });
    expect(refused.status).toBe(401);
    const client = new Client({ name: 'cli-test', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(serve.mcpUrl), {
        requestInit: { headers: { Authorization: 'Bearer env-token-123' } },
      }),
    );
    try {
      const result = await client.callTool({
        name: 'generate_image',
        arguments: { prompt: 'from env', save_path: 'env.png', width: 64, height: 64 },
      });
      expect(result.structuredContent).toMatchObject({
        status: 'completed',
        images: [{ path: join(outputDir, 'env.png'), workflow: 'sd15' }],
      });
      const status = await client.callTool({ name: 'check_comfyui_status', arguments: {} });
      expect(status.structuredContent).toMatchObject({ backends: [{ url: fake.url, reachable: true }] });
    } finally {
      await client.close();
    }
  });

  it('refuses a busy port with one error line and a non-zero exit', async () => {
    const holder = await listening();
    try {
      const port = (holder.address() as { port: number }).port;
      const result = await runCli([
        'serve',
        '--port',
        String(port),
        '--data-dir',
        tempDir(),
        '--comfyui',
        fake.url,
      ]);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(messageLines(result.stderr)).toEqual([
        `comfyui-mcp-bridge: port ${port} is in use; choose another with --port or stop the other process`,
      ]);
      expect(result.stderr).not.toMatch(/^\s+at /m);
    } finally {
      await new Promise((resolveClose) => holder.close(resolveClose));
    }
  });

  // Binding every interface is fine on a test machine; the test only ever connects to loopback.
  it.each([
    ['0.0.0.0', ['IPv4']],
    ['::', ['IPv4', 'IPv6']],
  ])(
    'bound to %s, advertises loopback on this machine and the LAN addresses for others, and accepts each',
    async (host, families) => {
      const dataDir = tempDir();
      const token = 'lan-token-123';
      serve = await startServe([
        ...['--host', host, '--token', token, '--port', '0', '--data-dir', dataDir],
        ...['--output-dir', tempDir(), '--comfyui', fake.url],
      ]);
      expect(serve.mcpUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
      expect(serve.dashboardUrl.startsWith(serve.mcpUrl.slice(0, -'mcp'.length))).toBe(true);
      const record = JSON.parse(readFileSync(endpointFileOf(dataDir), 'utf8')) as { mcpUrl: string };
      expect(record.mcpUrl).toBe(serve.mcpUrl);
      // Exactly the advertised URL works, for an MCP client and for the dashboard.
      expect(await toolNames(serve.mcpUrl, token)).toHaveLength(8);
      const dashboardApi = new URL(serve.dashboardUrl);
      dashboardApi.pathname = '/api/status';
      expect((await fetch(dashboardApi)).status).toBe(200);

      const { port } = new URL(serve.mcpUrl);
      const external = Object.values(networkInterfaces())
        .flatMap((entries) => entries ?? [])
        .filter((entry) => !entry.internal && families.includes(entry.family))
        .filter((entry) => !entry.address.toLowerCase().startsWith('fe80'))
        .map((entry) => (entry.family === 'IPv6' ? `[${entry.address}]` : entry.address));
      await until(() => serve!.stdout.length >= 2 + external.length, 'the lines for other machines');
      expect(serve.stdout.slice(2)).toEqual(
        external.map((address) => `From other machines: http://${address}:${port}/mcp`),
      );
      // Each LAN address passes the Host check (asked over loopback, with that Host header).
      for (const address of external) {
        const answer = await postWithHost(Number(port), `${address}:${port}`, token);
        expect(answer.status, `${address}: ${answer.body}`).not.toBe(403);
      }
    },
  );

  it('binds beyond loopback only behind the generated token, whatever --no-token-on-loopback says', async () => {
    const dataDir = tempDir();
    serve = await startServe([
      '--host',
      '0.0.0.0',
      '--port',
      '0',
      '--data-dir',
      dataDir,
      '--comfyui',
      fake.url,
      '--no-token-on-loopback',
    ]);
    const token = mcpTokenOf(dataDir);
    expect(token).toMatch(/^[\w-]{32,}$/);
    const local = `http://127.0.0.1:${new URL(serve.mcpUrl).port}/mcp`;
    expect((await fetch(local, { method: 'POST', body: '{}' })).status).toBe(401);
    expect(await toolNames(local, token)).toHaveLength(8);
  });

  it.each([
    [
      ['serve', '--bogus'],
      /^comfyui-mcp-bridge: Unknown option --bogus\. Run comfyui-mcp-bridge --help for the options\.$/m,
    ],
    [['serve', '--port', 'eighty'], /--port must be 0-65535, not "eighty"/],
    [
      ['serve', '--comfyui', 'localhost:8188'],
      /--comfyui "localhost:8188" must start with http:\/\/ or https:\/\//,
    ],
    [['launch'], /unknown command "launch"; use serve or stdio/],
  ])('answers a bad command line %j with one line and exit 2', async (args, message) => {
    const result = await runCli(args);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(message);
  });

  it('runs as `npx comfyui-mcp-bridge` from the checkout', async () => {
    const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
    const version = await runCli(['--no-install', 'comfyui-mcp-bridge', '--version'], {
      command: [npx],
      timeoutMs: 60_000,
    });
    expect(version.code).toBe(0);
    const { version: expected } = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(version.stdout.trim()).toBe(expected);
  });
});

/** An MCP initialize sent to loopback under another Host header, as a client using that address sends it. */
function postWithHost(port: number, host: string, token: string): Promise<{ status: number; body: string }> {
  const body = JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'lan', version: '1' } },
  });
  return new Promise((resolveReply, rejectReply) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/mcp',
        method: 'POST',
        headers: {
          Host: host,
          Authorization: `Bearer ${token}`,
          'Content-Type': 'application/json',
          Accept: 'application/json, text/event-stream',
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolveReply({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', rejectReply);
    req.end(body);
  });
}

function listening(): Promise<Server> {
  const server = createServer();
  return new Promise((resolveListen) => server.listen(0, '127.0.0.1', () => resolveListen(server)));
}

async function closedPort(): Promise<number> {
  const server = await listening();
  const { port } = server.address() as { port: number };
  await new Promise((resolveClose) => server.close(resolveClose));
  return port;
}
