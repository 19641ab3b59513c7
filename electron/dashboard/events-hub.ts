import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { eventsPath, type DashboardEvent } from '../../shared/dashboard-api.js';
import { hasRequestToken } from '../http/guard.js';
import { refuseUpgrade } from '../http/server.js';
import type { Logger } from '../log.js';

/*
 * The /api/events websocket: the server has already checked Host and Origin; the hub checks the path and the
 * dashboard token, then only sends. Clients that stop answering pings, or fall far behind, are dropped; the
 * page reconnects and reloads.
 */

export interface EventsHubOptions {
  /** The dashboard token as it is now. */
  token(): string;
  logger: Logger;
  /** Sent to every newly accepted client first, so it starts from the current state. */
  greeting?(): DashboardEvent;
  pingIntervalMs?: number;
}

export interface EventsHub {
  /** For the HTTP server's upgrade hook. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  broadcast(event: DashboardEvent): void;
  readonly clientCount: number;
  /** Closes every client with "going away" and stops accepting. */
  close(): Promise<void>;
}

/** A client this far behind is not reading; dropping it is kinder than buffering without bound. */
const maxBufferedBytes = 8 * 1024 * 1024;
const closeGraceMs = 1_000;

export function createEventsHub(options: EventsHubOptions): EventsHub {
  const logger = options.logger.child('events');
  // The dashboard never sends anything that matters; a small limit keeps a hostile client from costing memory.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4 * 1024 });
  const alive = new WeakMap<WebSocket, boolean>();
  let closed = false;

  const pinger = setInterval(() => {
    for (const client of wss.clients) {
      if (alive.get(client) === false) {
        client.terminate();
        continue;
      }
      alive.set(client, false);
      client.ping();
    }
  }, options.pingIntervalMs ?? 25_000);
  pinger.unref();

  const send = (client: WebSocket, text: string) => {
    if (client.readyState !== WebSocket.OPEN) return;
    if (client.bufferedAmount > maxBufferedBytes) {
      logger.warn('dropping a dashboard client that stopped reading');
      client.terminate();
      return;
    }
    client.send(text);
  };

  return {
    handleUpgrade(req, socket, head) {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      if (closed || path !== eventsPath) return refuseUpgrade(socket, 404, 'not_found', 'No websocket here.');
      if (!hasRequestToken(req.headers, req.url, options.token())) {
        logger.warn('refused a live-events connection without the dashboard token');
        return refuseUpgrade(
          socket,
          401,
          'unauthorized',
          'Missing or wrong dashboard token: open the dashboard from the tray, or with the Dashboard URL that "comfyui-mcp-bridge serve" printed.',
        );
      }
      wss.handleUpgrade(req, socket, head, (client) => {
        alive.set(client, true);
        client.on('pong', () => alive.set(client, true));
        client.on('error', (error) => logger.debug('dashboard socket error', { error: error.message }));
        if (options.greeting) send(client, JSON.stringify(options.greeting()));
      });
    },

    broadcast(event) {
      if (closed || wss.clients.size === 0) return;
      const text = JSON.stringify(event);
      for (const client of wss.clients) send(client, text);
    },

    get clientCount() {
      return wss.clients.size;
    },

    async close() {
      if (closed) return;
      closed = true;
      clearInterval(pinger);
      const closing = [...wss.clients].map(
        (client) =>
          new Promise<void>((resolve) => {
            client.once('close', () => resolve());
            client.close(1001, 'the bridge is stopping');
            // A client that never answers the close handshake must not hold the stop open.
            setTimeout(() => {
              client.terminate();
              resolve();
            }, closeGraceMs).unref();
          }),
      );
      await Promise.all(closing);
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
