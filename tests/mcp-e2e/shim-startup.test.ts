import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { earlyResultFor } from '../../electron/stdio/early-answer.js';
import { endpointFileOf } from '../../electron/stdio/endpoint-record.js';
import type { FakeComfyUI } from '../fakes/fake-comfyui.js';
import { binPath, cleanEnv, isBuilt, notBuiltMessage, packageRoot } from '../cli/built-cli.js';
import { removeDirs, startSd15Fake, startTestCore, until } from '../core/harness.js';

/*
 * The built shim's start-up, as a client sees it: the opening request (2025: initialize; 2026-07-28:
 * server/discover) is answered before the shim has found or proved the app, and what the client sends next
 * is served once the shim is ready, in both modes. Speed itself is the bench's (bench/shim.ts): these tests
 * check order, never time.
 */

if (!isBuilt) console.warn(`tests/mcp-e2e: ${notBuiltMessage}`);
const version = (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string })
  .version;
const clientInfo = { name: 'startup-check', version: '1' };
const initialize = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo },
};
const initialized = { jsonrpc: '2.0', method: 'notifications/initialized' };
const modernMeta = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': clientInfo,
  'io.modelcontextprotocol/clientCapabilities': {},
};
const discover = { jsonrpc: '2.0', id: 'probe-1', method: 'server/discover', params: { _meta: modernMeta } };
const toolsList = (era: '2025' | '2026') => ({
  jsonrpc: '2.0',
  id: 2,
  method: 'tools/list',
  ...(era === '2026' ? { params: { _meta: modernMeta } } : {}),
});
/** What a client of each era sends at once, without waiting for any answer. */
const opening = {
  '2025': [initialize, initialized, toolsList('2025')],
  '2026': [discover, toolsList('2026')],
};
const openingId = { '2025': 1, '2026': 'probe-1' } as const;

let fake: FakeComfyUI;
const dirs: string[] = [];
const tempDir = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
};
beforeAll(async () => {
  fake = await startSd15Fake(2);
});
afterAll(async () => {
  await fake.close();
  removeDirs(...dirs);
});

interface Reply {
  id?: unknown;
  result?: { tools?: unknown[] } & Record<string, unknown>;
  error?: { message: string };
}

/** A spawned shim that is sent `messages` at once; keeps every stdout line. */
function spawnShim(args: string[], messages: unknown[], bin = binPath) {
  const child = spawn(process.execPath, [bin, 'stdio', ...args], {
    cwd: tempDir('bridge-startup-cwd-'),
    env: cleanEnv(),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin.write(messages.map((message) => `${JSON.stringify(message)}\n`).join(''));
  const replies: Reply[] = [];
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  createInterface({ input: child.stdout }).on('line', (line) => replies.push(JSON.parse(line) as Reply));
  let hasExited = false;
  const exited = new Promise<number | null>((resolveExit) =>
    child.once('exit', (code) => {
      hasExited = true;
      resolveExit(code);
    }),
  );
  return {
    replies,
    stderr: () => stderr,
    replyTo: (id: unknown) => replies.find((reply) => reply.id === id),
    async answerTo(id: unknown, description: string) {
      // A shim that exits unanswered fails the test at once, with what it said.
      await until(() => hasExited || replies.some((reply) => reply.id === id), description, 60_000);
      const reply = replies.find((candidate) => candidate.id === id);
      if (reply === undefined) throw new Error(`the shim exited before ${description}:\n${stderr}`);
      return reply;
    },
    end() {
      child.stdin.end();
      return exited;
    },
  };
}

/**
 * A server on the recorded app's port that takes the shim's challenge and never answers it: the shim cannot
 * know yet whether the app is there (it gives up on it after its 2 s limit and treats the record as stale).
 */
async function startSilentApp() {
  const sockets = new Set<Socket>();
  let challenged = false;
  let challengeClosed = false;
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('data', () => (challenged = true));
    socket.on('close', () => (challengeClosed = challenged));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    /** The shim's challenge has been sent and has ended (given up), so the shim has decided about the app. */
    decided: () => challengeClosed,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolveClose) => server.close(resolveClose));
    },
  };
}

function recordSilentApp(dataDir: string, url: string) {
  mkdirSync(dataDir, { recursive: true });
  const record = { url, mcpUrl: `${url}/mcp`, pid: process.pid, shimSecret: 'x'.repeat(32) };
  writeFileSync(endpointFileOf(dataDir), JSON.stringify(record));
}

const inProcessArgs = (dataDir: string) => [
  ...['--port', '0', '--data-dir', dataDir, '--output-dir', join(dataDir, 'out'), '--comfyui', fake.url],
];

