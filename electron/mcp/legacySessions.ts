import { randomUUID } from 'node:crypto';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/server';
import type { McpServer, McpServerFactory, Server } from '@modelcontextprotocol/server';
import type { Logger } from '../log.js';

/*
 * 2025-era (initialize handshake) clients served with sessions. The SDK's default stateless legacy leg
 * answers every POST from a fresh server instance, so a server->client request (roots/list) and the
 * client's answer, or a notifications/cancelled for a running call, land on an instance that never saw
 * the original call. One long-lived instance per Mcp-Session-Id keeps them together.
 */

export interface LegacySessionsOptions {
  factory: McpServerFactory;
  logger: Logger;
  maxRequestBodySize: number;
  /** A session nobody has used for this long is closed; the client starts a new one on its next call. */
  idleMs?: number;
  /** Above this many sessions the least recently used one is closed. */
  maxSessions?: number;
}

export interface LegacySessions {
  fetch(request: Request): Promise<Response>;
  readonly size: number;
  close(): Promise<void>;
}

interface Session {
  server: McpServer | Server;
  transport: WebStandardStreamableHTTPServerTransport;
  lastUsed: number;
}

const DEFAULT_IDLE_MS = 60 * 60 * 1000;
const DEFAULT_MAX_SESSIONS = 200;

export function createLegacySessions(options: LegacySessionsOptions): LegacySessions {
  const logger = options.logger.child('legacy-sessions');
  const idleMs = options.idleMs ?? DEFAULT_IDLE_MS;
  const maxSessions = options.maxSessions ?? DEFAULT_MAX_SESSIONS;
  const sessions = new Map<string, Session>();

  const closeSession = async (id: string, reason: string) => {
    const session = sessions.get(id);
    if (!session) return;
    sessions.delete(id);
    logger.debug('session closed', { id, reason });
    await session.server.close().catch((error: unknown) => {
      logger.warn('closing a session failed', { id, error: String(error) });
    });
  };

  const sweep = () => {
    const now = Date.now();
    for (const [id, session] of sessions) if (now - session.lastUsed > idleMs) void closeSession(id, 'idle');
  };
  const sweeper = setInterval(sweep, Math.min(idleMs, 60_000));
  sweeper.unref();

  const evictLeastRecentlyUsed = () => {
    let oldest: [string, Session] | undefined;
    for (const entry of sessions) if (!oldest || entry[1].lastUsed < oldest[1].lastUsed) oldest = entry;
    if (oldest) void closeSession(oldest[0], 'too many sessions');
  };

  const openSession = async (request: Request): Promise<Response> => {
    const server = await options.factory({ era: 'legacy', requestInfo: request });
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      maxRequestBodySize: options.maxRequestBodySize,
      onsessioninitialized: (id) => {
        if (sessions.size >= maxSessions) evictLeastRecentlyUsed();
        sessions.set(id, { server, transport, lastUsed: Date.now() });
        logger.debug('session opened', { id });
      },
      onsessionclosed: (id) => closeSession(id, 'client ended it'),
    });
    await server.connect(transport);
    const response = await transport.handleRequest(request);
    // Anything but a successful initialize leaves no session behind; the transport has answered the error.
    if (transport.sessionId === undefined) await server.close();
    return response;
  };

  return {
    async fetch(request) {
      const id = request.headers.get('mcp-session-id');
      if (id === null) {
        if (request.method !== 'POST')
          return jsonRpcError(400, 'No Mcp-Session-Id header: start a session with an initialize request.');
        return openSession(request);
      }
      const session = sessions.get(id);
      if (!session)
        return jsonRpcError(
          404,
          'Unknown or expired MCP session: start a new one with an initialize request.',
        );
      session.lastUsed = Date.now();
      return session.transport.handleRequest(request);
    },
    get size() {
      return sessions.size;
    },
    async close() {
      clearInterval(sweeper);
      await Promise.all([...sessions.keys()].map((id) => closeSession(id, 'endpoint closed')));
    },
  };
}

function jsonRpcError(status: number, message: string): Response {
  return Response.json({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }, { status });
}
