import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { connectInfoSchema } from '../../shared/dashboard-api.js';
import { connectInfo } from '../../electron/dashboard/connect.js';
import { etagOf } from '../../electron/dashboard/images.js';
import { packageRootOf, rendererDirFor } from '../../electron/dashboard/package-files.js';
import { matchRoute } from '../../electron/dashboard/routes.js';
import { createKeyedThrottle } from '../../electron/dashboard/throttle.js';
import { hasRequestToken, tokensEqual } from '../../electron/http/guard.js';

describe('route matching', () => {
  it('matches every contract route and its id', () => {
    expect(matchRoute('GET', '/api/status')).toEqual({ kind: 'api', name: 'status' });
    expect(matchRoute('POST', '/api/batches/b_1/cancel')).toEqual({
      kind: 'api',
      name: 'cancelBatch',
      id: 'b_1',
    });
    expect(matchRoute('DELETE', '/api/gallery/a%20b')).toEqual({
      kind: 'api',
      name: 'deleteImage',
      id: 'a b',
    });
    expect(matchRoute('PATCH', '/api/settings')).toEqual({ kind: 'api', name: 'updateSettings' });
    expect(matchRoute('GET', '/api/gallery/x/thumbnail')).toEqual({
      kind: 'image',
      name: 'thumbnail',
      id: 'x',
    });
    expect(matchRoute('HEAD', '/api/gallery/x/image')).toEqual({ kind: 'image', name: 'full', id: 'x' });
  });

  it('tells a wrong method from a missing route', () => {
    expect(matchRoute('PUT', '/api/settings')).toEqual({ kind: 'wrong_method', allowed: ['GET', 'PATCH'] });
    expect(matchRoute('GET', '/api/gallery//thumbnail')).toEqual({ kind: 'none' });
    expect(matchRoute('GET', '/api/gallery/%E0%A4%A/image')).toEqual({ kind: 'none' });
    expect(matchRoute('GET', '/api/status/extra')).toEqual({ kind: 'none' });
  });
});

describe('dashboard token', () => {
  it('is accepted as a bearer token or in the query, and only exactly', () => {
    expect(hasRequestToken({ authorization: 'Bearer abc' }, '/api/status', 'abc')).toBe(true);
    expect(hasRequestToken({}, '/api/status?token=abc', 'abc')).toBe(true);
    expect(hasRequestToken({}, '/api/status?token=ab', 'abc')).toBe(false);
    expect(hasRequestToken({ authorization: 'Bearer abcd' }, '/api/status', 'abc')).toBe(false);
    expect(hasRequestToken({}, '/api/status?token=', '')).toBe(false);
    expect(tokensEqual('', '')).toBe(false);
  });
});

interface ServerEntry {
  headers?: Record<string, string>;
  env?: Record<string, string>;
}
const entryOf = (text: string) =>
  (JSON.parse(text) as { mcpServers: { comfyui: ServerEntry } }).mcpServers.comfyui;

describe('connect snippets', () => {
  const shim = { command: '/usr/bin/node', args: ['/app/bin/comfyui-mcp-bridge.js', 'stdio'] };

  it('fills the real URL into each client config, in the shape each client expects', () => {
    const info = connectInfo({
      mcpUrl: 'http://127.0.0.1:8190/mcp',
      mcpToken: '',
      shim,
      platform: 'darwin',
      mcpb: { fileName: 'comfyui-mcp-bridge-0.1.0-darwin-arm64.mcpb', available: false },
    });
    connectInfoSchema.parse(info);
    const text = Object.fromEntries(info.snippets.map((snippet) => [snippet.client, snippet.text]));
    expect(text['claude-code']).toBe(
      'claude mcp add --transport http --scope user comfyui http://127.0.0.1:8190/mcp',
    );
    expect(JSON.parse(text.cursor!)).toEqual({
      mcpServers: { comfyui: { url: 'http://127.0.0.1:8190/mcp' } },
    });
    expect(JSON.parse(text.vscode!)).toEqual({
      servers: { comfyui: { type: 'http', url: 'http://127.0.0.1:8190/mcp' } },
    });
    expect(JSON.parse(text.cline!)).toEqual({
      mcpServers: { comfyui: { type: 'streamableHttp', url: 'http://127.0.0.1:8190/mcp', timeout: 300 } },
    });
    expect(JSON.parse(text['claude-desktop']!)).toEqual({ mcpServers: { comfyui: shim } });
    expect(info.snippets.find((snippet) => snippet.client === 'claude-desktop')!.where).toContain(
      'Library/Application Support/Claude',
    );
  });

  it('adds the /mcp token where one is set, and the shim environment where it needs one', () => {
    const info = connectInfo({
      mcpUrl: 'http://10.0.0.2:8190/mcp',
      mcpToken: 'tok',
      mcpb: { fileName: 'comfyui-mcp-bridge-0.1.0-win32-x64.mcpb', available: true },
      shim: { ...shim, env: { ELECTRON_RUN_AS_NODE: '1' } },
      platform: 'win32',
    });
    const text = Object.fromEntries(info.snippets.map((snippet) => [snippet.client, snippet.text]));
    expect(text['claude-code']).toBe(
      'claude mcp add --transport http --scope user comfyui http://10.0.0.2:8190/mcp --header "Authorization: Bearer tok"',
    );
    for (const client of ['cursor', 'cline'] as const)
      expect(entryOf(text[client]!).headers).toEqual({ Authorization: 'Bearer tok' });
    expect(
      (JSON.parse(text.vscode!) as { servers: { comfyui: { headers: unknown } } }).servers.comfyui.headers,
    ).toEqual({ Authorization: 'Bearer tok' });
    // The stdio shim reads the token from the data folder: it is never on a command line.
    expect(text['claude-desktop']).not.toContain('tok"');
    expect(entryOf(text['claude-desktop']!).env).toEqual({ ELECTRON_RUN_AS_NODE: '1' });
    expect(info.shim.env).toEqual({ ELECTRON_RUN_AS_NODE: '1' });
    expect(info.snippets.find((snippet) => snippet.client === 'claude-desktop')!.where).toContain(
      '%APPDATA%',
    );
  });
});

