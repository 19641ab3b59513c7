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
 *
 * The core relayed to can go away mid-call (the shim hosting it exited, or it crashed). Then `reattach`
 * names the core now serving the data folder (attach.ts), a 2025 session is opened there again with the
 * client's own initialize, and every call that had no answer yet is sent again. Each tools/call carries a
 * request key (mcp/request-key.ts), so a generation sent again resumes its batch, stored on disk, instead of
 * queueing the work twice; the other tools read, or refuse to overwrite, so sending them again is safe.
 * A bridge that stops cleanly answers a waiting call with `bridge_stopped`, which is handled the same way.
 *
 * The handlers here share one connection's state (the session, the calls in flight, the core relayed to and its
 * generation); what needs none of it is beside them: the pure helpers on the JSON-RPC messages and headers
 * (relay-messages.ts), and reading an answer's messages and ending a session over HTTP (relay-http.ts).
 */
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Logger } from '../log.js';
import type { RelayTarget } from './attach.js';
import { modernClaimOf } from './early-answer.js';
import {
  describe,
  errorReply,
  isBridgeStopped,
  modernHeaders,
  parseMessage,
  protocolVersionOf,
  unreachable,
  withRequestKey,
  type JsonRpcMessage,
  type RequestId,
} from './relay-messages.js';
import { endSession, relayBody } from './relay-http.js';

export { modernHeaders } from './relay-messages.js';

export interface RelayOptions extends RelayTarget {
  /** The core to use once the one relayed to has gone away; without it, such calls are answered with an error. */
  reattach?: () => Promise<RelayTarget>;
  input: Readable;
  output: Writable;
  logger: Logger;
}

export interface Relay {
  /** Settles when stdin has ended and the session was closed. */
  readonly finished: Promise<void>;
}

/** Sends of one call; a core that keeps dying under it is not chased for ever. */
const MAX_SENDS = 4;
interface InFlightCall {
  controller: AbortController;
  modern: boolean;
  /** The client cancelled it or went away: it gets no answer and is never sent again. */
  cancelled: boolean;
}

