import type { IncomingMessage } from 'node:http';

/*
 * Request bodies, bounded. An over-limit body must still end in a 413 the client can read: closing a socket
 * while the client is still sending makes the kernel answer with a reset, and a client that gets a reset
 * while writing reports EPIPE/ECONNRESET instead of the response. So the refusal is a lingering close
 * (RFC 9112 §9.6): send the 413 and half-close, keep reading and discarding what the client still sends,
 * and close once it stops, or once a bounded amount or time has passed.
 */

/** What a refused client may still send (and we discard) before the connection is closed regardless. */
export interface LingerBounds {
  bytes: number;
  ms: number;
}

/** The whole body, or 'too_large' as soon as it passes `maxBytes` (the rest is left unread, not destroyed). */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | 'too_large'> {
  if (req.method === 'GET' || req.method === 'HEAD') return Promise.resolve(Buffer.alloc(0));
  if (Number(req.headers['content-length'] ?? 0) > maxBytes) return Promise.resolve('too_large');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const settle = (outcome: () => void) => {
      req.off('data', onData).off('end', onEnd).off('error', onError);
      outcome();
    };
    // Listeners, not `for await`: leaving a `for await` early destroys the request, and with it the socket.
    const onData = (chunk: Buffer) => {
      received += chunk.byteLength;
      if (received > maxBytes) settle(() => resolve('too_large'));
      else chunks.push(chunk);
    };
    const onEnd = () => settle(() => resolve(Buffer.concat(chunks)));
    const onError = (error: Error) => settle(() => reject(error));
    req.on('data', onData).on('end', onEnd).on('error', onError);
  });
}

/**
 * Answers 413 with `Connection: close` straight on the socket and lingers: what the client still sends is
 * read and dropped until it closes its side (the socket then closes by itself), or until `bounds` run out.
 */
export function refuseOversizedBody(
  req: IncomingMessage,
  body: { code: string; message: string },
  bounds: LingerBounds,
): void {
  const socket = req.socket;
  const json = JSON.stringify({ error: body });
  socket.end(
    'HTTP/1.1 413 Payload Too Large\r\nConnection: close\r\nContent-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`,
  );
  let discarded = 0;
  const timer = setTimeout(() => socket.destroy(), bounds.ms);
  socket.once('close', () => clearTimeout(timer));
  req.on('data', (chunk: Buffer) => {
    discarded += chunk.byteLength;
    if (discarded > bounds.bytes) socket.destroy();
  });
  req.resume();
}