describe.skipIf(!isBuilt).each(['2025', '2026'] as const)('a %s-era client', (era) => {
  it('is answered before the shim has decided whether the recorded app is there, then served in-process', async () => {
    const app = await startSilentApp();
    try {
      const dataDir = tempDir('bridge-startup-data-');
      recordSilentApp(dataDir, app.url);
      const shim = spawnShim(inProcessArgs(dataDir), opening[era]);
      const answer = await shim.answerTo(openingId[era], 'the opening answer');
      expect(app.decided(), 'the app was still undecided when the answer came').toBe(false);
      expect(shim.replies[0]).toBe(answer);
      expect(answer.result).toEqual(earlyResultFor(opening[era][0]!, version));

      const tools = await shim.answerTo(2, 'tools/list, once the core runs in-process');
      expect(tools.result?.tools).toHaveLength(8);
      expect(app.decided()).toBe(true);
      expect(await shim.end()).toBe(0);
      expect(shim.stderr()).toContain('starting the bridge in-process');
      expect(shim.stderr()).not.toContain('differently');
    } finally {
      await app.close();
    }
  });

  it('forwards what follows the opening request to the running app, in order', async () => {
    const fixture = await startTestCore({ urls: [fake.url], version });
    try {
      const shim = spawnShim(['--data-dir', fixture.dataDir], opening[era]);
      const tools = await shim.answerTo(2, 'tools/list through the app');
      expect(tools.result?.tools).toHaveLength(8);
      expect(shim.replies[0]!.id).toBe(openingId[era]);
      expect(shim.replies[0]!.result).toEqual(earlyResultFor(opening[era][0]!, version));
      expect(await shim.end()).toBe(0);
      expect(shim.stderr()).toContain('forwarding to the running app');
      expect(shim.stderr()).not.toContain('differently');
    } finally {
      await fixture.core.stop();
      removeDirs(fixture.dataDir, fixture.outputDir);
    }
  });
});

describe.skipIf(!isBuilt)('the shim at start-up', () => {
  it('starts nothing for a client that leaves after the opening exchange (the 2026 probe)', async () => {
    const app = await startSilentApp();
    try {
      const dataDir = tempDir('bridge-startup-data-');
      recordSilentApp(dataDir, app.url);
      const shim = spawnShim(inProcessArgs(dataDir), [discover]);
      await shim.answerTo('probe-1', 'the discover answer');
      expect(await shim.end()).toBe(0);
      expect(shim.stderr()).toContain('the client left before it needed the bridge');
      expect(shim.stderr()).not.toContain('starting the bridge in-process');
    } finally {
      await app.close();
    }
  });

  it('warns when the app it forwards to answers otherwise (another version)', async () => {
    const fixture = await startTestCore({ urls: [fake.url], version: '9.9.9' });
    try {
      const shim = spawnShim(['--data-dir', fixture.dataDir], opening['2025']);
      await shim.answerTo(2, 'tools/list through the app');
      expect(shim.replies[0]!.result).toMatchObject({ serverInfo: { version } });
      await shim.end();
      expect(shim.stderr()).toContain('the bridge answered initialize differently');
    } finally {
      await fixture.core.stop();
      removeDirs(fixture.dataDir, fixture.outputDir);
    }
  });

  it('answers each request with the reason when the bridge cannot start, and exits 1', async () => {
    const dataDir = tempDir('bridge-startup-data-');
    writeFileSync(join(dataDir, 'settings.json'), '{"port": 8190,');
    const shim = spawnShim(inProcessArgs(dataDir), opening['2025']);
    const refused = await shim.answerTo(2, 'the refusal of tools/list');
    expect(shim.replyTo(1)?.result).toMatchObject({ serverInfo: { name: 'comfyui-mcp-bridge' } });
    expect(refused.error?.message).toMatch(/^The ComfyUI MCP Bridge could not be reached or started: .*JSON/);
    expect(await shim.end()).toBe(1);
    expect(existsSync(endpointFileOf(dataDir))).toBe(false);
  });
});

describe.skipIf(!isBuilt)('the launcher', () => {
  it('answers the opening request from one file: a package of just the launcher and the bundle answers it', async () => {
    // Node loads one CommonJS file faster than a dozen ES modules (scripts/bundle-cli.mjs): what the shim
    // needs before that answer must all be in dist/electron/cli.cjs. The rest of dist/ is absent here, so
    // the backend cannot load and every later request is refused with the reason.
    const pkg = tempDir('bridge-launcher-only-');
    for (const file of [
      'package.json',
      'bin/comfyui-mcp-bridge.js',
      'bin/package.json',
      'dist/electron/cli.cjs',
    ]) {
      mkdirSync(join(pkg, file, '..'), { recursive: true });
      copyFileSync(join(packageRoot, file), join(pkg, file));
    }
    const dataDir = tempDir('bridge-startup-data-');
    const shim = spawnShim(
      inProcessArgs(dataDir),
      opening['2025'],
      join(pkg, 'bin', 'comfyui-mcp-bridge.js'),
    );
    const refused = await shim.answerTo(2, 'the refusal of tools/list');
    expect(shim.replies[0]).toEqual({ jsonrpc: '2.0', id: 1, result: earlyResultFor(initialize, version) });
    expect(refused.error?.message).toMatch(/could not be reached or started: .*stdio[/\\]shim\.js/);
    expect(await shim.end()).toBe(1);
  });
});