export function startRelay(options: RelayOptions): Relay {
  const logger = options.logger.child('relay');
  const inFlight = new Map<string, InFlightCall>();
  const tasks = new Set<Promise<void>>();
  let sessionId: string | undefined;
  let legacyProtocolVersion: string | undefined;
  let target: RelayTarget = { mcpUrl: options.mcpUrl, headers: options.headers };
  /** Counts the cores relayed to; a call sent to an earlier one is sent again to the current one. */
  let generation = 0;
  let moving: Promise<void> | undefined;
  let legacyInitialize: JsonRpcMessage | undefined;
  const keyPrefix = randomBytes(12).toString('base64url');
  let calls = 0;

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
    fetch(target.mcpUrl, {
      method: 'POST',
      headers: {
        ...target.headers,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...headers,
      },
      body: JSON.stringify(message),
      ...(signal === undefined ? {} : { signal }),
    });

  async function forwardRequest(received: JsonRpcMessage & { id: RequestId; method: string }) {
    const modernVersion = modernClaimOf(received);
    const request =
      received.method === 'tools/call' && options.reattach
        ? withRequestKey(received, `${keyPrefix}.${(calls += 1)}`)
        : received;
    const isHandshake = request.method === 'initialize' && modernVersion === undefined;
    if (isHandshake) legacyInitialize = request;
    const key = JSON.stringify(request.id);
    const call: InFlightCall = {
      controller: new AbortController(),
      modern: modernVersion !== undefined,
      cancelled: false,
    };
    inFlight.set(key, call);
    try {
      for (let sends = 1; ; sends += 1) {
        await moving;
        const sentTo = generation;
        const mayResend = options.reattach !== undefined && sends < MAX_SENDS;
        const outcome = await sendOnce(request, modernVersion, isHandshake, call, mayResend);
        if (outcome === 'done') return;
        const moved = await moveOnFrom(sentTo);
        if (call.cancelled) return;
        if (!moved) {
          write(
            errorReply(request.id, unreachable(target.mcpUrl, 'it went away and no other core took over')),
          );
          return;
        }
        logger.info('sending the call again to the core now serving the data folder', {
          method: request.method,
          url: target.mcpUrl,
        });
      }
    } finally {
      inFlight.delete(key);
    }
  }

  /** One send of a request: `gone` when the core went away before answering and the call may be sent again. */
  async function sendOnce(
    request: JsonRpcMessage & { id: RequestId; method: string },
    modernVersion: string | undefined,
    isHandshake: boolean,
    call: InFlightCall,
    mayResend: boolean,
  ): Promise<'done' | 'gone'> {
    const { controller } = call;
    let answered = false;
    let stopped = false;
    try {
      const response = await post(
        request,
        modernVersion === undefined ? legacyHeaders() : modernHeaders(request, modernVersion),
        controller.signal,
      );
      if (isHandshake) sessionId = response.headers.get('mcp-session-id') ?? sessionId;
      const refusal = await relayBody(response, logger, (reply) => {
        if (reply.id === request.id && reply.method === undefined) {
          if (mayResend && isBridgeStopped(reply)) {
            stopped = true;
            return;
          }
          answered = true;
          if (isHandshake) legacyProtocolVersion = protocolVersionOf(reply.result) ?? legacyProtocolVersion;
        }
        write(reply);
      });
      if (call.cancelled || answered) return 'done';
      // A stream that ends without the answer is a core stopping under the call.
      if (stopped || (mayResend && response.ok && refusal === undefined)) return 'gone';
      write(
        errorReply(request.id, refusal ?? `The bridge answered HTTP ${response.status} without a result.`),
      );
      return 'done';
    } catch (error) {
      // A call the client cancelled gets no answer: that is what cancellation means in both eras.
      if (call.cancelled) return 'done';
      if (mayResend && !answered) {
        logger.warn('the core went away during a call', { method: request.method, error: String(error) });
        return 'gone';
      }
      logger.warn('forwarding failed', { method: request.method, error: String(error) });
      write(errorReply(request.id, unreachable(target.mcpUrl, describe(error))));
      return 'done';
    }
  }

  /**
   * Moves to the core now serving the data folder, once for every call that failed on the same one.
   * Resolves true when there is a newer core than `sentTo` to send to.
   */
  async function moveOnFrom(sentTo: number): Promise<boolean> {
    if (options.reattach === undefined) return false;
    if (generation === sentTo) {
      const reattach = options.reattach;
      moving ??= (async () => {
        try {
          target = await reattach();
          if (legacyInitialize !== undefined) await reopenSession(legacyInitialize);
          generation += 1;
        } catch (error) {
          logger.error('could not re-attach to a core', { error: String(error) });
        } finally {
          moving = undefined;
        }
      })();
      await moving;
    }
    return generation !== sentTo;
  }

  /** A 2025-era session lives in one core: the client's own handshake opens it again in the new one. */
  async function reopenSession(initialize: JsonRpcMessage) {
    sessionId = undefined;
    const response = await post({ ...initialize, id: `reattach-${generation + 1}` }, {});
    await response.text();
    if (!response.ok) throw new Error(`the new core refused the session (HTTP ${response.status})`);
    sessionId = response.headers.get('mcp-session-id') ?? undefined;
    const initialized = await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, legacyHeaders());
    await initialized.body?.cancel();
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
      // Marked first: the stream the session closes on cancel must not look like a core gone away.
      if (call) call.cancelled = true;
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
    for (const call of inFlight.values()) {
      call.cancelled = true;
      call.controller.abort();
    }
    await Promise.allSettled([...tasks]);
    if (sessionId !== undefined) await endSession(target, sessionId, legacyHeaders(), logger);
  });
  return { finished };
}
