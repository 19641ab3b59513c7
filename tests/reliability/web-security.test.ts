import { request } from 'node:http';
import { existsSync, mkdirSync, readdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeComfyUI, type FakeComfyUI } from '../fakes/fake-comfyui.js';
import { connect, type CallResult, type TestClient } from '../mcp/harness.js';
import {
  removeDirs,
  sd15Models,
  snapshotTree,
  startReliabilityCore,
  tempDir,
  type ReliabilityCore,
} from './fixtures.js';

/*
 * Paths and web security over real HTTP against a real core: DNS rebinding (a foreign Host), cross-site Origins,
 * missing or wrong tokens, and every known way to make a save or read path leave the allowed folders.
 */

const token = 'reliability-token-3f9c2a';

interface RawAnswer {
  status: number;
  body: string;
}

/** A raw HTTP request, so Host and Origin can be set to what a hostile page's browser would send. */
function rawRequest(url: string, headers: Record<string, string>, body = ''): Promise<RawAnswer> {
  const target = new URL(url);
  return new Promise((resolveAnswer, rejectAnswer) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        setHost: false,
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'content-length': Buffer.byteLength(body),
          ...headers,
        },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        res.on('end', () => resolveAnswer({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', rejectAnswer);
    req.end(body);
  });
}

const initialize = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'probe', version: '1' } },
});

function errorCode(result: CallResult): string | undefined {
  return (result.structuredContent as { error?: { code?: string } } | undefined)?.error?.code;
}

function errorText(result: CallResult): string {
  return result.content.map((block) => (block.type === 'text' ? String(block.text) : '')).join('');
}

