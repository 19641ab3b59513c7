/**
 * The ComfyUI client: one object per backend for its HTTP endpoints and its websocket, turning both into typed
 * results and typed errors. Over ~300 lines on purpose: it is one cohesive adapter, every method a thin call
 * into http.ts / connection.ts / parse.ts, and the prompt lifecycle (submit, wait, history) shares its state.
 */
import { randomUUID } from 'node:crypto';
import { silentLogger, type Logger } from '../log.js';
import { markPromptPhase } from '../phase-timeline.js';
import { ComfySocket } from './connection.js';
import { TypedEmitter } from './emitter.js';
import {
  ComfyClosedError,
  ComfyHttpError,
  ComfyProtocolError,
  ComfyUnreachableError,
  ComfyValidationError,
} from './errors.js';
import { ComfyHttp } from './http.js';
import type { ServerMessage } from './messages.js';
import {
  DecodeError,
  decodeHistory,
  decodeObjectInfo,
  decodeQueue,
  decodeStringList,
  decodeSubmitResponse,
  decodeSystemStats,
  decodeUploadResponse,
  decodeValidationBody,
} from './parse.js';
import { RunTracker } from './run-tracker.js';
import type {
  ApiGraph,
  ImageRef,
  NodeOutputs,
  ObjectInfo,
  QueueState,
  RunResult,
  SystemStats,
} from './types.js';

export interface ComfyClientOptions {
  baseUrl: string;
  /** Used on both /ws and POST /prompt; default random, stable for the client's life. */
  clientId?: string;
  logger?: Logger;
  /** Applies to every HTTP call and to the websocket handshake. Default 10 s. */
  requestTimeoutMs?: number;
  /** Websocket liveness: a socket that misses a pong for this long is replaced. Default 15 s. */
  pingIntervalMs?: number;
  /** First reconnect backoff step; doubles per failure up to 15 s. Default 500 ms. */
  reconnectDelayMs?: number;
  /** How often prompts submitted under another client id (so their events never reach us) are polled. Default 2 s. */
  pollIntervalMs?: number;
}

export interface ComfyClientEvents {
  progress: { promptId: string; node: string; value: number; max: number };
  executing: { promptId: string; node: string | null };
  /** execution_start */
  started: { promptId: string };
  /** Binary preview frames (types 1 and 4); prompt id from type 4's metadata, else the running prompt's. */
  preview: { promptId?: string; mime: string; bytes: Buffer };
  /** Binary text frames (type 3), broadcast by ComfyUI to every client. */
  text: { nodeId: string; text: string };
  status: { queueRemaining: number };
  connection: { connected: boolean };
}

export interface SubmitResult {
  promptId: string;
  number: number;
  /** Non-empty when some outputs failed validation and only the others will run. */
  nodeErrors: Record<string, unknown>;
}

/** Retry schedule for reading /history after execution_success: ComfyUI writes it a moment after the event. */
const historyRetryDelaysMs = [0, 100, 200, 400, 800, 1600, 3200];

/**
 * Client for one ComfyUI server: HTTP calls plus a self-healing websocket that turns execution events into
 * one RunResult per prompt.
 */
export class ComfyClient extends TypedEmitter<ComfyClientEvents> {
  readonly baseUrl: string;
  readonly clientId: string;
  private readonly http: ComfyHttp;
  private readonly socket: ComfySocket;
  private readonly tracker = new RunTracker();
  private readonly logger: Logger;
  private readonly pollIntervalMs: number;
  /** Prompts queued under another client id: polled, because their events go to another socket. */
  private readonly polled = new Set<string>();
  private pollTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** The last /object_info answer as received and as decoded (objectInfo). */
  private lastObjectInfo: { body: Buffer; decoded: ObjectInfo } | undefined;

