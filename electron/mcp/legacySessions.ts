import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/server';
import type { McpServer, Server } from '@modelcontextprotocol/server';
import { monotonicNow, type MonotonicClock } from '../clock.js';
import type { Logger } from '../log.js';
import type { BridgeServerFactory } from './server.js';
import { idleSessions, sessionToEvict } from './sessionPolicy.js';

/*
 * 2025-era (initialize handshake) clients served with sessions. The SDK's default stateless legacy leg
 * answers every POST from a fresh server instance, so a server->client request (roots/list) and the
 * client's answer, or a notifications/cancelled for a running call, land on an instance that never saw
 * the original call. One long-lived instance per Mcp-Session-Id keeps them together.
 *
 * Ordinary clients close without DELETE, so sessions are swept when idle and capped in number. Neither may
 * cut a call off: a session whose call is still being answered is busy, and is never swept or evicted; when
 * the cap is reached and every session is busy, the new session is refused (503). A session that must go
 * anyway (the client's DELETE, shutdown) first releases its calls: each answers with what it has (a running
 * generation answers `status: "running"` with its batch id) and its ComfyUI work carries on.
 */

export interface LegacySessionsOptions {
  factory: BridgeServerFactory;
  logger: Logger;
  maxRequestBodySize: number;
  /** A session without a call in flight that nobody has used for this long is closed. */
  idleMs?: number;
  /** At this many sessions the least recently used idle one is closed for a new one. */
  maxSessions?: number;
  /** How long a closing session waits for its released calls to send their answers. */
  answerGraceMs?: number;
  /** The clock idle times are measured on (tests inject one); never the wall clock. */
  monotonicNow?: MonotonicClock;
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
  /** POSTs whose answer stream is still open: the calls in flight. */
  calls: number;
  /** Aborted when the session goes: its calls answer now and leave their work running. */
  release: AbortController;
  /** Resolved when `calls` drops to 0. */
  whenIdle: Set<() => void>;
}

const DEFAULT_IDLE_MS = 60 * 60 * 1000;
const DEFAULT_MAX_SESSIONS = 200;
const DEFAULT_ANSWER_GRACE_MS = 5_000;

export function createLegacySessions(options: LegacySessionsOptions): LegacySessions {
  const logger = options.logger.child('legacy-sessions');
  const idleMs = options.idleMs ?? DEFAULT_IDLE_MS;
  const maxSessions = options.maxSessions ?? DEFAULT_MAX_SESSIONS;
  const answerGraceMs = options.answerGraceMs ?? DEFAULT_ANSWER_GRACE_MS;
  const now = options.monotonicNow ?? monotonicNow;
  const sessions = new Map<string, Session>();
  /** Sessions whose initialize is being handled: they count against the cap before they have an id. */
  let opening = 0;

  const closeSession = async (id: string, reason: string) => {
    const session = sessions.get(id);
    if (!session) return;
    sessions.delete(id);
    logger.debug('session closed', { id, reason, calls: session.calls });
    session.release.abort();
    if (session.calls > 0) await answersSent(session, answerGraceMs);
    await session.server.close().catch((error: unknown) => {
      logger.warn('closing a session failed', { id, error: String(error) });
    });
  };

  const sweep = () => {
    for (const id of idleSessions(sessions, now(), idleMs)) void closeSession(id, 'idle');
  };
  // setInterval runs on a monotonic clock; the sweep also runs before each new session is counted.
  const sweeper = setInterval(sweep, Math.min(idleMs, 60_000));
  sweeper.unref();

  /** Makes room for one more session; false when every session has a call in flight. */
  const makeRoom = (): boolean => {
    sweep();
    if (sessions.size + opening < maxSessions) return true;
    const victim = sessionToEvict(sessions);
    if (victim === undefined) return false;
    void closeSession(victim, 'too many sessions');
    return true;
  };

  /** Counts the call an answer stream carries until the stream ends (answered, or the client went away). */
  const track = (session: Session, request: Request, response: Response): Response => {
    const streams = response.headers.get('content-type')?.startsWith('text/event-stream') ?? false;
    if (request.method !== 'POST' || !streams || response.body === null) return response;
    session.calls += 1;
    const body = onStreamEnd(response.body, () => {
      session.calls -= 1;
      session.lastUsed = now();
      if (session.calls === 0) for (const resolve of session.whenIdle) resolve();
    });
    return new Response(body, { status: response.status, headers: response.headers });
  };

  const openSession = async (request: Request): Promise<Response> => {
    if (!makeRoom()) {
      logger.warn('refused a new session: every session has a call in flight', { sessions: sessions.size });
      return jsonRpcError(
        503,
        `The bridge already serves ${maxSessions} MCP sessions, each with a call still running, and does not ` +
          'cut a running call off. Try again in a few seconds, or end sessions you no longer use (HTTP DELETE).',
        { 'retry-after': '5' },
      );
    }
    opening += 1;
    try {
      const release = new AbortController();
      setMaxListeners(0, release.signal); // one listener per call in flight
      const server = await options.factory({ era: 'legacy', requestInfo: request, release: release.signal });
      const transport: WebStandardStreamableHTTPServerTransport =
        new WebStandardStreamableHTTPServerTransport({
          sessionIdGenerator: randomUUID,
          maxRequestBodySize: options.maxRequestBodySize,
          onsessioninitialized: (id) => {
            sessions.set(id, session);
            logger.debug('session opened', { id });
          },
          // The transport waits for this before it closes: the calls answer on their open streams first.
          onsessionclosed: (id) => closeSession(id, 'client ended it'),
        });
      const session: Session = { server, transport, lastUsed: now(), calls: 0, release, whenIdle: new Set() };
      await server.connect(transport);
      const response = await transport.handleRequest(request);
      // Anything but a successful initialize leaves no session behind; the transport has answered the error.
      if (transport.sessionId === undefined) await server.close();
      return track(session, request, response);
    } finally {
      opening -= 1;
    }
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
      // A message is use; the client's standalone GET stream (opened and re-opened on its own) is not.
      if (request.method !== 'GET') session.lastUsed = now();
      return track(session, request, await session.transport.handleRequest(request));
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

/** Resolves when the session has no call in flight, or after `limitMs`, whichever comes first. */
function answersSent(session: Session, limitMs: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      session.whenIdle.delete(done);
      resolve();
    };
    const timer = setTimeout(done, limitMs);
    session.whenIdle.add(done);
  });
}

/** The same bytes, with `onEnd` called once when the stream finishes, fails or is cancelled by the reader. */
function onStreamEnd(body: ReadableStream<Uint8Array>, onEnd: () => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    onEnd();
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          end();
          controller.close();
          return;
        }
        controller.enqueue(value);
      } catch (error) {
        end();
        controller.error(error);
      }
    },
    async cancel(reason) {
      end();
      await reader.cancel(reason);
    },
  });
}

function jsonRpcError(status: number, message: string, headers: Record<string, string> = {}): Response {
  return Response.json({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }, { status, headers });
}
