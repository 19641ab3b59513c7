/**
 * Serves a web-standard MCP handler on Node's http objects, for a body the HTTP server has already read (and
 * bounded, and parsed once). What the SDK's `toNodeHandler` does, without the work that is waste here: it
 * re-serialises the parsed body to build the Request (the bytes are at hand), and it writes every answer as a
 * stream, chunk by chunk, where an answer that is one JSON document can go out in one write with its length.
 * Streams (SSE) are still streamed, with backpressure, and end when the client goes away.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export type WebHandler = (request: Request, parsedBody: unknown) => Promise<Response>;

export interface NodeAdapterOptions {
  maxRequestBodySize: number;
  /** Told of a handler that threw; the client gets JSON-RPC's internal error. */
  onerror: (error: Error) => void;
}

export type NodeHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
  parsedBody: unknown,
) => Promise<void>;

export function toNodeMcpHandler(handler: WebHandler, options: NodeAdapterOptions): NodeHandler {
  return async (req, res, body, parsedBody) => {
    let finished = false;
    const abort = new AbortController();
    // A client that goes away before its answer is written cancels the call (and ends its stream).
    res.on('close', () => {
      if (!finished) abort.abort();
    });
    if (res.destroyed) abort.abort();
    let response: Response;
    try {
      response =
        body.byteLength > options.maxRequestBodySize
          ? tooLargeResponse(options.maxRequestBodySize)
          : await handler(webRequestOf(req, body, parsedBody, abort.signal), parsedBody);
    } catch (error) {
      try {
        options.onerror(error instanceof Error ? error : new Error(String(error)));
      } catch {
        // An observer that throws must not cost the client its answer.
      }
      response = internalErrorResponse(echoableRequestId(parsedBody));
    }
    try {
      await writeResponse(res, response, abort.signal);
    } finally {
      finished = true;
    }
  };
}

function webRequestOf(req: IncomingMessage, body: Buffer, parsedBody: unknown, signal: AbortSignal): Request {
  const method = (req.method ?? 'GET').toUpperCase();
  const host = req.headers.host ?? 'localhost';
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name.startsWith(':')) continue;
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else headers.set(name, value);
  }
  const hasBody = method !== 'GET' && method !== 'HEAD' && body.byteLength > 0;
  if (hasBody) {
    // The bytes go as they were read, in one piece: their framing on the wire no longer applies.
    headers.delete('transfer-encoding');
    headers.set('content-length', String(body.byteLength));
    // Parsed as JSON here, so not compressed whatever the header said (the SDK answers an unparsed body itself).
    if (parsedBody !== undefined) headers.delete('content-encoding');
  }
  return new Request(`http://${host}${req.url ?? '/'}`, {
    method,
    headers,
    signal,
    ...(hasBody
      ? { body: new Uint8Array(body.buffer as ArrayBuffer, body.byteOffset, body.byteLength) }
      : {}),
  });
}

async function writeResponse(res: ServerResponse, response: Response, signal: AbortSignal): Promise<void> {
  const headers: Record<string, string> = {};
  for (const [name, value] of response.headers) headers[name] = value;
  if (response.body === null) {
    res.writeHead(response.status, headers);
    res.end();
    return;
  }
  if (!isEventStream(response.headers.get('content-type'))) {
    // One JSON document: read whole and written at once, with its length.
    const bytes = Buffer.from(await response.arrayBuffer());
    headers['content-length'] = String(bytes.byteLength);
    res.writeHead(response.status, headers);
    res.end(bytes);
    return;
  }
  res.writeHead(response.status, headers);
  await streamBody(res, response.body, signal);
  res.end();
}

/** An SSE answer, chunk by chunk as the handler produces it, waiting for `drain` when the socket is full. */
async function streamBody(
  res: ServerResponse,
  body: ReadableStream<Uint8Array>,
  signal: AbortSignal,
): Promise<void> {
  const closed = new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
  try {
    for await (const chunk of body) {
      if (signal.aborted) break;
      if (!res.write(chunk))
        await Promise.race([new Promise<void>((resolve) => res.once('drain', resolve)), closed]);
    }
  } catch {
    // The handler's stream failed mid-answer: the status is sent, so all that is left is to end it.
  }
}

function isEventStream(contentType: string | null): boolean {
  return contentType?.split(';')[0]?.trim().toLowerCase() === 'text/event-stream';
}

function tooLargeResponse(maxBytes: number): Response {
  return Response.json(
    {
      jsonrpc: '2.0',
      error: { code: -32000, message: `Payload Too Large: Request body must not exceed ${maxBytes} bytes` },
      id: null,
    },
    { status: 413, headers: { connection: 'close' } },
  );
}

/** The id an error answer can echo: a single request's string or number id, null otherwise. */
function echoableRequestId(body: unknown): string | number | null {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return null;
  const { method, id } = body as { method?: unknown; id?: unknown };
  if (typeof method !== 'string') return null;
  return typeof id === 'string' || typeof id === 'number' ? id : null;
}

function internalErrorResponse(id: string | number | null): Response {
  return Response.json(
    { jsonrpc: '2.0', error: { code: -32603, message: 'Internal server error' }, id },
    { status: 500 },
  );
}