describe('web security and path confinement over real HTTP', () => {
  let fixture: ReliabilityCore;
  let fake: FakeComfyUI;
  let client: TestClient;
  let base: string;
  let project: string;
  let outside: string;
  let port: string;

  beforeAll(async () => {
    base = realpathSync(tempDir('security'));
    project = join(base, 'project');
    outside = join(base, 'outside');
    mkdirSync(project);
    mkdirSync(outside);
    const png = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#808080' } })
      .png()
      .toBuffer();
    writeFileSync(join(outside, 'secret.png'), png);
    writeFileSync(join(project, 'mine.png'), png);
    symlinkSync(outside, join(project, 'escape'), 'dir');
    // On Windows this is a real junction; elsewhere Node makes a directory symlink, the same kind of escape.
    symlinkSync(outside, join(project, 'junction'), 'junction');
    symlinkSync(join(outside, 'secret.png'), join(project, 'linked.png'));
    // Names convert_image would write next to mine.png, planted as links to the outside (dangling: a followed
    // link would create the file there).
    symlinkSync(join(outside, 'planted.avif'), join(project, 'mine.avif'));
    symlinkSync(join(outside, 'planted-16.jpg'), join(project, 'mine-16.jpg'));
    fake = await startFakeComfyUI({ models: sd15Models, stepMs: 1 });
    fixture = await startReliabilityCore({
      urls: [fake.url],
      outputDir: join(base, 'out'),
      settings: { mcpToken: token },
    });
    port = new URL(fixture.core.url).port;
    client = await connect('2026', new URL(fixture.core.mcpUrl), { roots: [project], token });
  });

  afterAll(async () => {
    await client?.close();
    await fixture?.core.stop();
    await fake?.close();
    removeDirs(base, fixture?.dataDir ?? '');
  });

  describe('HTTP guard', () => {
    const authorised = () => ({ authorization: `Bearer ${token}` });

    it.each([
      ['a rebinding host name', 'attacker.example'],
      ['a look-alike of localhost', 'localhost.attacker.example'],
      ['a wildcard-DNS name for 127.0.0.1', '127.0.0.1.nip.io'],
      ['our name on another port', '127.0.0.1:1'],
      ['our name with no port', '127.0.0.1'],
      ['an empty host', ''],
    ])('refuses %s in Host with 403', async (_label, host) => {
      const hostHeader = host.includes(':') || host === '127.0.0.1' || host === '' ? host : `${host}:${port}`;
      const answer = await rawRequest(fixture.core.mcpUrl, { ...authorised(), host: hostHeader }, initialize);
      expect(answer.status).toBe(403);
      expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'forbidden_host' } });
    });

    it.each([
      ['a cross-site page', 'https://attacker.example'],
      ['a page on another local port', 'http://127.0.0.1:1'],
      ['a sandboxed iframe (Origin: null)', 'null'],
      ['a file: page', 'file://'],
      ['a look-alike of localhost', `http://localhost.attacker.example:${'PORT'}`],
    ])('refuses %s in Origin with 403', async (_label, origin) => {
      const answer = await rawRequest(
        fixture.core.mcpUrl,
        { ...authorised(), host: `127.0.0.1:${port}`, origin: origin.replace('PORT', port) },
        initialize,
      );
      expect(answer.status).toBe(403);
      expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'forbidden_origin' } });
    });

    it.each([
      ['no token', {}],
      ['a wrong token', { authorization: 'Bearer not-the-token' }],
      ['the token with one character more', { authorization: `Bearer ${token}x` }],
      ['a prefix of the token', { authorization: `Bearer ${token.slice(0, -1)}` }],
      ['the token as Basic auth', { authorization: `Basic ${Buffer.from(`u:${token}`).toString('base64')}` }],
      ['the token without the scheme', { authorization: token }],
    ])('refuses %s with 401', async (_label, headers: Record<string, string>) => {
      const answer = await rawRequest(
        fixture.core.mcpUrl,
        { host: `127.0.0.1:${port}`, ...headers },
        initialize,
      );
      expect(answer.status).toBe(401);
      expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'unauthorized' } });
    });

    it('accepts our own host names and origin with the token', async () => {
      for (const host of [`127.0.0.1:${port}`, `localhost:${port}`]) {
        const answer = await rawRequest(
          fixture.core.mcpUrl,
          { ...authorised(), host, origin: `http://${host}` },
          initialize,
        );
        expect(answer.status, host).toBe(200);
      }
    });

    it('keeps working for the real client after all the refusals', async () => {
      expect((await client.listTools()).tools).toHaveLength(8);
    });
  });

  describe('save paths', () => {
    const generate = (savePath: string) =>
      client.callTool('generate_image', {
        prompt: 'path probe',
        save_path: savePath,
        workflow: 'test-pattern',
        width: 64,
        height: 64,
        wait_seconds: 30,
      });

    it.each([
      ['traversal', '../outside/x.png', 'path_outside_allowed_folders'],
      ['traversal with backslashes', '..\\outside\\x.png', 'path_outside_allowed_folders'],
      ['deep traversal', 'a/b/../../../outside/x.png', 'path_outside_allowed_folders'],
      ['an absolute path outside', '/etc/cron.d/x.png', 'path_outside_allowed_folders'],
      ['a symlinked folder leading out', 'escape/x.png', 'path_symlink'],
      ['a junction leading out', 'junction/x.png', 'path_symlink'],
      ['a symlinked file', 'linked.png', 'path_symlink'],
      ['a device name', 'CON.png', 'path_invalid_path'],
      ['a device name with superscript digit', 'COM¹.png', 'path_invalid_path'],
      ['a device name in a folder', 'aux/x.png', 'path_invalid_path'],
      ['a name over 255 bytes', `${'n'.repeat(300)}.png`, 'path_invalid_path'],
      ['a path over 4096 bytes', `${'d/'.repeat(2100)}x.png`, 'path_invalid_path'],
      ['a two-dot leader (NFKC "..")', '\u2025/outside/x.png', 'path_invalid_path'],
      ['fullwidth full stops (NFKC "..")', '\uff0e\uff0e/outside/x.png', 'path_invalid_path'],
      ['a fullwidth solidus (NFKC "/")', '..\uff0foutside\uff0fx.png', 'path_invalid_path'],
      ['a NUL byte', 'x\u0000.png', 'path_invalid_path'],
      ['a reserved character', 'what?.png', 'path_invalid_path'],
      ['a folder name with a trailing dot', 'folder./x.png', 'path_invalid_path'],
    ])('refuses %s', async (_label, savePath, code) => {
      const before = snapshotTree(outside);
      const result = await generate(savePath);
      expect(result.isError).toBe(true);
      expect(errorCode(result)).toBe(code);
      expect(errorText(result).length).toBeGreaterThan(20);
      expect(snapshotTree(outside)).toEqual(before);
    });

    it('refuses a link planted after the call was accepted, at write time', async () => {
      const before = snapshotTree(outside);
      fixture.core.settings.update({ paused: true });
      const started = await client.callTool('generate_image', {
        prompt: 'planted link',
        save_path: 'planted/x.png',
        workflow: 'test-pattern',
        width: 64,
        height: 64,
        wait_seconds: 0,
      });
      expect(started.structuredContent).toMatchObject({ status: 'running' });
      symlinkSync(outside, join(project, 'planted'), 'dir');
      fixture.core.settings.update({ paused: false });
      const batchId = (started.structuredContent as { batch_id: string }).batch_id;
      const status = await client.callTool('check_batch_status', { batch_id: batchId, wait_seconds: 30 });
      expect(status.structuredContent).toMatchObject({ done: true, failed: 1 });
      const item = (status.structuredContent as { items: { error?: { code: string } }[] }).items[0]!;
      expect(item.error?.code).toBe('path_refused');
      expect(snapshotTree(outside)).toEqual(before);
    });

    it('stores a decomposed (NFD) name in its composed (NFC) form, inside the project', async () => {
      const result = await generate('caf\u0065\u0301.png');
      expect(result.isError).toBeFalsy();
      const path = (result.structuredContent as { images: { path: string }[] }).images[0]!.path;
      expect(path).toBe(join(project, 'caf\u00e9.png'));
      expect(readdirSync(project)).toContain('caf\u00e9.png');
      expect(existsSync(join(project, 'caf\u0065\u0301.png'))).toBe(false);
    });
  });

  describe('read paths', () => {
    it.each([
      ['convert_image', { paths: ['linked.png'] }, 'path_symlink'],
      ['convert_image', { paths: ['escape/secret.png'] }, 'path_symlink'],
      ['convert_image', { paths: ['../outside/secret.png'] }, 'path_outside_allowed_folders'],
      ['convert_image', { paths: ['escape/secret.png'], web: 'card' }, 'path_symlink'],
      ['convert_image', { paths: ['mine.png'], format: 'avif' }, 'path_symlink'],
      ['convert_image', { paths: ['mine.png'], format: 'webp', web: { formats: ['jpeg'] } }, 'write_exists'],
      ['convert_image', { directory: 'junction' }, 'path_symlink'],
      ['convert_image', { paths: ['mine.png', '../outside/secret.png'] }, 'path_outside_allowed_folders'],
      ['list_generated_images', { directory: 'escape' }, 'path_symlink'],
      ['list_generated_images', { directory: '/' }, 'path_outside_allowed_folders'],
    ])('%s %j is refused', async (tool, args, code) => {
      const before = snapshotTree(outside);
      const result = await client.callTool(tool, args);
      expect(result.isError).toBe(true);
      expect(errorCode(result)).toBe(code);
      expect(snapshotTree(outside)).toEqual(before);
      // A refused conversion leaves nothing beside the original (mine.webp was written, then removed).
      expect(existsSync(join(project, 'mine.webp'))).toBe(false);
    });
  });
});
