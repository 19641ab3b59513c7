/**
 * The fake ComfyUI's websockets: who is connected under which client id, the hello a socket gets, the
 * feature_flags handshake, and where each message and binary frame goes (API.md 2.1, 2.2).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Outbox } from './fake-executor.js';
import { maxUploadSize } from './fake-http.js';

interface SocketState {
  sid: string;
  previewMetadata: boolean;
  sawFirstMessage: boolean;
}

export interface SocketHooks {
  /** The `status` payload: what the queue holds now. */
  status(): object;
  /** The node running now for a prompt of this client id, if any (a reconnecting socket is told it). */
  runningNodeOf(sid: string): string | undefined;
}

export class FakeSockets {
  /** true: websocket connections are refused (HTTP still answers). */
  refusing = false;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sockets = new Map<string, WebSocket>();
  private readonly socketState = new WeakMap<WebSocket, SocketState>();

  constructor(private readonly hooks: SocketHooks) {}

  get count(): number {
    return this.wss.clients.size;
  }

  upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    if ((url.pathname !== '/ws' && url.pathname !== '/api/ws') || this.refusing) {
      socket.destroy();
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const sid = url.searchParams.get('clientId') || randomUUID().replace(/-/g, '');
      // Like ComfyUI: the newest socket replaces the entry, and any socket closing removes it (API.md 2.1).
      this.sockets.set(sid, ws);
      this.socketState.set(ws, { sid, previewMetadata: false, sawFirstMessage: false });
      ws.on('close', () => this.sockets.delete(sid));
      ws.on('message', (data: Buffer, isBinary) => this.onClientMessage(ws, data.toString('utf8'), isBinary));
      ws.send(JSON.stringify({ type: 'status', data: { status: this.hooks.status(), sid } }));
      const node = this.hooks.runningNodeOf(sid);
      if (node) ws.send(JSON.stringify({ type: 'executing', data: { node } }));
    });
  }

  /** Every socket dropped, as a network failure would; the server keeps listening. */
  terminateAll(): void {
    for (const ws of this.wss.clients) ws.terminate();
  }

  /** Forgets the client ids (a killed ComfyUI knows no one when it comes back). */
  forget(): void {
    this.sockets.clear();
  }

  close(): void {
    this.wss.close();
  }

  broadcastStatus(): void {
    this.broadcast(JSON.stringify({ type: 'status', data: { status: this.hooks.status() } }));
  }

  readonly outbox: Outbox = {
    toClient: (clientId, type, data) => {
      if (clientId !== undefined) this.sockets.get(clientId)?.send(JSON.stringify({ type, data }));
    },
    toClientOrAll: (clientId, type, data) => {
      const frame = JSON.stringify({ type, data });
      if (clientId === undefined) this.broadcast(frame);
      else this.sockets.get(clientId)?.send(frame);
    },
    preview: (clientId, jpeg, metadata, phase) => {
      const targets = clientId === undefined ? [...this.sockets.values()] : [this.sockets.get(clientId)];
      for (const ws of targets) {
        if (!ws) continue;
        const withMetadata = this.socketState.get(ws)?.previewMetadata ?? false;
        if (withMetadata && phase === 'before-progress') ws.send(previewWithMetadataFrame(jpeg, metadata));
        if (!withMetadata && phase === 'after-progress') ws.send(previewFrame(1, jpeg));
      }
    },
    pngFrame: (clientId, png) => {
      const frame = previewFrame(2, png);
      if (clientId === undefined) this.broadcast(frame);
      else this.sockets.get(clientId)?.send(frame);
    },
    text: (nodeId, text) => {
      const id = Buffer.from(nodeId, 'utf8');
      const header = Buffer.alloc(8);
      header.writeUInt32BE(3, 0);
      header.writeUInt32BE(id.length, 4);
      this.broadcast(Buffer.concat([header, id, Buffer.from(text, 'utf8')]));
    },
  };

  private broadcast(frame: string | Buffer): void {
    for (const ws of this.sockets.values()) ws.send(frame);
  }

  private onClientMessage(ws: WebSocket, text: string, isBinary: boolean): void {
    const state = this.socketState.get(ws);
    if (!state || state.sawFirstMessage || isBinary) return;
    state.sawFirstMessage = true;
    try {
      const message = JSON.parse(text) as { type?: string; data?: { supports_preview_metadata?: boolean } };
      if (message.type !== 'feature_flags') return;
      state.previewMetadata = message.data?.supports_preview_metadata === true;
      ws.send(
        JSON.stringify({
          type: 'feature_flags',
          data: { supports_preview_metadata: true, max_upload_size: maxUploadSize },
        }),
      );
    } catch {
      // ComfyUI ignores what it cannot parse.
    }
  }
}

function previewFrame(format: 1 | 2, image: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(1, 0);
  header.writeUInt32BE(format, 4);
  return Buffer.concat([header, image]);
}

function previewWithMetadataFrame(image: Buffer, metadata: object): Buffer {
  const meta = Buffer.from(JSON.stringify(metadata), 'utf8');
  const header = Buffer.alloc(8);
  header.writeUInt32BE(4, 0);
  header.writeUInt32BE(meta.length, 4);
  return Buffer.concat([header, meta, image]);
}