describe('package files', () => {
  it('finds the package root (the folder with the launcher) from a module folder', () => {
    expect(packageRootOf(import.meta.dirname)).toBe(join(import.meta.dirname, '..', '..'));
    expect(packageRootOf(tmpdir())).toBeUndefined();
  });
});

describe('renderer location', () => {
  it('is dist/renderer beside the built core, and <root>/dist/renderer from source', () => {
    const root = `${sep}pkg`;
    expect(rendererDirFor(join(root, 'dist', 'electron', 'dashboard'))).toBe(join(root, 'dist', 'renderer'));
    expect(rendererDirFor(join(root, 'dist', 'electron'))).toBe(join(root, 'dist', 'renderer'));
    expect(rendererDirFor(join(root, 'electron', 'dashboard'))).toBe(join(root, 'dist', 'renderer'));
    expect(rendererDirFor(join(root, 'app.asar', 'dist', 'electron'))).toBe(
      join(root, 'app.asar', 'dist', 'renderer'),
    );
  });
});

describe('image ETag', () => {
  it('changes with the file and differs between thumbnail and full image', () => {
    const info = { size: 100, mtimeMs: 1_700_000_000_123.4 };
    expect(etagOf(info, 'full')).not.toBe(etagOf(info, 'thumbnail'));
    expect(etagOf(info, 'full')).not.toBe(etagOf({ ...info, size: 101 }, 'full'));
    expect(etagOf(info, 'full')).not.toBe(etagOf({ ...info, mtimeMs: info.mtimeMs + 1000 }, 'full'));
  });
});

describe('keyed throttle', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends the first change at once and folds a burst into one trailing flush per interval', () => {
    const flushed: string[] = [];
    const throttle = createKeyedThrottle<string>(100, (key) => flushed.push(key));
    throttle.schedule('a');
    expect(flushed).toEqual(['a']);
    for (let i = 0; i < 50; i++) throttle.schedule('a');
    throttle.schedule('b');
    expect(flushed).toEqual(['a', 'b']);
    vi.advanceTimersByTime(100);
    expect(flushed).toEqual(['a', 'b', 'a']);
    vi.advanceTimersByTime(1_000);
    expect(flushed).toEqual(['a', 'b', 'a']);
  });

  it('flushes a key at most ten times a second at 100 ms under a steady stream', () => {
    let flushes = 0;
    const throttle = createKeyedThrottle<string>(100, () => flushes++);
    for (let ms = 0; ms < 1_000; ms += 5) {
      throttle.schedule('batch');
      vi.advanceTimersByTime(5);
    }
    expect(flushes).toBeLessThanOrEqual(11);
    expect(flushes).toBeGreaterThanOrEqual(9);
  });

  it('drops pending flushes when closed', () => {
    const flushed: string[] = [];
    const throttle = createKeyedThrottle<string>(100, (key) => flushed.push(key));
    throttle.schedule('a');
    throttle.schedule('a');
    throttle.close();
    vi.advanceTimersByTime(500);
    throttle.schedule('a');
    expect(flushed).toEqual(['a']);
  });
});
