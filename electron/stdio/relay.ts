import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Logger } from '../log.js';
import { sseData } from './sse.js';

/*
 * The forwarding half of the stdio shim: JSON-RPC lines from the agent's client on stdin become Streamable
 * HTTP requests to the running app, and every message the app answers with (a JSON body or the events of
 * an SSE stream) becomes a line on stdout. It speaks whichever era each message is in:
 *
 * - 2025 era (initialize handshake): one Mcp-Session-Id for the connection; the client's answers to server
 *   requests (roots/list) and its notifications/cancelled are POSTed into that session.
 * - 2026-07-28 era (a protocol-version claim in each request's _meta): every request is its own POST with
 *   the standard Mcp-Method / Mcp-Name headers, and closing that POST's stream IS the cancellation, so a
 *   notifications/cancelled from stdin aborts the matching fetch.
 */

type RequestId = string | number;

interface JsonRpcMessage {
  jsonrpc: '2.0';
  id?: RequestId | null;
  method?: string;
  params?: Record<string, unknown>;
  result?: unknown;
  error?: unknown;
}

export interface RelayOptions {
  mcpUrl: string;
  /** Sent with every request: the bearer token if any, and the shim's secret and working directory. */
  headers: Record<string, string>;
  input: Readable;
  output: Writable;
  logger: Logger;
}

export interface Relay {
  /** Settles when stdin has ended and the session was closed. */
  readonly finished: Promise<void>;
}

const MODERN_VERSION_META_KEY = 'io.modelcontextprotocol/protocolVersion';
/** Which params field the Mcp-Name header mirrors, per method (2026-07-28 Streamable HTTP binding). */
const MCP_NAME_SOURCE: Record<string, string> = {
  'tools/call': 'name',
  'prompts/get': 'name',
  'resources/read': 'uri',
  'tasks/get': 'taskId',
  'tasks/update': 'taskId',
  'tasks/cancel': 'taskId',
};

export function startRelay(options: RelayOptions): Relay {
  const logger = options.logger.child('relay');
  const inFlight = new Map<string, { controller: AbortController; modern: boolean }>();
  const tasks = new Set<Promise<void>>();
  let sessionId: string | undefined;
  let legacyProtocolVersion: string | undefined;

  const write = (message: unknown) => {
    options.output.write(`${JSON.stringify(message)}\n`);
  };
  const track = (task: Promise<void>) => {
    tasks.add(task);
    void task.finally(() => tasks.delete(task));
  };
  const legacyHeaders = (): Record<string, string> => ({
    ...(sessionId === undefined ? {} : { 'mcp-session-id': sessionId }),
    ...(legacyProtocolVersion === undefined ? {} : { 'mcp-protocol-version': legacyProtocolVersion }),
  });
  const post = (message: JsonRpcMessage, headers: Record<string, string>, signal?: AbortSignal) =>
    fetch(options.mcpUrl, {
      method: 'POST',
      headers: {
        ...options.headers,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...headers,
      },
      body: JSON.stringify(message),
      ...(signal === undefined ? {} : { signal }),
    });

  async function forwardRequest(request: JsonRpcMessage & { id: RequestId; method: string }) {
    const modernVersion = modernClaimOf(request);
    const key = JSON.stringify(request.id);
    const controller = new AbortController();
    inFlight.set(key, { controller, modern: modernVersion !== undefined });
    let answered = false;
    try {
      const response = await post(
        request,
        modernVersion === undefined ? legacyHeaders() : modernHeaders(request, modernVersion),
        controller.signal,
      );
      const isHandshake = request.method === 'initialize' && modernVersion === undefined;
      if (isHandshake) sessionId = response.headers.get('mcp-session-id') ?? sessionId;
      const refusal = await relayBody(response, (reply) => {
        if (reply.id === request.id && reply.method === undefined) {
          answered = true;
          if (isHandshake) legacyProtocolVersion = protocolVersionOf(reply.result) ?? legacyProtocolVersion;
        }
        write(reply);
      });
      if (!answered && !controller.signal.aborted) {
        write(
          errorReply(request.id, refusal ?? `The bridge answered HTTP ${response.status} without a result.`),
        );
      }
    } catch (error) {
      // A call the client cancelled gets no answer: that is what cancellation means in both eras.
      if (controller.signal.aborted) return;
      logger.warn('forwarding failed', { method: request.method, error: String(error) });
      write(
        errorReply(
          request.id,
          `The ComfyUI MCP Bridge at ${options.mcpUrl} did not answer (${describe(error)}). ` +
            'If the app was closed, start it again and restart this MCP server in your client.',
        ),
      );
    } finally {
      inFlight.delete(key);
    }
  }

  /**
   * Delivers every JSON-RPC message of a response. Returns the reason when the bridge refused the request
   * outside JSON-RPC (its HTTP guard answers 401/403/413 with {error: {code, message}}).
   */
  async function relayBody(
    response: Response,
    deliver: (message: JsonRpcMessage) => void,
  ): Promise<string | undefined> {
    const type = response.headers.get('content-type') ?? '';
    if (type.includes('text/event-stream') && response.body) {
      for await (const data of sseData(response.body)) {
        const message = parseMessage(data);
        if (message) deliver(message);
        else logger.warn('ignored a malformed event from the bridge', { data: data.slice(0, 200) });
      }
      return undefined;
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? [] : JSON.parse(text);
    } catch {
      parsed = [];
    }
    const messages = (Array.isArray(parsed) ? parsed : [parsed]).filter(isJsonRpcMessage);
    messages.forEach(deliver);
    if (messages.length > 0 || response.ok) return undefined;
    const reason = (parsed as { error?: { message?: unknown } }).error?.message;
    logger.warn('the bridge refused a request', { status: response.status, body: text.slice(0, 300) });
    return `The bridge refused the request (HTTP ${response.status}): ${
      typeof reason === 'string' ? reason : text.slice(0, 200)
    }`;
  }

  /** Notifications and the client's answers to server requests need no reply. */
  async function forwardQuietly(message: JsonRpcMessage, headers: Record<string, string>) {
    try {
      const response = await post(message, headers);
      await response.body?.cancel();
    } catch (error) {
      logger.warn('could not forward a message', { method: message.method, error: String(error) });
    }
  }

  async function forwardNotification(notification: JsonRpcMessage & { method: string }) {
    if (notification.method === 'notifications/cancelled') {
      const call = inFlight.get(JSON.stringify(notification.params?.requestId));
      if (call?.modern) {
        call.controller.abort();
        return;
      }
      await forwardQuietly(notification, legacyHeaders());
      // The session has stopped the call; the stream would otherwise stay open with nothing to carry.
      call?.controller.abort();
      return;
    }
    const modernVersion = modernClaimOf(notification);
    await forwardQuietly(
      notification,
      modernVersion === undefined ? legacyHeaders() : { 'mcp-protocol-version': modernVersion },
    );
  }

  function dispatch(line: string) {
    if (line.trim() === '') return;
    const message = parseMessage(line);
    if (!message) {
      logger.warn('ignored a line that is not JSON-RPC', { line: line.slice(0, 200) });
      write({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } });
      return;
    }
    if (message.method !== undefined && message.id !== undefined && message.id !== null) {
      track(forwardRequest(message as JsonRpcMessage & { id: RequestId; method: string }));
    } else if (message.method !== undefined) {
      track(forwardNotification(message as JsonRpcMessage & { method: string }));
    } else {
      track(forwardQuietly(message, legacyHeaders()));
    }
  }

  const lines = createInterface({ input: options.input, crlfDelay: Infinity });
  lines.on('line', dispatch);
  const finished = new Promise<void>((resolve) => lines.once('close', resolve)).then(async () => {
    // The client is gone: nobody reads the answers any more.
    for (const call of inFlight.values()) call.controller.abort();
    await Promise.allSettled([...tasks]);
    if (sessionId !== undefined) await endSession(options, sessionId, legacyHeaders(), logger);
  });
  return { finished };
}