  constructor(options: ComfyClientOptions) {
    const logger = (options.logger ?? silentLogger).child('comfy');
    super(logger);
    this.logger = logger;
    this.http = new ComfyHttp({ baseUrl: options.baseUrl, timeoutMs: options.requestTimeoutMs ?? 10_000 });
    this.baseUrl = this.http.baseUrl;
    this.clientId = options.clientId ?? randomUUID();
    this.pollIntervalMs = options.pollIntervalMs ?? 2000;
    const wsUrl = new URL('/ws', this.baseUrl);
    wsUrl.protocol = wsUrl.protocol === 'https:' ? 'wss:' : 'ws:';
    wsUrl.searchParams.set('clientId', this.clientId);
    const reconnectDelayMs = options.reconnectDelayMs ?? 500;
    this.socket = new ComfySocket({
      url: wsUrl.toString(),
      logger,
      handshakeTimeoutMs: options.requestTimeoutMs ?? 10_000,
      pingIntervalMs: options.pingIntervalMs ?? 15_000,
      reconnectDelayMs,
      maxReconnectDelayMs: Math.max(15_000, reconnectDelayMs),
      onMessage: (message) => this.handleMessage(message),
      onConnectionChange: (connected) => this.handleConnectionChange(connected),
    });
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  /** Opens the websocket; resolves on ComfyUI's first `status` frame. From then on it reconnects by itself. */
  async connect(): Promise<void> {
    if (this.closed) throw new ComfyClosedError(this.baseUrl);
    try {
      await this.socket.start();
    } catch (error) {
      throw new ComfyUnreachableError(this.baseUrl, error instanceof Error ? error.message : String(error), {
        cause: error,
      });
    }
  }

  /** Closes the websocket and fails every pending waitFor with ComfyClosedError. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.pollTimer);
    await this.socket.stop();
    this.tracker.rejectAll(new ComfyClosedError(this.baseUrl));
  }

  async systemStats(signal?: AbortSignal): Promise<SystemStats> {
    return this.decoded('/system_stats', decodeSystemStats, await this.http.getJson('/system_stats', signal));
  }

  /**
   * The node list. It is read again every few seconds (jobs/backend-pool.ts) and rarely changes: an answer with
   * the very bytes of the last one returns the last decoded list (the same object) instead of parsing and
   * checking it again, which on a real ComfyUI took 5–6 ms of the event loop for its core nodes alone and grows
   * with every custom node pack, and left megabytes of garbage behind.
   */
  async objectInfo(signal?: AbortSignal): Promise<ObjectInfo> {
    const { body } = await this.http.request('/object_info', { signal });
    if (this.lastObjectInfo?.body.equals(body)) return this.lastObjectInfo.decoded;
    const decoded = this.decoded('/object_info', decodeObjectInfo, this.http.parseJson('/object_info', body));
    this.lastObjectInfo = { body, decoded };
    return decoded;
  }

  /** Model folder names ComfyUI knows (checkpoints, loras, vae, diffusion_models, …). */
  async modelFolders(): Promise<string[]> {
    const value = await this.http.getJson('/models');
    return this.decoded('/models', (v) => decodeStringList(v, '/models'), value);
  }

  /** File names in one model folder, as workflows name them. */
  async models(folder: string): Promise<string[]> {
    const path = `/models/${encodeURIComponent(folder)}`;
    return this.decoded(path, (v) => decodeStringList(v, path), await this.http.getJson(path));
  }

  async queue(): Promise<QueueState> {
    return this.decoded('/queue', decodeQueue, await this.http.getJson('/queue'));
  }

  /** The terminal result, or undefined while ComfyUI has no history entry (queued, running or unknown). */
  async history(promptId: string): Promise<RunResult | undefined> {
    const path = `/history/${encodeURIComponent(promptId)}`;
    return this.decoded(path, (v) => decodeHistory(v, promptId), await this.http.getJson(path));
  }

  /**
   * Queues a graph under this client's id and the caller's prompt id. Tracking starts before the request, so
   * events that beat the HTTP answer still count. A 400 becomes ComfyValidationError with node_errors intact.
   */
  async submit(graph: ApiGraph, options: { promptId: string; front?: boolean }): Promise<SubmitResult> {
    const { promptId } = options;
    markPromptPhase(promptId, 'post');
    this.tracker.track(promptId, { submitting: true });
    try {
      const body = {
        prompt: graph,
        client_id: this.clientId,
        prompt_id: promptId,
        ...(options.front && { front: true }),
      };
      const response = await this.http.request('/prompt', { method: 'POST', body, acceptStatuses: [400] });
      if (response.status === 400) throw this.validationError(response.body);
      const result = this.decoded(
        '/prompt',
        decodeSubmitResponse,
        this.http.parseJson('/prompt', response.body),
      );
      this.tracker.submitted(promptId);
      markPromptPhase(promptId, 'posted');
      return result;
    } catch (error) {
      this.tracker.untrack(promptId);
      throw error;
    }
  }

  /**
   * Resolves with the prompt's result: from the terminal websocket event, or, after a reconnect or for a prompt
   * this client did not submit, from /queue and /history ('lost' when ComfyUI no longer knows it).
   */
  waitFor(promptId: string, options: { signal?: AbortSignal } = {}): Promise<RunResult> {
    if (this.closed) return Promise.reject(new ComfyClosedError(this.baseUrl));
    if (!this.tracker.isTracked(promptId)) {
      this.tracker.track(promptId, { submitting: false });
      void this.resync([promptId]);
    }
    return this.tracker.wait(promptId, options.signal);
  }

  /** Interrupts the running prompt: only if it is `promptId` when given, else whatever runs. */
  async interrupt(promptId?: string): Promise<void> {
    await this.http.postAction('/interrupt', promptId ? { prompt_id: promptId } : {});
  }

  /**
   * Removes pending prompts from the queue (running ones need interrupt). Unknown ids are ignored. ComfyUI sends
   * nothing for a deleted prompt, so tracked ones are resynced: those really removed settle as 'lost'.
   */
  async deleteQueued(promptIds: string[]): Promise<void> {
    if (promptIds.length === 0) return;
    await this.http.postAction('/queue', { delete: promptIds });
    await this.resync(promptIds.filter((id) => this.tracker.isTracked(id)));
  }

  /** The image's bytes; `onChunk` is told each piece as it arrives. */
  async view(ref: ImageRef, signal?: AbortSignal, onChunk?: (chunk: Buffer) => void): Promise<Buffer> {
    const query = new URLSearchParams({ filename: ref.filename, subfolder: ref.subfolder, type: ref.type });
    return (await this.http.request(`/view?${query.toString()}`, { signal, onChunk })).body;
  }

  /** Uploads into ComfyUI's input (or temp) folder; the returned filename may differ when the name was taken. */
  async uploadImage(
    bytes: Buffer,
    name: string,
    options: { overwrite?: boolean; subfolder?: string; type?: 'input' | 'temp' } = {},
  ): Promise<ImageRef> {
    const form = new FormData();
    form.append('image', new Blob([new Uint8Array(bytes)]), name);
    form.append('type', options.type ?? 'input');
    if (options.subfolder) form.append('subfolder', options.subfolder);
    if (options.overwrite) form.append('overwrite', 'true');
    const response = await this.http.request('/upload/image', { method: 'POST', body: form });
    return this.decoded(
      '/upload/image',
      decodeUploadResponse,
      this.http.parseJson('/upload/image', response.body),
    );
  }

  private handleMessage(message: ServerMessage): void {
    if (message.type === 'execution_start') markPromptPhase(message.promptId, 'ws-start');
    if (
      message.type === 'execution_success' ||
      message.type === 'execution_error' ||
      message.type === 'execution_interrupted'
    )
      markPromptPhase(message.promptId, 'ws-terminal');
    const current = this.tracker.currentPromptId;
    const action = this.tracker.apply(message);
    if (action.kind === 'fetch-history')
      void this.completeFromHistory(action.promptId, action.fallbackOutputs);
    switch (message.type) {
      case 'status':
        this.emit('status', { queueRemaining: message.queueRemaining });
        break;
      case 'execution_start':
        this.emit('started', { promptId: message.promptId });
        break;
      case 'executing': {
        const promptId = message.promptId ?? current;
        if (promptId) this.emit('executing', { promptId, node: message.node });
        break;
      }
      case 'progress': {
        const promptId = message.promptId ?? current;
        if (promptId)
          this.emit('progress', { promptId, node: message.node, value: message.value, max: message.max });
        break;
      }
      case 'preview': {
        const promptId = message.promptId ?? current;
        this.emit('preview', { ...(promptId && { promptId }), mime: message.mime, bytes: message.bytes });
        break;
      }
      case 'text':
        this.emit('text', { nodeId: message.nodeId, text: message.text });
        break;
    }
  }

  private handleConnectionChange(connected: boolean): void {
    if (!connected) this.tracker.disconnected();
    this.emit('connection', { connected });
    if (connected) void this.resync(this.tracker.unsettled());
  }

  /** execution_success with outputs possibly missing: prefer ComfyUI's own record of the run. */
  private async completeFromHistory(promptId: string, fallbackOutputs: NodeOutputs): Promise<void> {
    markPromptPhase(promptId, 'history');
    for (const delay of historyRetryDelaysMs) {
      if (delay > 0) await sleep(delay);
      if (this.closed) return;
      try {
        const result = await this.history(promptId);
        if (result) {
          markPromptPhase(promptId, 'history-read');
          this.tracker.settle(promptId, result);
          return;
        }
      } catch (error) {
        this.logger.warn('reading history after execution_success failed', { promptId, error });
      }
    }
    this.logger.warn('no history entry after execution_success; using the outputs seen on the websocket', {
      promptId,
    });
    this.tracker.settle(promptId, { status: 'success', outputs: fallbackOutputs });
  }

  /**
   * Missed websocket events are never replayed: prompts still queued or running keep waiting, finished ones
   * settle from /history, and the rest are lost. The queue is read first: ComfyUI moves a prompt from the queue
   * into history atomically, so "not queued" followed by "no history" really means gone.
   */
  private async resync(promptIds: string[]): Promise<void> {
    if (promptIds.length === 0 || this.closed) return;
    try {
      const queue = await this.queue();
      const foreign = new Set(
        [...queue.running, ...queue.pending]
          .filter((e) => e.clientId !== this.clientId)
          .map((e) => e.promptId),
      );
      for (const id of promptIds) if (foreign.has(id)) this.polled.add(id);
      for (const id of this.tracker.notInQueue(promptIds, queue)) {
        this.polled.delete(id);
        this.tracker.settle(id, (await this.history(id)) ?? { status: 'lost' });
      }
    } catch (error) {
      // Left unsettled: the next reconnect (or poll) tries again.
      this.logger.warn('resync with ComfyUI failed', { error });
    }
    this.schedulePolling();
  }

  private schedulePolling(): void {
    if (this.pollTimer || this.polled.size === 0 || this.closed) return;
    this.pollTimer = setInterval(() => {
      const ids = [...this.polled].filter((id) => this.tracker.isTracked(id));
      this.polled.clear();
      if (ids.length === 0) {
        clearInterval(this.pollTimer);
        this.pollTimer = undefined;
        return;
      }
      for (const id of ids) this.polled.add(id);
      void this.resync(ids);
    }, this.pollIntervalMs);
  }

  private validationError(body: Buffer): Error {
    const text = body.toString('utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return new ComfyHttpError(this.baseUrl, 'POST', '/prompt', 400, text);
    }
    const decoded = decodeValidationBody(json);
    return decoded
      ? new ComfyValidationError(this.baseUrl, decoded.error, decoded.nodeErrors)
      : new ComfyHttpError(this.baseUrl, 'POST', '/prompt', 400, text);
  }

  private decoded<T>(path: string, decode: (value: unknown) => T, value: unknown): T {
    try {
      return decode(value);
    } catch (error) {
      if (error instanceof DecodeError) {
        throw new ComfyProtocolError(this.baseUrl, path, error.message, JSON.stringify(value).slice(0, 300));
      }
      throw error;
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
