/**
 * mcp/node-adapter.ts on a real loopback server: the Request the handler gets (the bytes as read, the client's
 * headers), a JSON answer in one piece with its length, an SSE answer streamed as it is produced and ended when
 * the client goes away, and the errors a client gets when the handler cannot answer.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { toNodeMcpHandler, type WebHandler } from '../../electron/mcp/node-adapter.js';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

/** Serves `handler` the way the bridge's HTTP server does: the body read whole, then parsed once. */
async function serve(handler: WebHandler, errors: Error[] = [], maxRequestBodySize = 1024): Promise<string> {
  const adapter = toNodeMcpHandler(handler, { maxRequestBodySize, onerror: (error) => errors.push(error) });
  const listening = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        parsed = undefined;
      }
      void adapter(req, res, body, parsed);
    });
  });
  server = listening;
  await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(listening.address() as AddressInfo).port}/mcp`;
}

const call = JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'x' } });

describe('toNodeMcpHandler', () => {
  it('hands the handler the bytes as read, the parsed body and the client’s headers', async () => {
    let seen:
      { method: string; url: string; text: string; accept: string | null; parsed: unknown } | undefined;
    const url = await serve(async (request, parsed) => {
      seen = {
        method: request.method,
        url: request.url,
        text: await request.text(),
        accept: request.headers.get('accept'),
        parsed,
      };
      return Response.json({ ok: true });
    });
    await fetch(url, {
      method: 'POST',
      headers: { accept: 'application/json, text/event-stream' },
      body: call,
    });
    expect(seen).toEqual({
      method: 'POST',
      url: url,
      text: call,
      accept: 'application/json, text/event-stream',
      parsed: JSON.parse(call) as unknown,
    });
  });

  it('writes a JSON answer in one piece, with its length', async () => {
    const answer = { jsonrpc: '2.0', id: 7, result: { content: [{ type: 'text', text: 'é'.repeat(50) }] } };
    const url = await serve(() => Promise.resolve(Response.json(answer, { headers: { 'x-extra': 'kept' } })));
    const response = await fetch(url, { method: 'POST', body: call });
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe(String(Buffer.byteLength(text)));
    expect(response.headers.get('transfer-encoding')).toBeNull();
    expect(response.headers.get('x-extra')).toBe('kept');
    expect(JSON.parse(text)).toEqual(answer);
  });

  it('answers a bodiless response with its status alone', async () => {
    const url = await serve(() => Promise.resolve(new Response(null, { status: 202 })));
    const response = await fetch(url, { method: 'POST', body: call });
    expect(response.status).toBe(202);
    expect(await response.text()).toBe('');
  });

  it('streams an SSE answer as it is produced, and aborts the request when the client goes away', async () => {
    let push: ((frame: string) => void) | undefined;
    let aborted: (() => void) | undefined;
    const requestAborted = new Promise<void>((resolve) => (aborted = resolve));
    const url = await serve((request) => {
      request.signal.addEventListener('abort', () => aborted!());
      const encoder = new TextEncoder();
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          push = (frame) => controller.enqueue(encoder.encode(frame));
        },
      });
      return Promise.resolve(new Response(body, { headers: { 'content-type': 'text/event-stream' } }));
    });
    const received: string[] = [];
    const firstFrame = new Promise<void>((resolve) => {
      const req = httpRequest(url, { method: 'POST' }, (res) => {
        expect(res.headers['content-type']).toBe('text/event-stream');
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          received.push(chunk);
          // The first frame arrives while the stream is still open: the answer is not held back until its end.
          resolve();
          req.destroy();
        });
      });
      req.end(call);
    });
    await new Promise<void>((resolve) => {
      const wait = () => (push ? resolve() : setImmediate(wait));
      wait();
    });
    push!('event: message\ndata: {"progress":1}\n\n');
    await firstFrame;
    await requestAborted;
    expect(received.join('')).toContain('"progress":1');
  });

  it('refuses a body over the limit with JSON-RPC’s error and 413, without calling the handler', async () => {
    let called = false;
    const url = await serve(
      () => {
        called = true;
        return Promise.resolve(Response.json({}));
      },
      [],
      16,
    );
    const response = await fetch(url, { method: 'POST', body: call });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32000 }, id: null });
    expect(called).toBe(false);
  });

  it('answers a handler that throws with an internal error echoing the request id, and reports it', async () => {
    const errors: Error[] = [];
    const url = await serve(() => Promise.reject(new Error('boom')), errors);
    const response = await fetch(url, { method: 'POST', body: call });
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({
      jsonrpc: '2.0',
      error: { code: -32603, message: 'Internal server error' },
      id: 7,
    });
    expect(errors.map((error) => error.message)).toEqual(['boom']);
  });
});