async function endSession(
  options: RelayOptions,
  sessionId: string,
  headers: Record<string, string>,
  logger: Logger,
) {
  try {
    const response = await fetch(options.mcpUrl, {
      method: 'DELETE',
      headers: { ...options.headers, ...headers },
      signal: AbortSignal.timeout(2_000),
    });
    await response.body?.cancel();
  } catch (error) {
    logger.debug('could not end the session', { sessionId, error: String(error) });
  }
}

function modernClaimOf(message: JsonRpcMessage): string | undefined {
  const meta = message.params?._meta;
  if (typeof meta !== 'object' || meta === null) return undefined;
  const version = (meta as Record<string, unknown>)[MODERN_VERSION_META_KEY];
  return typeof version === 'string' ? version : undefined;
}

/** The standard headers a 2026-07-28 request POST must carry. */
export function modernHeaders(
  request: { method: string; params?: Record<string, unknown> },
  version: string,
): Record<string, string> {
  const headers: Record<string, string> = { 'mcp-protocol-version': version, 'mcp-method': request.method };
  const field = MCP_NAME_SOURCE[request.method];
  const name = field === undefined ? undefined : request.params?.[field];
  if (typeof name === 'string') headers['mcp-name'] = headerSafe(name);
  return headers;
}

/** Visible ASCII passes as is; anything else goes in the binding's Base64 sentinel. */
function headerSafe(value: string): string {
  return /^[\x20-\x7e]*$/.test(value) && value.trim() === value
    ? value
    : `=?base64?${Buffer.from(value, 'utf8').toString('base64')}?=`;
}

function protocolVersionOf(result: unknown): string | undefined {
  const version = (result as { protocolVersion?: unknown } | undefined)?.protocolVersion;
  return typeof version === 'string' ? version : undefined;
}

function parseMessage(text: string): JsonRpcMessage | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isJsonRpcMessage(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function isJsonRpcMessage(value: unknown): value is JsonRpcMessage {
  return typeof value === 'object' && value !== null && (value as { jsonrpc?: unknown }).jsonrpc === '2.0';
}

function errorReply(id: RequestId, message: string) {
  return { jsonrpc: '2.0', id, error: { code: -32603, message } };
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } }).cause;
  return typeof cause?.code === 'string'
    ? cause.code
    : error instanceof Error
      ? error.message
      : String(error);
}
