import http from 'node:http';
import https from 'node:https';
import { ComfyHttpError, ComfyProtocolError, ComfyUnreachableError } from './errors.js';
import { describeNetworkError } from './network-error.js';

export interface ComfyHttpOptions {
  baseUrl: string;
  timeoutMs: number;
}

export interface RequestInit {
  method?: 'GET' | 'POST';
  /** A JSON value (sent as application/json) or a FormData. */
  body?: unknown;
  signal?: AbortSignal;
  /** Statuses handed back to the caller instead of thrown as ComfyHttpError. */
  acceptStatuses?: readonly number[];
  /** Told each chunk of a 2xx answer's body as it arrives (the whole body is still returned). */
  onChunk?: (chunk: Buffer) => void;
}

export interface RawResponse {
  status: number;
  body: Buffer;
}

/**
 * Idle connections are closed after this long, well before servers drop them (aiohttp, which ComfyUI runs on:
 * 75 s), so a request is not sent on a connection the server is closing. undici's default, which this replaced.
 */
const IDLE_CONNECTION_MS = 4_000;

/**
 * One pool of kept-alive connections per scheme, shared by every client of every backend (pooled per host and
 * port). node:http rather than fetch: on a loopback ComfyUI each request cost about 1 ms less, and a 3 MB image
 * about 2 ms less, than through fetch's web streams (issue 16's per-image overhead); idle sockets do not keep the
 * process alive.
 */
const agents = {
  'http:': new http.Agent({ keepAlive: true, timeout: IDLE_CONNECTION_MS }),
  'https:': new https.Agent({ keepAlive: true, timeout: IDLE_CONNECTION_MS }),
};

/**
 * Thin HTTP adapter: one timeout per call (covering the body too), failures mapped to ComfyError types.
 * Knows nothing about what the endpoints mean.
 */
export class ComfyHttp {
  readonly baseUrl: string;
  private readonly timeoutMs: number;

  constructor(options: ComfyHttpOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs;
  }

  async request(path: string, init: RequestInit = {}): Promise<RawResponse> {
    const method = init.method ?? 'GET';
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    try {
      const url = new URL(this.baseUrl + path);
      const payload = await encodeBody(init.body);
      // A GET sent on a kept-alive connection the server closed at that moment is sent once more (the pool then
      // opens a new one); a POST is not (the callers look up what became of it: jobs/recovery.ts).
      // Once a chunk has been passed on, a second send would pass the body on again from its start.
      let passedOn = false;
      const onChunk = init.onChunk
        ? (chunk: Buffer) => {
            passedOn = true;
            init.onChunk!(chunk);
          }
        : undefined;
      const response = await exchange(url, method, payload, signal, onChunk).catch((error: unknown) => {
        if (method === 'GET' && isStaleConnection(error) && !signal.aborted && !passedOn)
          return exchange(url, method, payload, signal, onChunk);
        throw error;
      });
      if (!isOk(response.status) && !init.acceptStatuses?.includes(response.status)) {
        throw new ComfyHttpError(
          this.baseUrl,
          method,
          path,
          response.status,
          response.location === undefined
            ? response.body.toString('utf8')
            : `redirected to ${response.location}; use that address as the ComfyUI URL`,
        );
      }
      return { status: response.status, body: response.body };
    } catch (error) {
      if (init.signal?.aborted) throw init.signal.reason;
      if (timeout.aborted) {
        throw new ComfyUnreachableError(
          this.baseUrl,
          `no answer to ${method} ${path} within ${this.timeoutMs} ms`,
          { cause: error },
        );
      }
      if (error instanceof ComfyHttpError) throw error;
      throw new ComfyUnreachableError(this.baseUrl, describeNetworkError(error), { cause: error });
    }
  }

  async getJson(path: string, signal?: AbortSignal): Promise<unknown> {
    const response = await this.request(path, { signal });
    return this.parseJson(path, response.body);
  }

  /** For action endpoints (POST /queue, /interrupt, /history): ComfyUI answers 200 with an empty body. */
  async postAction(path: string, body: unknown, signal?: AbortSignal): Promise<void> {
    await this.request(path, { method: 'POST', body, signal });
  }

  parseJson(path: string, body: Buffer): unknown {
    const text = body.toString('utf8');
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new ComfyProtocolError(this.baseUrl, path, 'the body is not JSON', text.slice(0, 300));
    }
  }
}

interface Payload {
  body?: Buffer;
  headers: Record<string, string>;
}

async function encodeBody(body: unknown): Promise<Payload> {
  if (body === undefined) return { headers: {} };
  // The multipart encoding (boundary and all) is the platform's, as when fetch sent the form itself.
  const encoded = body instanceof FormData ? new Response(body) : undefined;
  const bytes = encoded
    ? Buffer.from(await encoded.arrayBuffer())
    : Buffer.from(JSON.stringify(body), 'utf8');
  const contentType = encoded?.headers.get('content-type') ?? 'application/json';
  return {
    body: bytes,
    headers: { 'content-type': contentType, 'content-length': String(bytes.byteLength) },
  };
}

interface Exchanged extends RawResponse {
  /** Where a redirect points: not followed (the configured URL is the one to fix). */
  location?: string;
}

/** One request and its whole answer; aborted by `signal` at any point, the body included. */
function exchange(
  url: URL,
  method: string,
  payload: Payload,
  signal: AbortSignal,
  onChunk?: (chunk: Buffer) => void,
): Promise<Exchanged> {
  const transport = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : undefined;
  if (!transport) {
    return Promise.reject(
      new Error(`"${url.protocol}" is not a ComfyUI address scheme; use http:// or https://`),
    );
  }
  return new Promise((resolve, reject) => {
    const request = transport.request(
      url,
      { method, headers: payload.headers, agent: agents[url.protocol as 'http:' | 'https:'], signal },
      (response) => {
        const chunks: Buffer[] = [];
        const observe = isOk(response.statusCode ?? 0) ? onChunk : undefined;
        response.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          observe?.(chunk);
        });
        response.on('error', reject);
        response.on('end', () => {
          const status = response.statusCode ?? 0;
          const location = status >= 300 && status < 400 ? response.headers.location : undefined;
          resolve({ status, body: Buffer.concat(chunks), ...(location === undefined ? {} : { location }) });
        });
        // A connection that closes before the whole body arrived (no 'end'), without an error of its own.
        response.on('close', () => {
          if (!response.complete) reject(new Error('the connection closed before the whole answer arrived'));
        });
      },
    );
    request.on('error', (error: Error) =>
      reject(request.reusedSocket ? new StaleConnectionError(error) : error),
    );
    request.end(payload.body);
  });
}

function isOk(status: number): boolean {
  return status >= 200 && status < 300;
}

/**
 * A request that failed on a kept-alive connection, not a new one: the server may have closed it just as it was
 * reused (Node's documented race). The original error is its cause.
 */
class StaleConnectionError extends Error {
  readonly code: string | undefined;
  constructor(cause: Error) {
    super(cause.message, { cause });
    this.code = (cause as NodeJS.ErrnoException).code;
  }
}

/** Only a reset of a reused connection before any answer: a new connection's failure is the server's answer. */
function isStaleConnection(error: unknown): boolean {
  return error instanceof StaleConnectionError && (error.code === 'ECONNRESET' || error.code === 'EPIPE');
}
