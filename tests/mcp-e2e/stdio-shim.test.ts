import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { endpointFileOf } from '../../electron/stdio/endpoint-record.js';
import type { FakeComfyUI } from '../fakes/fake-comfyui.js';
import { binPath, cleanEnv, isBuilt, notBuiltMessage, startServe } from '../cli/built-cli.js';
import { removeDirs, tempDirs, startSd15Fake, startTestCore, until } from '../core/harness.js';
import { connect, type E2eClient } from './clients.js';

/*
 * The stdio launcher shim on its own: when no app runs on the data folder (no endpoint file, a dead pid, a
 * pid whose port does not answer) it starts the core in-process; its stdout carries JSON-RPC and nothing
 * else, in both modes; it exits when the client closes stdin.
 */

if (!isBuilt) console.warn(`tests/mcp-e2e: ${notBuiltMessage}`);
const size = { workflow: 'sd15', width: 96, height: 64 };

let fake: FakeComfyUI;
const { tempDir, removeTempDirs } = tempDirs();
beforeAll(async () => {
  fake = await startSd15Fake(2);
});
afterAll(async () => {
  await fake.close();
  removeTempDirs();
});

function inProcessArgs(dataDir: string) {
  return ['--port', '0', '--data-dir', dataDir, '--output-dir', join(dataDir, 'out'), '--comfyui', fake.url];
}

describe.skipIf(!isBuilt).each(['2025', '2026'] as const)('%s-era client, no app running', (era) => {
  let client: E2eClient | undefined;
  afterEach(async () => {
    await client?.close();
    client = undefined;
    fake.setStepMs(2);
  });

  it("starts the core in-process; a relative save path lands in the shim's working directory", async () => {
    const dataDir = tempDir('bridge-shim-data-');
    const project = tempDir('bridge-shim-project-');
    client = await connect(era, 'stdio', { shimArgs: inProcessArgs(dataDir), cwd: project });
    const progress: string[] = [];
    const result = await client.call(
      'generate_image',
      { prompt: 'a fox', save_path: 'assets/fox.webp', ...size },
      { onprogress: (update) => progress.push(update.message ?? '') },
    );
    expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
    expect(result.structuredContent).toMatchObject({
      status: 'completed',
      images: [{ path: join(project, 'assets', 'fox.webp'), format: 'webp', width: 96, height: 64 }],
    });
    expect(existsSync(join(project, 'assets', 'fox.webp'))).toBe(true);
    expect(progress.some((message) => message.startsWith('step '))).toBe(true);
    expect(client.stderr()).toContain('starting the bridge in-process');
    // Other shims on this data folder can now forward to this one.
    expect(existsSync(endpointFileOf(dataDir))).toBe(true);
  });

  it('cancelling the call interrupts the ComfyUI job', async () => {
    const dataDir = tempDir('bridge-shim-data-');
    client = await connect(era, 'stdio', {
      shimArgs: inProcessArgs(dataDir),
      cwd: tempDir('bridge-shim-cwd-'),
    });
    fake.setStepMs(100);
    const submittedBefore = fake.submitted.length;
    const controller = new AbortController();
    let sampling = false;
    const call = client.call(
      'generate_image',
      { prompt: 'stopped early', ...size },
      {
        signal: controller.signal,
        onprogress: (update) => (sampling ||= /^step /.test(update.message ?? '')),
      },
    );
    call.catch(() => undefined);
    await until(() => sampling, 'ComfyUI sampling the prompt');
    const promptId = fake.submitted[submittedBefore]!.promptId;
    controller.abort();
    await expect(call).rejects.toThrow();
    await until(() => fake.queueLength === 0, 'ComfyUI idle again');
    const history = (await (await fetch(`${fake.url}/history/${promptId}`)).json()) as Record<
      string,
      { status: { messages: [string, unknown][] } }
    >;
    expect(history[promptId]?.status.messages.map(([event]) => event)).toContain('execution_interrupted');
    expect(fake.executions.get(promptId)).toBeUndefined();
  });
});

