import WebSocket from 'ws';
import type { Logger } from '../log.js';
import { describeNetworkError } from './network-error.js';
import { featureFlagsMessage, parseBinaryFrame, parseTextFrame, type ServerMessage } from './messages.js';

export interface ComfySocketOptions {
  /** ws://host:port/ws?clientId=… */
  url: string;
  logger: Logger;
  /** How long the handshake may take, until the first `status` frame. */
  handshakeTimeoutMs: number;
  /** A socket that misses one pong within this interval is terminated and reopened. */
  pingIntervalMs: number;
  /** First reconnect delay; doubles per failed attempt up to `maxReconnectDelayMs`. */
  reconnectDelayMs: number;
  maxReconnectDelayMs: number;
  onMessage: (message: ServerMessage) => void;
  onConnectionChange: (connected: boolean) => void;
}

/**
 * One websocket to ComfyUI, kept open: after the first successful open it reconnects by itself with backoff
 * until stop(). A new socket is only opened once the old one has closed, because ComfyUI silences a socket
 * whose clientId is later released by an older socket closing (API.md 2.1).
 */
export class ComfySocket {
  private socket: WebSocket | undefined;
  private opening: WebSocket | undefined;
  private stopped = true;
  private failures = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: ComfySocketOptions) {}

  get connected(): boolean {
    return this.socket !== undefined;
  }

  /** Opens the socket; rejects with the reason when the first attempt fails. */
  async start(): Promise<void> {
    if (this.socket) return;
    this.stopped = false;
    try {
      await this.openOnce();
    } catch (error) {
      this.stopped = true;
      throw error;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    this.opening?.terminate();
    const socket = this.socket;
    if (!socket) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.close();
      // A server that never answers the close frame must not hold up shutdown.
      setTimeout(() => socket.terminate(), 2000).unref();
    });
  }

  /** Resolves once the socket is adopted: synchronously on its status frame, so no frame after it is missed. */
  private openOnce(): Promise<void> {
    const { url, handshakeTimeoutMs } = this.options;
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, { handshakeTimeout: handshakeTimeoutMs });
      this.opening = socket;
      const fail = (reason: string) => {
        cleanup();
        socket.terminate();
        reject(new Error(reason));
      };
      const timer = setTimeout(
        () => fail(`no status frame within ${handshakeTimeoutMs} ms`),
        handshakeTimeoutMs,
      );
      const onOpen = () => socket.send(featureFlagsMessage);
      const onError = (error: Error) => fail(describeNetworkError(error));
      const onClose = (code: number) => fail(`websocket closed during the handshake (code ${code})`);
      const onMessage = (data: WebSocket.RawData, isBinary: boolean) => {
        const message = isBinary ? undefined : parseTextFrame(rawToString(data));
        if (message?.type !== 'status') return;
        cleanup();
        this.options.onMessage(message);
        this.adopt(socket);
        resolve();
      };
      const cleanup = () => {
        clearTimeout(timer);
        if (this.opening === socket) this.opening = undefined;
        socket.off('open', onOpen).off('error', onError).off('close', onClose).off('message', onMessage);
      };
      socket.on('open', onOpen).on('error', onError).on('close', onClose).on('message', onMessage);
    });
  }

  private adopt(socket: WebSocket): void {
    if (this.stopped) {
      socket.terminate();
      return;
    }
    this.socket = socket;
    this.failures = 0;
    let awaitingPong = false;
    socket.on('pong', () => (awaitingPong = false));
    socket.on('message', (data, isBinary) => {
      const message = isBinary ? parseBinaryFrame(rawToBuffer(data)) : parseTextFrame(rawToString(data));
      if (message) this.options.onMessage(message);
    });
    socket.on('error', (error) => this.options.logger.warn('websocket error', { error }));
    socket.on('close', (code) => {
      clearInterval(this.pingTimer);
      this.socket = undefined;
      this.options.logger.info('websocket closed', { code });
      this.options.onConnectionChange(false);
      if (!this.stopped) this.scheduleReconnect();
    });
    this.pingTimer = setInterval(() => {
      if (awaitingPong) {
        this.options.logger.warn('websocket missed a pong; reconnecting');
        socket.terminate();
        return;
      }
      awaitingPong = true;
      socket.ping();
    }, this.options.pingIntervalMs);
    this.options.onConnectionChange(true);
  }

  private scheduleReconnect(): void {
    const { reconnectDelayMs, maxReconnectDelayMs, logger } = this.options;
    const delay = Math.min(reconnectDelayMs * 2 ** this.failures, maxReconnectDelayMs);
    this.reconnectTimer = setTimeout(() => {
      this.openOnce().catch((error: unknown) => {
        this.failures += 1;
        logger.debug('reconnect attempt failed', { error, failures: this.failures });
        if (!this.stopped) this.scheduleReconnect();
      });
    }, delay);
  }
}

function rawToBuffer(data: WebSocket.RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

function rawToString(data: WebSocket.RawData): string {
  return rawToBuffer(data).toString('utf8');
}
