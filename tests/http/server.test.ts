import { request } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { BridgeError } from '../../electron/errors.js';
import { createHttpServer } from '../../electron/http/server.js';
import type { BridgeHttpServer, HttpServerOptions, RouteHandler } from '../../electron/http/server.js';
import { silentLogger } from '../../electron/log.js';

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A raw HTTP request, so tests can send any Host header (fetch would not let them). */
function send(
  port: number,
  options: {
    path?: string;
    method?: string;
    headers?: Record<string, string>;
    body?: Buffer | string;
    chunked?: boolean;
  },
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: options.path ?? '/mcp',
        method: options.method ?? 'POST',
        headers: { Host: `127.0.0.1:${port}`, ...options.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (options.body !== undefined) {
      if (options.chunked) {
        // Without Content-Length the size is only known while streaming.
        const body = Buffer.from(options.body);
        const half = Math.floor(body.length / 2);
        req.write(body.subarray(0, half));
        req.end(body.subarray(half));
        return;
      }
      req.end(options.body);
      return;
    }
    req.end();
  });
}

const echo: RouteHandler = (req, res, body) => {
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ route: req.url, bytes: body.byteLength }));
};

const servers: BridgeHttpServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function start(options: Partial<HttpServerOptions> = {}): Promise<BridgeHttpServer> {
  const server = await createHttpServer({ port: 0, logger: silentLogger, mcpHandler: echo, ...options });
  servers.push(server);
  return server;
}

describe('createHttpServer', () => {
  it('binds 127.0.0.1 by default and reports the real port when started on port 0', async () => {
    const server = await start();
    const { host, port } = server.address();
    expect(host).toBe('127.0.0.1');
    expect(port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${port}`);
    const reply = await send(port, { body: '{}' });
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toEqual({ route: '/mcp', bytes: 2 });
  });

  it('accepts the loopback names with our port in Host', async () => {
    const { port } = (await start()).address();
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, `LOCALHOST:${port}`]) {
      expect((await send(port, { headers: { Host: host }, body: '{}' })).status, host).toBe(200);
    }
  });

  it('refuses a foreign Host with 403 (DNS rebinding)', async () => {
    const { port } = (await start()).address();
    for (const host of [
      `evil.example:${port}`,
      `127.0.0.1:${port + 1}`,
      'localhost',
      `127.0.0.1.evil.example:${port}`,
    ]) {
      const reply = await send(port, { headers: { Host: host }, body: '{}' });
      expect(reply.status, host).toBe(403);
    }
    // Not only /mcp: every path is guarded.
    expect(
      (await send(port, { path: '/api/status', method: 'GET', headers: { Host: 'evil.example' } })).status,
    ).toBe(403);
  });

  it('lets requests without Origin or with a loopback Origin on our port through, and refuses others with 403', async () => {
    const { port } = (await start()).address();
    for (const origin of [`http://localhost:${port}`, `http://127.0.0.1:${port}`, `http://[::1]:${port}`]) {
      expect((await send(port, { headers: { Origin: origin }, body: '{}' })).status, origin).toBe(200);
    }
    for (const origin of [
      'https://evil.example',
      `http://evil.example:${port}`,
      `http://localhost:${port + 1}`,
      'null',
      'not a url',
    ]) {
      const reply = await send(port, { headers: { Origin: origin }, body: '{}' });
      expect(reply.status, origin).toBe(403);
      expect(JSON.parse(reply.body)).toMatchObject({ error: { code: 'forbidden_origin' } });
    }
  });

  it('refuses to start on a non-loopback address without a token, saying what to do', async () => {
    const attempt = createHttpServer({ host: '0.0.0.0', port: 0, logger: silentLogger, mcpHandler: echo });
    await expect(attempt).rejects.toBeInstanceOf(BridgeError);
    const error = (await attempt.catch((caught: unknown) => caught)) as BridgeError;
    expect(error.code).toBe('token_required');
    expect(error.message).toContain('0.0.0.0');
    expect(error.hint).toMatch(/set a token/);
  });

  it('starts on a non-loopback address with a token and enforces it', async () => {
    const server = await start({ host: '0.0.0.0', token: 'lan-secret' });
    const { port } = server.address();
    expect((await send(port, { body: '{}' })).status).toBe(401);
    expect((await send(port, { body: '{}', headers: { Authorization: 'Bearer lan-secret' } })).status).toBe(
      200,
    );
  });

  it('enforces a configured token on /mcp even on loopback: 401 with WWW-Authenticate', async () => {
    const { port } = (await start({ token: 's3cret' })).address();
    const missing = await send(port, { body: '{}' });
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toMatch(/^Bearer /);
    expect(missing.body).toContain('Authorization: Bearer');

    for (const authorization of ['Bearer wrong', 'Bearer s3cret2', 'Basic s3cret', 's3cret']) {
      expect(
        (await send(port, { body: '{}', headers: { Authorization: authorization } })).status,
        authorization,
      ).toBe(401);
    }
    expect((await send(port, { body: '{}', headers: { Authorization: 'Bearer s3cret' } })).status).toBe(200);
    // GET (SSE) and DELETE (session end) on /mcp need it too.
    expect((await send(port, { method: 'GET' })).status).toBe(401);
    expect((await send(port, { method: 'DELETE' })).status).toBe(401);
  });

  it('needs no token on loopback when none is configured', async () => {
    const { port } = (await start()).address();
    expect((await send(port, { body: '{}' })).status).toBe(200);
  });

  it('answers 413 to a body over the limit, declared or streamed', async () => {
    let reached = 0;
    const { port } = (
      await start({
        maxBodyBytes: 1024,
        mcpHandler: (req, res, body) => {
          reached += 1;
          return echo(req, res, body);
        },
      })
    ).address();
    const big = Buffer.alloc(1025, 'x');
    expect((await send(port, { body: big })).status).toBe(413);
    expect((await send(port, { body: big, chunked: true })).status).toBe(413);
    expect(reached).toBe(0);
    const fits = await send(port, { body: Buffer.alloc(1024, 'x'), chunked: true });
    expect(fits.status).toBe(200);
    expect(JSON.parse(fits.body)).toEqual({ route: '/mcp', bytes: 1024 });
  });

  it('routes /api to the api handler, and answers 404 elsewhere or without one', async () => {
    const withoutApi = (await start()).address().port;
    expect((await send(withoutApi, { path: '/api/status', method: 'GET' })).status).toBe(404);
    expect((await send(withoutApi, { path: '/', method: 'GET' })).status).toBe(404);

    const withApi = (await start({ apiHandler: echo })).address().port;
    const reply = await send(withApi, { path: '/api/settings?x=1', body: '{"a":1}' });
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toEqual({ route: '/api/settings?x=1', bytes: 7 });
    expect((await send(withApi, { path: '/apix', method: 'GET' })).status).toBe(404);
  });

  it('names the busy port and what to do about it', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const busyPort = (blocker.address() as AddressInfo).port;
    try {
      await expect(
        createHttpServer({ port: busyPort, logger: silentLogger, mcpHandler: echo }),
      ).rejects.toThrow(`port ${busyPort} is in use; choose another with --port or stop the other process`);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('turns a handler failure into a 500 without taking the server down', async () => {
    const { port } = (
      await start({
        mcpHandler: () => {
          throw new Error('boom');
        },
      })
    ).address();
    expect((await send(port, { body: '{}' })).status).toBe(500);
    expect((await send(port, { body: '{}' })).status).toBe(500);
  });
});
