import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpointFileOf } from '../../electron/stdio/endpoint-record.js';
import { isBuilt, mcpTokenOf, notBuiltMessage, startServe, type ServeProcess } from '../cli/built-cli.js';
import { removeDirs, startSd15Fake, startTestCore, type CoreFixture } from '../core/harness.js';
import type { FakeComfyUI } from '../fakes/fake-comfyui.js';

/*
 * Another account on the same machine is an attacker: it reaches 127.0.0.1 like we do. By default /mcp and the
 * dashboard API refuse it (a token is generated at first start), the data folder is 0700 and its files 0600,
 * and folders an older version left open are tightened at start.
 */

const initialize = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'probe', version: '1' } },
});
const mcpHeaders = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

async function postInitialize(mcpUrl: string, headers: Record<string, string> = {}): Promise<number> {
  const response = await fetch(mcpUrl, {
    method: 'POST',
    headers: { ...mcpHeaders, ...headers },
    body: initialize,
  });
  await response.body?.cancel();
  return response.status;
}

const dirs: string[] = [];
let fake: FakeComfyUI;
beforeAll(async () => {
  fake = await startSd15Fake(2);
});
afterAll(async () => {
  await fake.close();
  removeDirs(...dirs);
});

describe('/mcp and the dashboard on loopback', () => {
  let fixture: CoreFixture | undefined;
  afterAll(async () => {
    await fixture?.core.stop();
    if (fixture) removeDirs(fixture.dataDir, fixture.outputDir);
  });

  it('refuse a request without the token by default (401), and answer with the generated one', async () => {
    fixture = await startTestCore({ urls: [fake.url] });
    const { mcpToken, dashboardToken } = fixture.core.settings.get();
    expect(mcpToken).toMatch(/^[\w-]{32}$/);
    expect(await postInitialize(fixture.core.mcpUrl)).toBe(401);
    expect(await postInitialize(fixture.core.mcpUrl, { authorization: 'Bearer wrong' })).toBe(401);
    expect(await postInitialize(fixture.core.mcpUrl, { authorization: `Bearer ${mcpToken}` })).toBe(200);
    const api = `${fixture.core.url}/api/status`;
    expect((await fetch(api)).status).toBe(401);
    expect((await fetch(api, { headers: { authorization: `Bearer ${dashboardToken}` } })).status).toBe(200);
  });

  it('with requireTokenOnLoopback off (the documented opt-out) /mcp answers without it; the dashboard does not', async () => {
    const open = await startTestCore({ urls: [fake.url], settings: { requireTokenOnLoopback: false } });
    try {
      expect(await postInitialize(open.core.mcpUrl)).toBe(200);
      expect((await fetch(`${open.core.url}/api/status`)).status).toBe(401);
    } finally {
      await open.core.stop();
      removeDirs(open.dataDir, open.outputDir);
    }
  });
});

const modeOf = (path: string) => statSync(path).mode & 0o777;
const posix = process.platform !== 'win32';

