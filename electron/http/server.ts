import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { networkInterfaces } from 'node:os';
import { BridgeError } from '../errors.js';
import type { Logger } from '../log.js';
import { readBody, refuseOversizedBody, type LingerBounds } from './body.js';
import {
  allowedHostnames,
  hasBearerToken,
  isAllowedHost,
  isAllowedOrigin,
  isLoopbackAddress,
  localHostFor,
  networkHostsFor,
} from './guard.js';
import type { HostPolicy, InterfaceAddress } from './guard.js';

/** A route handler gets the request body already read (and bounded); it is empty for GET and HEAD. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void | Promise<void>;

export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

export interface HttpServerOptions {
  /** Address to bind; default 127.0.0.1. Anything but loopback requires `token`. */
  host?: string;
  /** 0 picks any free port. */
  port: number;
  /** Bearer token required on /mcp when set; the core sets one on loopback too unless the user opted out. */
  token?: string;
  mcpHandler: RouteHandler;
  /**
   * Serves the stdio shim's challenge (`/shim/hello`) without a token: the shim proves the server before it
   * sends the token. Without it that path is the static handler's.
   */
  shimHelloHandler?: RouteHandler;
  /** Serves /api and /api/*; without it those answer 404. It checks its own (dashboard) token. */
  apiHandler?: RouteHandler;
  /** Serves every other path (the built dashboard); without it those answer 404. */
  staticHandler?: RouteHandler;
  /**
   * Takes websocket upgrade requests that passed the Host and Origin checks (the dashboard's live events);
   * without it every upgrade is refused.
   */
  upgradeHandler?: UpgradeHandler;
  logger: Logger;
  maxBodyBytes?: number;
  /** Extra host names clients may use to reach us (e.g. the machine's LAN name when bound to 0.0.0.0). */
  allowedHosts?: string[];
}

export interface BridgeHttpServer {
  /** The bound address and the real port (also when started with port 0). */
  address(): { host: string; port: number };
  /** Base URL for clients on this machine, e.g. http://127.0.0.1:8190 (loopback when bound to 0.0.0.0 or ::). */
  readonly url: string;
  /** Base URLs other machines can use (empty on loopback); every one passes the Host check. */
  readonly networkUrls: readonly string[];
  close(): Promise<void>;
}

export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;
/** A refused client may send as much again as the limit, for a few seconds, while it reads its 413. */
const lingerBoundsFor = (maxBodyBytes: number): LingerBounds => ({ bytes: maxBodyBytes, ms: 5_000 });
const MCP_PATH = '/mcp';
/** Where the stdio shim challenges the server (stdio/handshake.ts); no token is needed there. */
export const SHIM_HELLO_PATH = '/shim/hello';

/** Starts the bridge's single HTTP server: /mcp for agents, /api for the dashboard, guarded on every request. */
export async function createHttpServer(options: HttpServerOptions): Promise<BridgeHttpServer> {
  const host = options.host ?? '127.0.0.1';
  const logger = options.logger.child('http');
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const token = options.token === '' ? undefined : options.token;
  if (!isLoopbackAddress(host) && token === undefined) {
    throw new BridgeError('token_required', `Refusing to listen on ${host} without an access token.`, {
      hint: "Anyone on the network could use this machine's GPU and write files: set a token (settings or --token), or bind to 127.0.0.1.",
    });
  }

  const interfaces = localInterfaceAddresses();
  const networkHosts = networkHostsFor(host, interfaces);
  // What we advertise we accept, whatever allowedHostnames makes of the interfaces.
  const hostnames = allowedHostnames(host, {
    interfaceAddresses: interfaces.map((entry) => entry.address),
    extra: [...networkHosts, ...(options.allowedHosts ?? [])],
  });
  const server = createServer((req, res) => {
    // Read per request: with port 0 the real port is only known once listening.
    const policy: HostPolicy = { hostnames, port: (server.address() as AddressInfo).port };
    handleRequest(req, res, { ...options, token, maxBodyBytes, policy, logger }).catch((error: unknown) => {
      logger.error('request handler failed', { url: req.url, error: String(error) });
      if (!res.headersSent) reject(res, 500, 'internal_error', 'Internal error; see the bridge log.');
      else res.destroy();
    });
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const policy: HostPolicy = { hostnames, port: (server.address() as AddressInfo).port };
    const refusal = refuseForeign(req, policy);
    if (refusal) {
      logger.warn(refusal.log, { host: req.headers.host, origin: req.headers.origin });
      return refuseUpgrade(socket, 403, refusal.code, refusal.message);
    }
    if (!options.upgradeHandler) return refuseUpgrade(socket, 404, 'not_found', 'No websocket here.');
    options.upgradeHandler(req, socket, head);
  });

  const port = await listen(server, host, options.port);
  const url = `http://${localHostFor(host)}:${port}`;
  const networkUrls = networkHosts.map((networkHost) => `http://${networkHost}:${port}`);
  logger.info('listening', { url, networkUrls, token: token !== undefined });

  return {
    address: () => ({ host, port }),
    url,
    networkUrls,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Streaming responses (SSE) and keep-alive sockets would otherwise hold close() open indefinitely.
        server.closeAllConnections();
      }),
  };
}

