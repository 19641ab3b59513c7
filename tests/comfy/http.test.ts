/**
 * The HTTP adapter under the ComfyUI client (comfy/http.ts) against real loopback servers that misbehave on
 * purpose: kept-alive connections, a connection dropped as it is reused, redirects, a body cut short or stalled.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ComfyHttpError, ComfyUnreachableError } from '../../electron/comfy/errors.js';
import { ComfyHttp } from '../../electron/comfy/http.js';

interface Served {
  url: string;
  /** Every TCP connection the server accepted, in order. */
  sockets: Socket[];
  /** Requests answered, with the connection each came on (its index in `sockets`). */
  requests: { method: string; path: string; connection: number; body: string }[];
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function serve(
  handler: (req: IncomingMessage, res: ServerResponse, served: Served) => void,
): Promise<Served> {
  const served: Served = { url: '', sockets: [], requests: [] };
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      served.requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        connection: served.sockets.indexOf(req.socket),
        body,
      });
      handler(req, res, served);
    });
  });
  server.on('connection', (socket) => served.sockets.push(socket));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  served.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return served;
}

const json = (res: ServerResponse, value: unknown) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
};

describe('ComfyHttp', () => {
  it('keeps the connection alive between requests and sends JSON bodies with their length', async () => {
    const served = await serve((_req, res) => json(res, { ok: true }));
    const http = new ComfyHttp({ baseUrl: served.url, timeoutMs: 5_000 });
    await http.getJson('/system_stats');
    await http.postAction('/queue', { delete: ['a'] });
    expect(await http.getJson('/queue')).toEqual({ ok: true });
    expect(served.requests.map((request) => [request.method, request.path, request.connection])).toEqual([
      ['GET', '/system_stats', 0],
      ['POST', '/queue', 0],
      ['GET', '/queue', 0],
    ]);
    expect(served.requests[1]!.body).toBe('{"delete":["a"]}');
  });

  it('sends a GET again on a new connection when the kept-alive one is dropped as it is reused', async () => {
    const served = await serve((req, res) => {
      // The second request on the first connection: the server closes that connection without answering.
      if (served.requests.length === 2 && served.requests[1]!.connection === 0) {
        req.socket.destroy();
        return;
      }
      json(res, { n: served.requests.length });
    });
    const http = new ComfyHttp({ baseUrl: served.url, timeoutMs: 5_000 });
    expect(await http.getJson('/history/a')).toEqual({ n: 1 });
    expect(await http.getJson('/history/a')).toEqual({ n: 3 });
    expect(served.requests.map((request) => request.connection)).toEqual([0, 0, 1]);
  });

  it('does not send a GET again when a new connection is reset: that is the server answering', async () => {
    const served = await serve((req) => req.socket.destroy());
    const error = await new ComfyHttp({ baseUrl: served.url, timeoutMs: 5_000 })
      .getJson('/queue')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ComfyUnreachableError);
    expect(served.requests).toHaveLength(1);
  });

  it('does not send a POST twice: a dropped connection is reported, for the caller to look up what happened', async () => {
    const served = await serve((req, res) => {
      if (served.requests.length === 2) {
        req.socket.destroy();
        return;
      }
      json(res, { ok: true });
    });
    const http = new ComfyHttp({ baseUrl: served.url, timeoutMs: 5_000 });
    await http.getJson('/system_stats');
    const error = await http
      .request('/prompt', { method: 'POST', body: { prompt: {} } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ComfyUnreachableError);
    expect((error as Error).message).toMatch(/ECONNRESET|socket hang up/u);
    expect(served.requests.filter((request) => request.method === 'POST')).toHaveLength(1);
  });

  it('passes on each piece of a 2xx body as it arrives, and nothing of an error answer', async () => {
    const served = await serve((req, res) => {
      if (req.url === '/missing') {
        res.writeHead(404);
        res.end('no such image');
        return;
      }
      res.writeHead(200, { 'content-type': 'image/png' });
      res.write('first ');
      // The second piece goes once the first has been passed on: the body is not held until its end.
      setTimeout(() => res.end('second'), 20);
    });
    const http = new ComfyHttp({ baseUrl: served.url, timeoutMs: 5_000 });
    const pieces: string[] = [];
    const response = await http.request('/view', { onChunk: (chunk) => pieces.push(chunk.toString()) });
    expect(pieces.join('')).toBe('first second');
    expect(pieces.length).toBeGreaterThanOrEqual(2);
    expect(response.body.toString()).toBe('first second');
    const refused: string[] = [];
    await expect(
      http.request('/missing', { onChunk: (chunk) => refused.push(chunk.toString()) }),
    ).rejects.toBeInstanceOf(ComfyHttpError);
    expect(refused).toEqual([]);
  });

  it('does not send a GET again once part of its body was passed on: the pieces would come twice', async () => {
    const served = await serve((req, res) => {
      if (served.requests.length === 1) json(res, { warm: true });
      else {
        // On the kept-alive connection: a piece of the body, then the connection reset.
        res.writeHead(200, { 'content-type': 'image/png', 'content-length': '100' });
        res.write('partial', () => setTimeout(() => req.socket.resetAndDestroy(), 20));
      }
    });
    const http = new ComfyHttp({ baseUrl: served.url, timeoutMs: 5_000 });
    await http.getJson('/system_stats');
    const pieces: string[] = [];
    await expect(
      http.request('/view', { onChunk: (chunk) => pieces.push(chunk.toString()) }),
    ).rejects.toBeInstanceOf(ComfyUnreachableError);
    expect(pieces).toEqual(['partial']);
    expect(served.requests).toHaveLength(2);
  });

  it('does not follow a redirect: it names where it points, to fix the configured URL', async () => {
    const served = await serve((_req, res) => {
      res.writeHead(301, { location: 'https://comfy.example/system_stats' });
      res.end();
    });
    const error = await new ComfyHttp({ baseUrl: served.url, timeoutMs: 5_000 })
      .getJson('/system_stats')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ComfyHttpError);
    expect((error as Error).message).toContain('301');
    expect((error as Error).message).toContain('redirected to https://comfy.example/system_stats');
    expect(served.requests).toHaveLength(1);
  });

  it('reports a body cut short instead of returning part of it', async () => {
    const served = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': '1000' });
      res.write(Buffer.alloc(100));
      setImmediate(() => res.socket?.destroy());
    });
    const error = await new ComfyHttp({ baseUrl: served.url, timeoutMs: 5_000 })
      .request('/view?filename=a.png')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ComfyUnreachableError);
  });

  it('times out on a body that stops coming, not only on the headers', async () => {
    const served = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': '1000' });
      res.write(Buffer.alloc(100));
    });
    const error = await new ComfyHttp({ baseUrl: served.url, timeoutMs: 300 })
      .request('/view?filename=a.png')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ComfyUnreachableError);
    expect((error as Error).message).toContain('no answer to GET /view?filename=a.png within 300 ms');
  });

  it("hands back the caller's own abort reason", async () => {
    const served = await serve(() => undefined);
    const controller = new AbortController();
    const pending = new ComfyHttp({ baseUrl: served.url, timeoutMs: 5_000 }).request('/queue', {
      signal: controller.signal,
    });
    // Aborted once the server holds the request, not before it was sent.
    await new Promise<void>((resolve) => {
      const poll = () => (served.requests.length > 0 ? resolve() : setImmediate(poll));
      poll();
    });
    const reason = new Error('the call was cancelled');
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
  });

  it('refuses an address that is not http or https', async () => {
    const error = await new ComfyHttp({ baseUrl: 'ftp://127.0.0.1:21', timeoutMs: 1_000 })
      .getJson('/system_stats')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ComfyUnreachableError);
    expect((error as Error).message).toContain('use http:// or https://');
  });
});
