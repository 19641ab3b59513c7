import { ComfyHttpError, ComfyProtocolError, ComfyUnreachableError } from './errors.js';

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
}

export interface RawResponse {
  status: number;
  body: Buffer;
}

/**
 * Thin fetch adapter: one timeout per call (covering the body too), failures mapped to ComfyError types.
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
      const response = await fetch(this.baseUrl + path, { method, signal, ...encodeBody(init.body) });
      const body = Buffer.from(await response.arrayBuffer());
      if (!response.ok && !init.acceptStatuses?.includes(response.status)) {
        throw new ComfyHttpError(this.baseUrl, method, path, response.status, body.toString('utf8'));
      }
      return { status: response.status, body };
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

function encodeBody(body: unknown): { body?: string | FormData; headers?: Record<string, string> } {
  if (body === undefined) return {};
  if (body instanceof FormData) return { body };
  return { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } };
}

function describeNetworkError(error: unknown): string {
  // undici reports "fetch failed" and keeps the real reason (ECONNREFUSED, ECONNRESET, ENOTFOUND…) in `cause`.
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return code ? `${code}: ${cause.message}` : cause.message;
  }
  return error instanceof Error ? error.message : String(error);
}