/** Speaks raw JSON-RPC to a spawned shim and keeps every stdout line, to prove nothing else gets there. */
function rawShim(args: string[], cwd: string) {
  const child = spawn(process.execPath, [binPath, 'stdio', ...args], {
    cwd,
    env: cleanEnv(),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  createInterface({ input: child.stdout }).on('line', (line) => lines.push(line));
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  const replyTo = (id: number) =>
    lines
      .map((line) => JSON.parse(line) as { id?: number; result?: unknown })
      .find((message) => message.id === id);
  return {
    lines,
    stderr: () => stderr,
    send: (message: unknown) => child.stdin.write(`${JSON.stringify(message)}\n`),
    async request(id: number, method: string, params: unknown) {
      child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
      await until(() => replyTo(id) !== undefined, `the answer to ${method}`);
      return replyTo(id)!;
    },
    async end() {
      child.stdin.end();
      return exited;
    },
  };
}

async function legacySession(shim: ReturnType<typeof rawShim>) {
  const init = await shim.request(1, 'initialize', {
    protocolVersion: '2025-06-18',
    capabilities: {},
    clientInfo: { name: 'raw', version: '1' },
  });
  expect(init.result).toMatchObject({ serverInfo: { name: 'comfyui-mcp-bridge' } });
  shim.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  const tools = await shim.request(2, 'tools/list', {});
  expect((tools.result as { tools: unknown[] }).tools).toHaveLength(8);
  const call = await shim.request(3, 'tools/call', {
    name: 'generate_image',
    arguments: { prompt: 'stdout check', ...size },
    _meta: { progressToken: 'p' },
  });
  expect(call.result).toMatchObject({ structuredContent: { status: 'completed' } });
}

function expectOnlyJsonRpc(lines: string[]) {
  expect(lines.length).toBeGreaterThanOrEqual(3);
  for (const line of lines) expect(JSON.parse(line), line).toMatchObject({ jsonrpc: '2.0' });
}

describe.skipIf(!isBuilt)('the shim', () => {
  it('writes only JSON-RPC to stdout and exits 0 when stdin closes (in-process)', async () => {
    const dataDir = tempDir('bridge-shim-data-');
    const shim = rawShim(inProcessArgs(dataDir), tempDir('bridge-shim-cwd-'));
    await legacySession(shim);
    expect(await shim.end()).toBe(0);
    expectOnlyJsonRpc(shim.lines);
    expect(shim.stderr()).toContain('starting the bridge in-process');
    expect(existsSync(endpointFileOf(dataDir))).toBe(false);
  });

  it('writes only JSON-RPC to stdout when forwarding, and leaves the app running', async () => {
    const fixture = await startTestCore({ urls: [fake.url] });
    try {
      const shim = rawShim(['--data-dir', fixture.dataDir], tempDir('bridge-shim-cwd-'));
      await legacySession(shim);
      expect(await shim.end()).toBe(0);
      expectOnlyJsonRpc(shim.lines);
      expect(shim.stderr()).toContain('forwarding to the running app');
      expect(existsSync(endpointFileOf(fixture.dataDir))).toBe(true);
    } finally {
      await fixture.core.stop();
      removeDirs(fixture.dataDir, fixture.outputDir);
    }
  });

  it('forwards to a `serve --host 0.0.0.0` on this machine, through the address it advertised', async () => {
    const dataDir = tempDir('bridge-shim-data-');
    const token = 'lan-token-456';
    const serve = await startServe([
      ...['--host', '0.0.0.0', '--token', token, '--port', '0', '--data-dir', dataDir],
      ...['--output-dir', join(dataDir, 'out'), '--comfyui', fake.url],
    ]);
    try {
      const shim = rawShim(['--data-dir', dataDir, '--token', token], tempDir('bridge-shim-cwd-'));
      await legacySession(shim);
      expect(await shim.end()).toBe(0);
      expect(shim.stderr()).toContain('forwarding to the running app');
      expect(shim.stderr()).not.toContain('starting the bridge in-process');
    } finally {
      await serve.stop();
    }
  });

  it('starts in-process when the endpoint file names a dead process', async () => {
    const dataDir = tempDir('bridge-shim-data-');
    const dead = spawn(process.execPath, ['-e', '']);
    await new Promise((resolveExit) => dead.once('exit', resolveExit));
    writeRecord(dataDir, { pid: dead.pid!, mcpUrl: 'http://127.0.0.1:9/mcp' });
    const shim = rawShim(inProcessArgs(dataDir), tempDir('bridge-shim-cwd-'));
    await legacySession(shim);
    await shim.end();
    expect(shim.stderr()).toContain('starting the bridge in-process');
  });

  it('starts in-process when the recorded process is alive but nothing answers at its address', async () => {
    const dataDir = tempDir('bridge-shim-data-');
    writeRecord(dataDir, { pid: process.pid, mcpUrl: `http://127.0.0.1:${await closedPort()}/mcp` });
    const shim = rawShim(inProcessArgs(dataDir), tempDir('bridge-shim-cwd-'));
    await legacySession(shim);
    await shim.end();
    expect(shim.stderr()).toContain('starting the bridge in-process');
  });

  it('sends an impostor on a stale record’s port nothing but the challenge, then starts its own core', async () => {
    // After a crash: the recorded pid is alive again (reused) and another program listens on the old port.
    const impostor = await startImpostor();
    try {
      const dataDir = tempDir('bridge-shim-data-');
      const token = `stored-token-${randomBytes(12).toString('hex')}`;
      writeFileSync(join(dataDir, 'settings.json'), JSON.stringify({ mcpToken: token }));
      const secret = randomBytes(24).toString('base64url');
      writeRecord(dataDir, { pid: process.pid, mcpUrl: `${impostor.url}/mcp` }, secret);
      const cwd = tempDir('bridge-shim-cwd-secret-project-');
      const shim = rawShim(inProcessArgs(dataDir), cwd);
      await legacySession(shim);
      await shim.end();
      expect(shim.stderr()).toContain('endpoint.json is stale');
      expect(shim.stderr()).toContain('starting the bridge in-process');

      const received = impostor.received();
      const requestLines = received.split('\r\n').filter((line) => /^[A-Z]+ \S+ HTTP\/1\.1$/.test(line));
      expect(requestLines).toEqual([
        expect.stringMatching(/^GET \/shim\/hello\?nonce=[\w-]{43} HTTP\/1\.1$/),
      ]);
      for (const leak of [token, secret, cwd, encodeURIComponent(cwd), 'jsonrpc', 'x-comfyui-bridge'])
        expect(received, leak).not.toContain(leak);
      expect(received.toLowerCase()).not.toContain('authorization');
    } finally {
      await impostor.close();
    }
  });
});

/**
 * A server that is not the bridge: keeps every byte it receives and answers each request with a forged
 * hello (well-formed, but made without the secret) and a 200, whatever was asked.
 */
async function startImpostor() {
  const chunks: Buffer[] = [];
  const forged = JSON.stringify({
    server_nonce: randomBytes(32).toString('base64url'),
    proof: randomBytes(32).toString('base64url'),
  });
  const server = createServer((socket) => {
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if (!Buffer.concat(chunks).includes('\r\n\r\n')) return;
      socket.end(
        `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${forged.length}\r\n` +
          `Connection: close\r\n\r\n${forged}`,
      );
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    received: () => Buffer.concat(chunks).toString('latin1'),
    close: () => new Promise((resolveClose) => server.close(resolveClose)),
  };
}

function writeRecord(dataDir: string, record: { pid: number; mcpUrl: string }, secret = 'x'.repeat(32)) {
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(
    endpointFileOf(dataDir),
    JSON.stringify({ url: new URL(record.mcpUrl).origin, shimSecret: secret, ...record }),
  );
}

/** A port that was free a moment ago and has nothing listening now. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  const { port } = server.address() as { port: number };
  await new Promise((resolveClose) => server.close(resolveClose));
  return port;
}