interface RequestScope extends HttpServerOptions {
  token: string | undefined;
  maxBodyBytes: number;
  policy: HostPolicy;
  logger: Logger;
}

async function handleRequest(req: IncomingMessage, res: ServerResponse, scope: RequestScope): Promise<void> {
  const refusal = refuseForeign(req, scope.policy);
  if (refusal) {
    scope.logger.warn(refusal.log, { host: req.headers.host, origin: req.headers.origin });
    return reject(res, 403, refusal.code, refusal.message);
  }

  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  const route = pickRoute(path, scope);
  if (route === undefined) return reject(res, 404, 'not_found', `Nothing at ${path}.`);

  if (
    path === MCP_PATH &&
    scope.token !== undefined &&
    !hasBearerToken(req.headers.authorization, scope.token)
  ) {
    res.setHeader('WWW-Authenticate', 'Bearer realm="comfyui-mcp-bridge"');
    return reject(
      res,
      401,
      'unauthorized',
      'Missing or wrong access token: send "Authorization: Bearer <token>" with the token from the bridge settings.',
    );
  }

  const body = await readBody(req, scope.maxBodyBytes);
  if (body === 'too_large') {
    const message = `Request body exceeds ${scope.maxBodyBytes} bytes.`;
    return refuseOversizedBody(req, { code: 'body_too_large', message }, lingerBoundsFor(scope.maxBodyBytes));
  }
  await route(req, res, body);
}

/** DNS rebinding and cross-site requests: checked on every request and every websocket upgrade. */
function refuseForeign(
  req: IncomingMessage,
  policy: HostPolicy,
): { code: string; message: string; log: string } | undefined {
  if (!isAllowedHost(req.headers.host, policy))
    return {
      code: 'forbidden_host',
      message: 'Host header not allowed: use http://127.0.0.1:PORT or localhost.',
      log: 'rejected request with a foreign Host header',
    };
  if (!isAllowedOrigin(req.headers.origin, policy))
    return {
      code: 'forbidden_origin',
      message: 'Cross-origin requests are not allowed.',
      log: 'rejected cross-origin request',
    };
  return undefined;
}

function pickRoute(path: string, scope: RequestScope): RouteHandler | undefined {
  if (path === MCP_PATH) return scope.mcpHandler;
  if (path === SHIM_HELLO_PATH && scope.shimHelloHandler) return scope.shimHelloHandler;
  if (path === '/api' || path.startsWith('/api/')) return scope.apiHandler;
  return scope.staticHandler;
}

const statusTexts: Record<number, string> = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' };

/** Answers a websocket upgrade with a plain HTTP error and closes the socket. */
export function refuseUpgrade(socket: Duplex, status: 401 | 403 | 404, code: string, message: string): void {
  const body = JSON.stringify({ error: { code, message } });
  socket.end(
    `HTTP/1.1 ${status} ${statusTexts[status]}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

function reject(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ error: { code, message } }));
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => reject(describeListenError(error, host, port));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function describeListenError(error: NodeJS.ErrnoException, host: string, port: number): Error {
  if (error.code === 'EADDRINUSE')
    return new BridgeError(
      'port_in_use',
      `port ${port} is in use; choose another with --port or stop the other process`,
      {
        cause: error,
      },
    );
  if (error.code === 'EADDRNOTAVAIL')
    return new BridgeError('address_unavailable', `${host} is not an address of this machine.`, {
      hint: "Bind to 127.0.0.1, 0.0.0.0, or one of this machine's own addresses.",
      cause: error,
    });
  if (error.code === 'EACCES')
    return new BridgeError('port_forbidden', `Not allowed to listen on port ${port}.`, {
      hint: 'Choose a port above 1024 with --port.',
      cause: error,
    });
  return error;
}

function localInterfaceAddresses(): InterfaceAddress[] {
  return Object.values(networkInterfaces())
    .flatMap((entries) => entries ?? [])
    .map((entry) => ({
      address: entry.address.split('%')[0] ?? entry.address,
      family: entry.family,
      internal: entry.internal,
    }));
}
