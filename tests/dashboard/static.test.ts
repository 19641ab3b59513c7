import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaticSite, staticFileFor } from '../../electron/dashboard/static-files.js';
import { createHttpServer, type BridgeHttpServer } from '../../electron/http/server.js';
import { silentLogger } from '../../electron/log.js';
import { removeDirs } from '../core/harness.js';
import { send } from './helpers.js';

describe('static file paths', () => {
  const root = join(tmpdir(), 'site');
  it('maps / to index.html and plain paths inside the folder', () => {
    expect(staticFileFor(root, '/')).toBe(join(root, 'index.html'));
    expect(staticFileFor(root, '/assets/index-1a2b.js')).toBe(join(root, 'assets', 'index-1a2b.js'));
    expect(staticFileFor(root, '/assets/a%20b.css')).toBe(join(root, 'assets', 'a b.css'));
  });

  it('refuses traversal, dotfiles, empty segments, backslashes, NULs and encoded slashes', () => {
    for (const path of [
      '/../secret',
      '/assets/../../secret',
      '/%2e%2e/secret',
      '/.env',
      '/assets/.hidden',
      '/assets//x.js',
      '/assets/',
      '/..%5csecret',
      '/a%00.js',
      '/assets%2findex.js',
      '/%E0%A4%A',
    ])
      expect(staticFileFor(root, path), path).toBeUndefined();
  });
});

describe('the built dashboard over HTTP', () => {
  let dir: string;
  let server: BridgeHttpServer;
  let missing: BridgeHttpServer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'renderer-'));
    const site = join(dir, 'site');
    mkdirSync(join(site, 'assets'), { recursive: true });
    writeFileSync(join(site, 'index.html'), '<!doctype html><title>Bridge</title>');
    writeFileSync(join(site, 'assets', 'index-1a2b.js'), 'console.log(1)');
    writeFileSync(join(site, 'assets', 'index-1a2b.css'), 'body{}');
    writeFileSync(join(site, '.env'), 'SECRET=1');
    writeFileSync(join(dir, 'outside.txt'), 'OUTSIDE-CONTENT');
    symlinkSync(join(dir, 'outside.txt'), join(site, 'assets', 'escape.txt'));
    const handlers = {
      logger: silentLogger,
      port: 0,
      mcpHandler: () => undefined,
      apiHandler: () => undefined,
    };
    server = await createHttpServer({
      ...handlers,
      staticHandler: createStaticSite({ root: site, logger: silentLogger }),
    });
    missing = await createHttpServer({
      ...handlers,
      staticHandler: createStaticSite({ root: join(dir, 'not-built'), logger: silentLogger }),
    });
  });
  afterAll(async () => {
    await Promise.all([server.close(), missing.close()]);
    removeDirs(dir);
  });

  it('serves index.html at / without a token, with a CSP for a same-origin React app', async () => {
    const reply = await send(server.url, { path: '/' });
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(reply.body.toString()).toContain('<title>Bridge</title>');
    expect(reply.headers['cache-control']).toBe('no-cache');
    expect(reply.headers['referrer-policy']).toBe('no-referrer');
    expect(reply.headers['x-content-type-options']).toBe('nosniff');
    const csp = String(reply.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain(`connect-src 'self' ws://${new URL(server.url).host}`);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-eval');
  });

  it('serves hashed assets with their content type, cached for good', async () => {
    const script = await send(server.url, { path: '/assets/index-1a2b.js' });
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const style = await send(server.url, { path: '/assets/index-1a2b.css' });
    expect(style.headers['content-type']).toBe('text/css; charset=utf-8');
    const head = await send(server.url, { path: '/assets/index-1a2b.js', method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String('console.log(1)'.length));
    expect(head.body.byteLength).toBe(0);
  });

  it('lists no directory and serves nothing outside the folder, hidden, or by another method', async () => {
    for (const path of [
      '/assets',
      '/assets/',
      '/.env',
      '/assets/escape.txt',
      '/%2e%2e/outside.txt',
      '/nope.js',
    ]) {
      const reply = await send(server.url, { path });
      expect(reply.status, path).toBe(404);
      expect(reply.body.toString()).not.toContain('SECRET');
      expect(reply.body.toString()).not.toContain('OUTSIDE-CONTENT');
    }
    expect((await send(server.url, { path: '/', method: 'POST' })).status).toBe(405);
  });

  it('says how to build the dashboard when it is not built', async () => {
    const reply = await send(missing.url, { path: '/' });
    expect(reply.status).toBe(404);
    expect(reply.json()).toMatchObject({ error: { code: 'dashboard_not_built' } });
  });

  it('still checks Host and Origin on static files', async () => {
    const foreign = await send(server.url, { path: '/', headers: { Origin: 'http://evil.example' } });
    expect(foreign.status).toBe(403);
  });
});
