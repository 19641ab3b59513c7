import { request } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpServer } from '../../electron/http/server.js';
import type { BridgeHttpServer, RouteHandler } from '../../electron/http/server.js';
import { silentLogger } from '../../electron/log.js';

/*
 * A client that sends more than the body limit must read a whole 413, however it sends: declared with
 * Content-Length, or chunked, slowly or all at once, even one that never stops. Raw sockets, because an HTTP
 * client library hides exactly what matters here: whether the response arrived before the connection broke.
 */

const limit = 64 * 1024;
const servers: BridgeHttpServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

let handled = 0;
const echo: RouteHandler = (_req, res, body) => {
  handled += 1;
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ bytes: body.byteLength }));
};

async function startServer(): Promise<number> {
  const server = await createHttpServer({
    port: 0,
    logger: silentLogger,
    mcpHandler: echo,
    maxBodyBytes: limit,
  });
  servers.push(server);
  return server.address().port;
}

interface Exchange {
  /** Everything the server sent before the connection ended. */
  response: string;
  /** The write error the client saw, if any (EPIPE or ECONNRESET once the server closed). */
  writeError?: string;
}

/**
 * Sends `head`, then each piece from `pieces` (awaited between writes, so a piece may wait for a pause), and
 * collects the response until the connection closes. `pieces` stops early once the server has closed.
 */
function exchange(
  port: number,
  head: string,
  pieces: () => Iterable<string> | AsyncIterable<string>,
): Promise<Exchange> {
  return new Promise((resolve) => {
    // Half-open like an HTTP client still uploading: the server's FIN does not stop our writing.
    const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    const received: Buffer[] = [];
    let writeError: string | undefined;
    let closed = false;
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => (writeError ??= error.code ?? error.message));
    socket.on('close', () => {
      closed = true;
      resolve({
        response: Buffer.concat(received).toString('latin1'),
        ...(writeError ? { writeError } : {}),
      });
    });
    socket.once('connect', () => {
      void (async () => {
        socket.write(head);
        for await (const piece of pieces()) {
          if (closed || socket.destroyed || socket.writableEnded) return;
          await new Promise<void>((done) => socket.write(piece, () => done()));
        }
        if (!socket.destroyed) socket.end();
      })();
    });
  });
}

const chunkedHead = (port: number) =>
  `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`;
const chunk = (bytes: number) => `${bytes.toString(16)}\r\n${'x'.repeat(bytes)}\r\n`;
const lastChunk = '0\r\n\r\n';

/** Yields a macrotask between pieces: a client whose data trickles in, in many small TCP segments. */
async function* slowly(pieces: string[]): AsyncIterable<string> {
  for (const piece of pieces) {
    await new Promise((next) => setImmediate(next));
    yield piece;
  }
}

/** The whole body in one write: a fast client, everything in the socket buffers at once. */
const atOnce = (pieces: string[]): string[] => [pieces.join('')];

/** A complete 413, and (unless the client never stopped) no write error: a client may give up on EPIPE. */
function expectComplete413(result: Exchange, options: { endless?: boolean } = {}): void {
  if (!options.endless) expect(result.writeError).toBeUndefined();
  const split = result.response.indexOf('\r\n\r\n');
  const head = split < 0 ? result.response : result.response.slice(0, split);
  expect(head, `response: ${JSON.stringify(result.response)}; write error: ${result.writeError}`).toMatch(
    /^HTTP\/1\.1 413 /,
  );
  expect(head.toLowerCase()).toContain('connection: close');
  expect(JSON.parse(completeBody(head, result.response.slice(split + 4)))).toMatchObject({
    error: { code: 'body_too_large' },
  });
}

/** The body as framed by Content-Length or chunked encoding; throws when it is cut short. */
function completeBody(head: string, rest: string): string {
  const length = /content-length: (\d+)/i.exec(head)?.[1];
  if (length !== undefined) {
    if (rest.length < Number(length)) throw new Error(`body cut short: ${JSON.stringify(rest)}`);
    return rest.slice(0, Number(length));
  }
  let body = '';
  for (let at = 0; ;) {
    const lineEnd = rest.indexOf('\r\n', at);
    if (lineEnd < 0) throw new Error(`chunked body cut short: ${JSON.stringify(rest)}`);
    const size = parseInt(rest.slice(at, lineEnd), 16);
    if (size === 0) return body;
    body += rest.slice(lineEnd + 2, lineEnd + 2 + size);
    at = lineEnd + 2 + size + 2;
  }
}

describe('a body over the limit', () => {
  it('sent chunked, slowly, gets a complete 413', async () => {
    const port = await startServer();
    const pieces = [...Array.from({ length: 24 }, () => chunk(4096)), lastChunk];
    expectComplete413(await exchange(port, chunkedHead(port), () => slowly(pieces)));
  });

  it('sent chunked, all at once, gets a complete 413', async () => {
    const port = await startServer();
    const pieces = [...Array.from({ length: 24 }, () => chunk(4096)), lastChunk];
    expectComplete413(await exchange(port, chunkedHead(port), () => atOnce(pieces)));
  });

  it('declared with Content-Length gets a complete 413, whether the body follows or not', async () => {
    const port = await startServer();
    const size = limit + 1;
    const head = `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Length: ${size}\r\n\r\n`;
    expectComplete413(await exchange(port, head, () => atOnce(['y'.repeat(size)])));
    expectComplete413(
      await exchange(port, head, () => slowly(Array.from({ length: 17 }, () => 'y'.repeat(4096)))),
    );
  });

  it('from a client that never stops gets a complete 413, then the server closes the connection', async () => {
    const port = await startServer();
    async function* endless(): AsyncIterable<string> {
      for (;;) {
        await new Promise((next) => setImmediate(next));
        yield chunk(16 * 1024);
      }
    }
    // `exchange` stops writing once the server closed, so this ends because the server bounded its lingering.
    expectComplete413(await exchange(port, chunkedHead(port), endless), { endless: true });
  });

  it("read by Node's own HTTP client streaming a chunked upload: the 413, not EPIPE", async () => {
    const port = await startServer();
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/mcp', method: 'POST' }, (res) => {
        res.resume().on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      void (async () => {
        for await (const piece of slowly(Array.from({ length: 24 }, () => 'z'.repeat(4096)))) {
          if (req.destroyed) return;
          await new Promise<void>((done) => req.write(piece, () => done()));
        }
        req.end();
      })();
    });
    expect(status).toBe(413);
  });

  it('never reaches the route, and a body within the limit still does', async () => {
    handled = 0;
    const port = await startServer();
    expectComplete413(await exchange(port, chunkedHead(port), () => atOnce([chunk(limit + 1), lastChunk])));
    expect(handled).toBe(0);
    const fits = await exchange(
      port,
      chunkedHead(port).replace('\r\n\r\n', '\r\nConnection: close\r\n\r\n'),
      () => atOnce([chunk(limit), lastChunk]),
    );
    expect(fits.response).toMatch(/^HTTP\/1\.1 200 /);
    expect(fits.response).toContain(`{"bytes":${limit}}`);
  });
});