describe.skipIf(!isBuilt || !posix)('the data folder of `serve`', () => {
  let parent: string;
  let dataDir: string;
  let serve: ServeProcess | undefined;
  beforeAll(async () => {
    // A world-traversable parent, like a home folder: only the data folder's own modes keep others out.
    parent = mkdtempSync(join(tmpdir(), 'bridge-local-users-'));
    dirs.push(parent);
    chmodSync(parent, 0o755);
    dataDir = join(parent, 'config', 'comfyui-mcp-bridge');
    serve = await startServe(['--port', '0', '--data-dir', dataDir, '--comfyui', fake.url]);
  });
  afterAll(async () => {
    await serve?.stop();
  });

  it('is created 0700 with its files 0600', () => {
    expect(modeOf(dataDir).toString(8)).toBe('700');
    for (const folder of ['logs', 'batches'])
      expect(modeOf(join(dataDir, folder)).toString(8), folder).toBe('700');
    for (const file of ['settings.json', 'gallery.jsonl', join('logs', 'bridge.log'), 'endpoint.json'])
      expect(modeOf(join(dataDir, file)).toString(8), file).toBe('600');
  });

  const otherUser = otherAccount();
  it.skipIf(otherUser.skip !== undefined)(
    `cannot be used by another local account (${otherUser.skip ?? 'runs as nobody'})`,
    () => {
      const probe = `
        const fs = require('node:fs');
        const [mcpUrl, dataDir] = process.argv.slice(1);
        const code = (f) => { try { f(); return 'read'; } catch (e) { return e.code; } };
        (async () => {
          const mcp = await fetch(mcpUrl, { method: 'POST', headers: ${JSON.stringify(mcpHeaders)}, body: ${JSON.stringify(initialize)} });
          const api = await fetch(new URL('/api/status', mcpUrl));
          console.log(JSON.stringify({
            uid: process.getuid(),
            mcp: mcp.status,
            api: api.status,
            settings: code(() => fs.readFileSync(dataDir + '/settings.json')),
            endpoint: code(() => fs.readFileSync(dataDir + '/endpoint.json')),
            listing: code(() => fs.readdirSync(dataDir)),
          }));
        })();`;
      const run = spawnSync(
        'setpriv',
        [
          `--reuid=${otherUser.uid}`,
          `--regid=${otherUser.gid}`,
          '--clear-groups',
          '--',
          process.execPath,
          '-e',
          probe,
          serve!.mcpUrl,
          dataDir,
        ],
        { cwd: '/', encoding: 'utf8', timeout: 20_000 },
      );
      expect(run.status, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout)).toEqual({
        uid: otherUser.uid,
        mcp: 401,
        api: 401,
        settings: 'EACCES',
        endpoint: 'EACCES',
        listing: 'EACCES',
      });
    },
  );
});

describe.skipIf(!isBuilt || !posix)('a data folder an older version left open', () => {
  it('is tightened at start: the folder 0700, its files 0600', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'bridge-local-users-old-'));
    dirs.push(parent);
    const dataDir = join(parent, 'data');
    mkdirSync(join(dataDir, 'logs'), { recursive: true, mode: 0o755 });
    mkdirSync(join(dataDir, 'batches'), { mode: 0o755 });
    const leftovers = [
      'settings.json',
      'gallery.jsonl',
      join('logs', 'bridge.log'),
      join('logs', 'stdio.log'),
    ];
    for (const file of leftovers) writeFileSync(join(dataDir, file), file.endsWith('.json') ? '{}' : '');
    for (const path of [dataDir, join(dataDir, 'logs'), join(dataDir, 'batches')]) chmodSync(path, 0o755);
    for (const file of leftovers) chmodSync(join(dataDir, file), 0o644);

    const serve = await startServe(['--port', '0', '--data-dir', dataDir, '--comfyui', fake.url]);
    try {
      expect(existsSync(endpointFileOf(dataDir))).toBe(true);
      expect(mcpTokenOf(dataDir)).toMatch(/^[\w-]{32}$/);
      for (const folder of ['', 'logs', 'batches'])
        expect(modeOf(join(dataDir, folder)).toString(8), folder || 'data folder').toBe('700');
      for (const file of leftovers) expect(modeOf(join(dataDir, file)).toString(8), file).toBe('600');
    } finally {
      await serve.stop();
    }
  });
});

/** A second real account to run a probe as: `nobody`, when we are root on Linux with setpriv. */
function otherAccount(): { uid: number; gid: number; skip?: string } {
  if (process.platform !== 'linux') return { uid: -1, gid: -1, skip: 'skipped: needs Linux' };
  if (process.getuid?.() !== 0)
    return { uid: -1, gid: -1, skip: 'skipped: switching to another account needs root' };
  try {
    execFileSync('setpriv', ['--version'], { stdio: 'ignore' });
    const uid = Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'nobody'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    return { uid: -1, gid: -1, skip: 'skipped: no setpriv or no `nobody` account on this machine' };
  }
}

if (!isBuilt) console.warn(`tests/reliability/local-users: ${notBuiltMessage}`);
