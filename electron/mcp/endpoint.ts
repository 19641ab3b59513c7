import { setMaxListeners } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  createMcpHandler,
  DEFAULT_MAX_REQUEST_BODY_SIZE,
  isLegacyRequest,
} from '@modelcontextprotocol/server';
import { isNestedDeeperThan, MAX_JSON_NESTING } from '../http/json-depth.js';
import type { MonotonicClock } from '../clock.js';
import type { Logger } from '../log.js';
import { definedOnly } from '../objects.js';
import { carriesClientRequest } from './client-request.js';
import { createLegacySessions } from './legacySessions.js';
import { toNodeMcpHandler } from './node-adapter.js';
import type { BridgeServerFactory } from './server.js';

export interface McpEndpointOptions {
  /** Usually `createBridgeMcpServerFactory(...)`; one factory serves both protocol eras. */
  factory: BridgeServerFactory;
  logger: Logger;
  maxBodyBytes?: number;
  /** Idle time after which a 2025-era session without a call in flight is closed. */
  sessionIdleMs?: number;
  maxSessions?: number;
  /** The clock session idle times are measured on; tests inject one. */
  monotonicNow?: MonotonicClock;
  /** Told when a client's request (initialize, server/discover, tools/list, …) was answered with success. */
  onClientRequest?: () => void;
}

export interface McpEndpoint {
  /** Serves /mcp. `body` is the request body the HTTP server already read (empty for GET/DELETE). */
  handle(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void>;
  /** The same endpoint as a web-standard handler. */
  fetch(request: Request): Promise<Response>;
  close(): Promise<void>;
}

/**
 * The Streamable HTTP MCP endpoint: 2026-07-28 requests go to the SDK's per-request modern handler, 2025-era
 * traffic (initialize handshake, Mcp-Session-Id) to a sessionful leg so server->client requests such as
 * roots/list, and cancellations, reach the instance running the call.
 */
export function createMcpEndpoint(options: McpEndpointOptions): McpEndpoint {
  const logger = options.logger.child('mcp-http');
  const maxRequestBodySize = options.maxBodyBytes ?? DEFAULT_MAX_REQUEST_BODY_SIZE;
  const onerror = (error: Error) => logger.debug('mcp transport error', { error: error.message });

  // At shutdown every call answers with what it has (a generation: its batch id) before the connections close,
  // and its ComfyUI work goes on: a closing connection must not read as the client cancelling. Legacy sessions
  // are released by their own close.
  const shutdown = new AbortController();
  // One listener per running call: many at once are expected, not a leak.
  setMaxListeners(0, shutdown.signal);
  const modernFactory: BridgeServerFactory = (ctx) => options.factory({ ...ctx, release: shutdown.signal });
  const modern = createMcpHandler(modernFactory, { legacy: 'reject', onerror, maxRequestBodySize });
  const legacy = createLegacySessions({
    factory: options.factory,
    logger,
    maxRequestBodySize,
    ...definedOnly({
      idleMs: options.sessionIdleMs,
      maxSessions: options.maxSessions,
      monotonicNow: options.monotonicNow,
    }),
  });

  // `parsedBody`: the JSON the HTTP server already read and parsed (handle); with it the SDK neither clones the
  // request nor reads and parses its body again, twice (era check, then the modern handler's own routing).
  const route = async (request: Request, parsedBody?: unknown): Promise<Response> =>
    (await isLegacyRequest(request, parsedBody, { maxRequestBodySize }))
      ? legacy.fetch(request)
      : modern.fetch(request, parsedBody === undefined ? undefined : { parsedBody });
  const fetch = (request: Request): Promise<Response> => route(request);

  const nodeHandler = toNodeMcpHandler(route, {
    maxRequestBodySize,
    onerror: (error) => logger.error('mcp request failed', { error: error.message }),
  });

  return {
    fetch,
    async handle(req, res, body) {
      if (isNestedDeeperThan(body)) return refuseDeepNesting(res);
      await nodeHandler(req, res, body, parsedJson(body));
      if (res.statusCode === 200 && options.onClientRequest && carriesClientRequest(body))
        options.onClientRequest();
    },
    async close() {
      shutdown.abort();
      await Promise.all([modern.close(), legacy.close()]);
    },
  };
}

/**
 * The body as JSON, or undefined when it is not (empty, not JSON, a byte-order mark): the SDK then reads it
 * itself and gives its own answer, as before.
 */
function parsedJson(body: Buffer): unknown {
  if (body.byteLength === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** JSON-RPC's parse error, answered before parsing: see json-depth.ts for why. */
function refuseDeepNesting(res: ServerResponse): void {
  res.writeHead(400, { 'Content-Type': 'application/json' });
  res.end(
    JSON.stringify({
      jsonrpc: '2.0',
      error: {
        code: -32700,
        message: `Parse error: the message nests more than ${MAX_JSON_NESTING} arrays or objects inside one another; MCP messages are a few levels deep.`,
      },
      id: null,
    }),
  );
}
