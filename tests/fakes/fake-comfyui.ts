import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import sharp from 'sharp';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ApiGraph, ImageRef, NodeOutputs } from '../../electron/comfy/types.js';
import { FakeExecutor, type Outbox, type QueueItem } from './fake-executor.js';
import { FakeFiles } from './fake-files.js';
import { buildObjectInfo, defaultModelFolders, type ModelLists } from './fake-object-info.js';
import { validatePrompt } from './fake-validation.js';

export interface FakeComfyUIOptions {
  /** Default 0: any free port. */
  port?: number;
  /** Model folder → file names, for /models and the loaders' combos. */
  models?: ModelLists;
  /** Time per progress step. Unset: SlowProgress sleeps its own `delay`, samplers 10 ms. */
  stepMs?: number;
  /** Samplers send one JPEG preview per step (ComfyUI's `--preview-method latent2rgb`); default off, as ComfyUI's. */
  samplerPreviews?: boolean;
  /**
   * Saved images carry noise like a real generation (about 1.4 MB at 1024²) instead of one flat colour, the same
   * pixels for every run of a size (benchmarks); `'photo'`: a photographic-like scene (tests/web/photo.ts), which
   * compresses like a photo, for web budgets.
   */
  textured?: boolean | 'photo';
  /**
   * A real folder holding one sub-folder per model folder type, as ComfyUI's models/: the folder API
   * (/experiment/models, /internal/folder_paths) names these, and the model lists include the files in them,
   * read at each request as ComfyUI does.
   */
  modelsDir?: string;
  /** The address it listens on; default 127.0.0.1 (another one makes it a ComfyUI "on another machine"). */
  host?: string;
  /** The device /system_stats reports instead of the CPU (a GPU with this much VRAM, for the model offer). */
  device?: { name: string; type: string; vramTotal: number };
}

export interface SubmittedPrompt {
  promptId: string;
  number: number;
  prompt: ApiGraph;
  clientId?: string;
}

export interface FakeComfyUI {
  readonly url: string;
  readonly port: number;
  /** ComfyUI's output folder on disk. */
  readonly outputDir: string;
  readonly inputDir: string;
  /** How many times each prompt id ran to completion (execution_success). */
  readonly executions: ReadonlyMap<string, number>;
  /** Every prompt accepted by POST /prompt since the last (re)start. */
  readonly submitted: readonly SubmittedPrompt[];
  /** Pending plus running. */
  readonly queueLength: number;
  readonly socketCount: number;
  /** Stops everything and deletes the fake's folders. */
  close(): Promise<void>;
  /** Like a crashed process: every socket destroyed, the port closed, queue, history and cache gone. */
  kill(): Promise<void>;
  /** Listens again on the same port with empty state (files on disk stay). */
  restart(): Promise<void>;
  /** Closes every websocket; the server keeps running. */
  dropSockets(): void;
  /** true: websocket connections are refused (HTTP still answers), so a dropped socket stays down. */
  refuseSockets(on: boolean): void;
  setStepMs(ms: number | undefined): void;
  /** The next `count` accepted prompts fail at their first executed node with `reason`. */
  failNext(count?: number, reason?: string): void;
  /** Fails prompts for which the predicate returns a message (checked when they start). */
  failWhen(predicate: ((prompt: ApiGraph, promptId: string) => string | undefined) | undefined): void;
  /** The next accepted prompt starts and never finishes (until interrupted or killed). */
  hangNext(): void;
  /**
   * While on, a sampler stops after each step (its progress sent) until this is turned off, interrupted or
   * killed: a generation held mid-run for as long as a test needs.
   */
  holdSampling(on: boolean): void;
  /** While sampling is held, lets samplers take `count` more steps (all samplers share them), then hold again. */
  releaseSteps(count?: number): void;
  /**
   * The next `count` accepted prompts are queued (and run) at once, but their POST /prompt is answered only after
   * `delayMs`: a ComfyUI whose answer arrives after the caller gave up.
   */
  answerPromptsLate(delayMs: number, count?: number): void;
  /**
   * The next `count` POST /prompt requests wait `until` (milliseconds, or until the promise settles) before they
   * are validated and queued: a slow handler that queues the prompt after the caller gave up and looked for it.
   * A promise lets a test release the prompt once the bridge has looked, whatever the machine's load.
   */
  queuePromptsLate(until: number | Promise<unknown>, count?: number): void;
  /**
   * The next `count` POST /prompt requests answer HTTP `status`; with `queued`, only after queueing the prompt (a
   * proxy failing on the way back), otherwise without queueing it.
   */
  failPromptPosts(count: number, options?: { status?: number; queued?: boolean }): void;
  /**
   * `failTimes`: only that many /view requests fail, then it answers normally again. `body`: every output
   * image /view serves is these bytes instead.
   */
  setViewBehaviour(behaviour: {
    delayMs?: number;
    fail?: 500 | 404;
    failTimes?: number;
    body?: Buffer;
  }): void;
  /** GET /view requests answered since start. */
  readonly viewRequests: number;
  /** GET /object_info requests answered since start (the whole list, not one node's). */
  readonly objectInfoRequests: number;
  /** POST /upload/image and /upload/mask requests received since start (restarts included). */
  readonly uploadRequests: number;
  /** true: POSTs answer 500 text/plain and GETs answer 200 with a malformed JSON body. */
  setMalformed(on: boolean): void;
  /** Requests whose path (without /api) starts with one of these never get an answer. */
  setHangingPaths(paths: string[]): void;
  setModels(models: ModelLists): void;
}

const json = 'application/json; charset=utf-8';
/** folder_paths.supported_pt_extensions: what ComfyUI lists (so a `.partial` download is not). */
const modelExtensions = /\.(ckpt|pt|pt2|bin|pth|safetensors|pkl|sft)$/;
const serverError = '500 Internal Server Error\n\nServer got itself in trouble';
const maxUploadSize = 104_857_600;

interface SocketState {
  sid: string;
  previewMetadata: boolean;
  sawFirstMessage: boolean;
}

interface HistoryEntry {
  prompt: [number, string, ApiGraph, Record<string, unknown>, string[]];
  outputs: NodeOutputs;
  status: { status_str: string; completed: boolean; messages: [string, Record<string, unknown>][] };
  meta: Record<string, unknown>;
}

/** Starts a fake ComfyUI 0.3.64 on 127.0.0.1: real HTTP and websocket, behaviour as recorded in the captures. */
export async function startFakeComfyUI(options: FakeComfyUIOptions = {}): Promise<FakeComfyUI> {
  const fake = new FakeComfyUIServer(options);
  await fake.listen(options.port ?? 0);
  return fake;
}

class FakeComfyUIServer implements FakeComfyUI {
  port = 0;
  readonly executions = new Map<string, number>();
  submitted: SubmittedPrompt[] = [];
  private readonly root = mkdtempSync(join(tmpdir(), 'fake-comfyui-'));
  private readonly files: FakeFiles;
  private models: ModelLists;
  private stepMs: number | undefined;
  private readonly samplerPreviews: boolean;
  private failures: { count: number; reason: string } = { count: 0, reason: '' };
  private failPredicate: ((prompt: ApiGraph, promptId: string) => string | undefined) | undefined;
  private hangs = 0;
  private viewBehaviour: { delayMs?: number; fail?: 500 | 404; failTimes?: number; body?: Buffer } = {};
  viewRequests = 0;
  objectInfoRequests = 0;
  uploadRequests = 0;
  private lateAnswers = { delayMs: 0, count: 0 };
  private lateQueueing: { until: number | Promise<unknown>; count: number } = { until: 0, count: 0 };
  private promptFailures = { count: 0, status: 500, queued: false };
  private malformed = false;
  private hangingPaths: string[] = [];
  private refusingSockets = false;

  private server: Server | undefined;
  private readonly wss = new WebSocketServer({ noServer: true });
  private sockets = new Map<string, WebSocket>();
  private readonly socketState = new WeakMap<WebSocket, SocketState>();
  private readonly connections = new Set<Socket>();

  private life = new AbortController();
  private counter = 0;
  private pending: QueueItem[] = [];
  private running: QueueItem | undefined;
  private history = new Map<string, HistoryEntry>();
  private executor: FakeExecutor;
  private samplingHeld = false;
  private heldStepsReleased = 0;

  private readonly modelsDir: string | undefined;
  private readonly device: FakeComfyUIOptions['device'];
  private readonly host: string;

  constructor(options: FakeComfyUIOptions) {
    this.models = options.models ?? {};
    this.modelsDir = options.modelsDir;
    this.device = options.device;
    this.host = options.host ?? '127.0.0.1';
    this.stepMs = options.stepMs;
    this.samplerPreviews = options.samplerPreviews ?? false;
    this.files = new FakeFiles(this.root, options.textured ?? false);
    this.executor = this.newExecutor();
  }

  get url(): string {
    return `http://${this.host}:${this.port}`;
  }
  get outputDir(): string {
    return this.files.folder('output');
  }
  get inputDir(): string {
    return this.files.folder('input');
  }
  get queueLength(): number {
    return this.pending.length + (this.running ? 1 : 0);
  }
  get socketCount(): number {
    return this.wss.clients.size;
  }

  async listen(port: number): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.on('connection', (socket) => {
      this.connections.add(socket);
      socket.on('close', () => this.connections.delete(socket));
    });
    server.on('upgrade', (req, socket, head) => this.upgrade(req, socket as Socket, head));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.host, () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  async kill(): Promise<void> {
    this.life.abort();
    for (const ws of this.wss.clients) ws.terminate();
    for (const socket of this.connections) socket.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    this.sockets.clear();
    this.pending = [];
    this.running = undefined;
    this.history.clear();
    this.submitted = [];
    this.counter = 0;
    this.executor = this.newExecutor();
  }

  async restart(): Promise<void> {
    if (this.server) await this.kill();
    this.life = new AbortController();
    await this.listen(this.port);
  }

  async close(): Promise<void> {
    await this.kill();
    this.wss.close();
    rmSync(this.root, { recursive: true, force: true });
  }

  dropSockets(): void {
    for (const ws of this.wss.clients) ws.terminate();
  }

  refuseSockets(on: boolean): void {
    this.refusingSockets = on;
  }

  setStepMs(ms: number | undefined): void {
    this.stepMs = ms;
  }
  failNext(count = 1, reason = 'Fake failure requested by the test'): void {
    this.failures = { count, reason };
  }
  failWhen(predicate: ((prompt: ApiGraph, promptId: string) => string | undefined) | undefined): void {
    this.failPredicate = predicate;
  }
  holdSampling(on: boolean): void {
    this.samplingHeld = on;
    this.heldStepsReleased = 0;
  }
  releaseSteps(count = 1): void {
    this.heldStepsReleased += count;
  }

  hangNext(): void {
    this.hangs += 1;
  }
  answerPromptsLate(delayMs: number, count = 1): void {
    this.lateAnswers = { delayMs, count };
  }
  queuePromptsLate(until: number | Promise<unknown>, count = 1): void {
    this.lateQueueing = { until, count };
  }
  failPromptPosts(count: number, options: { status?: number; queued?: boolean } = {}): void {
    this.promptFailures = { count, status: options.status ?? 500, queued: options.queued ?? false };
  }
  setViewBehaviour(behaviour: {
    delayMs?: number;
    fail?: 500 | 404;
    failTimes?: number;
    body?: Buffer;
  }): void {
    this.viewBehaviour = { ...behaviour };
  }
  setMalformed(on: boolean): void {
    this.malformed = on;
  }
  setHangingPaths(paths: string[]): void {
    this.hangingPaths = paths;
  }
  setModels(models: ModelLists): void {
    this.models = models;
  }

  private newExecutor(): FakeExecutor {
    return new FakeExecutor({
      outbox: this.outbox,
      files: this.files,
      objectInfo: () => this.objectInfo(),
      stepMs: () => this.stepMs,
      samplingHeld: () => this.samplingHeld,
      takeReleasedStep: () => {
        if (this.heldStepsReleased === 0) return false;
        this.heldStepsReleased -= 1;
        return true;
      },
      samplerPreviews: () => this.samplerPreviews,
      failWhen: (item) => this.failPredicate?.(item.prompt, item.promptId),
    });
  }

  /** The configured lists plus, with modelsDir, the files on disk now (ComfyUI re-reads changed folders). */
  private modelLists(): ModelLists {
    if (!this.modelsDir) return this.models;
    const lists: ModelLists = { ...this.models };
    for (const folder of defaultModelFolders) {
      let files: string[];
      try {
        files = readdirSync(join(this.modelsDir, folder), { withFileTypes: true })
          .filter((entry) => entry.isFile() && modelExtensions.test(entry.name))
          .map((entry) => entry.name);
      } catch {
        continue;
      }
      lists[folder] = [...new Set([...(lists[folder] ?? []), ...files])].sort();
    }
    return lists;
  }

  private objectInfo() {
    return buildObjectInfo(this.modelLists(), this.files.inputFiles());
  }

  // ── websocket ────────────────────────────────────────────────────────────────────────────────────────────

  private upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    if ((url.pathname !== '/ws' && url.pathname !== '/api/ws') || this.refusingSockets) {
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
      ws.send(JSON.stringify({ type: 'status', data: { status: this.status(), sid } }));
      if (this.running?.extraData.client_id === sid && this.executor.currentNode) {
        ws.send(JSON.stringify({ type: 'executing', data: { node: this.executor.currentNode } }));
      }
    });
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

  private status() {
    return { exec_info: { queue_remaining: this.queueLength } };
  }

  private broadcastStatus(): void {
    this.broadcast(JSON.stringify({ type: 'status', data: { status: this.status() } }));
  }

  private broadcast(frame: string | Buffer): void {
    for (const ws of this.sockets.values()) ws.send(frame);
  }

  private readonly outbox: Outbox = {
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

  // ── queue worker ─────────────────────────────────────────────────────────────────────────────────────────

  private kick(): void {
    if (this.running || this.pending.length === 0) return;
    const next = this.pending.reduce((a, b) => (b.number < a.number ? b : a));
    this.pending = this.pending.filter((item) => item !== next);
    this.running = next;
    this.broadcastStatus();
    void this.runItem(next, this.life.signal);
  }

  private async runItem(item: QueueItem, killed: AbortSignal): Promise<void> {
    const outcome = await this.executor.run(item, killed);
    if (!outcome || killed.aborted) return;
    this.running = undefined;
    const { client_id: clientId } = item.extraData;
    this.history.set(item.promptId, {
      prompt: [item.number, item.promptId, item.prompt, item.extraData, item.outputs],
      outputs: outcome.outputs,
      status: {
        status_str: outcome.status === 'success' ? 'success' : 'error',
        completed: outcome.status === 'success',
        messages: outcome.messages,
      },
      meta: Object.fromEntries(
        Object.keys(outcome.outputs).map((id) => [
          id,
          { node_id: id, display_node: id, parent_node: null, real_node_id: id },
        ]),
      ),
    });
    if (outcome.status === 'success') {
      this.executions.set(item.promptId, (this.executions.get(item.promptId) ?? 0) + 1);
    }
    this.broadcastStatus();
    this.outbox.toClient(clientId, 'executing', { node: null, prompt_id: item.promptId });
    this.kick();
  }

  // ── HTTP ─────────────────────────────────────────────────────────────────────────────────────────────────

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = url.pathname.startsWith('/api/') ? url.pathname.slice(4) : url.pathname;
    const method = req.method ?? 'GET';
    if (this.hangingPaths.some((p) => path.startsWith(p))) return;
    const body = await readBody(req);
    if (method === 'POST' && (path === '/upload/image' || path === '/upload/mask')) this.uploadRequests += 1;
    if (this.malformed) {
      if (method === 'POST') return send(res, 500, 'text/plain; charset=utf-8', serverError);
      return send(res, 200, json, '{"system": {"os": "posix", ');
    }
    try {
      await this.route(method, path, url.searchParams, body, req, res);
    } catch {
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', serverError);
    }
  }

  private async route(
    method: string,
    path: string,
    query: URLSearchParams,
    body: Buffer,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const ok = (value: unknown) => send(res, 200, json, JSON.stringify(value));
    const empty = () => send(res, 200, 'application/octet-stream', '');
    const key = `${method} ${path}`;
    if (key === 'GET /system_stats') return ok(systemStats(this.port, this.device));
    if (key === 'GET /object_info') {
      this.objectInfoRequests += 1;
      return ok(this.objectInfo());
    }
    if (method === 'GET' && path.startsWith('/object_info/')) {
      const name = decodeURIComponent(path.slice('/object_info/'.length));
      const info = this.objectInfo()[name];
      return ok(info ? { [name]: info } : {});
    }
    if (key === 'GET /models') return ok(defaultModelFolders);
    if (method === 'GET' && path.startsWith('/models/')) {
      const folder = decodeURIComponent(path.slice('/models/'.length));
      if (!defaultModelFolders.includes(folder)) return send(res, 404, 'application/octet-stream', '');
      return ok(this.modelLists()[folder] ?? []);
    }
    if (this.modelsDir && key === 'GET /experiment/models')
      return ok(
        defaultModelFolders
          .filter((name) => name !== 'configs' && name !== 'custom_nodes')
          .map((name) => ({ name, folders: [join(this.modelsDir!, name)] })),
      );
    if (this.modelsDir && key === 'GET /internal/folder_paths')
      return ok(Object.fromEntries(defaultModelFolders.map((name) => [name, [join(this.modelsDir!, name)]])));
    if (key === 'GET /features')
      return ok({ supports_preview_metadata: true, max_upload_size: maxUploadSize });
    if (key === 'GET /embeddings' || key === 'GET /extensions') return ok([]);
    if (key === 'GET /prompt') return ok({ exec_info: { queue_remaining: this.queueLength } });
    if (key === 'POST /prompt') return this.postPrompt(body, res);
    if (key === 'GET /queue') {
      const tuple = (item: QueueItem) => [
        item.number,
        item.promptId,
        item.prompt,
        item.extraData,
        item.outputs,
      ];
      return ok({
        queue_running: this.running ? [tuple(this.running)] : [],
        // ComfyUI hands out its heap, not the run order; callers must sort.
        queue_pending: heapOrder(this.pending).map(tuple),
      });
    }
    if (key === 'POST /queue') {
      const request = parseJson(body) as { delete?: unknown; clear?: unknown } | undefined;
      if (request?.clear) this.pending = [];
      if (Array.isArray(request?.delete)) {
        const ids = new Set(request.delete.map(String));
        this.pending = this.pending.filter((item) => !ids.has(item.promptId));
      }
      this.broadcastStatus();
      return empty();
    }
    if (key === 'GET /history') {
      const maxItems = Number(query.get('max_items') ?? Infinity);
      const offset = Number(query.get('offset') ?? 0);
      const entries = [...this.history].slice(offset);
      return ok(Object.fromEntries(Number.isFinite(maxItems) ? entries.slice(-maxItems) : entries));
    }
    if (method === 'GET' && path.startsWith('/history/')) {
      const id = decodeURIComponent(path.slice('/history/'.length));
      const entry = this.history.get(id);
      return ok(entry ? { [id]: entry } : {});
    }
    if (key === 'POST /history') {
      const request = parseJson(body) as { delete?: unknown; clear?: unknown } | undefined;
      if (request?.clear) this.history.clear();
      if (Array.isArray(request?.delete)) for (const id of request.delete) this.history.delete(String(id));
      return empty();
    }
    if (key === 'POST /interrupt') {
      const request = parseJson(body) as { prompt_id?: unknown } | undefined;
      const target = typeof request?.prompt_id === 'string' ? request.prompt_id : undefined;
      if (this.running && (target === undefined || target === this.running.promptId))
        this.running.interrupted = true;
      return empty();
    }
    if (key === 'POST /free') return empty();
    if (key === 'GET /view') return this.view(query, res);
    if (key === 'POST /upload/image') return this.uploadImage(req, body, res, false);
    if (key === 'POST /upload/mask') return this.uploadImage(req, body, res, true);
    if (key === 'GET /') return send(res, 200, 'text/html', '<!doctype html><title>fake ComfyUI</title>');
    send(res, 404, 'text/plain; charset=utf-8', '404: Not Found');
  }

  private async postPrompt(body: Buffer, res: ServerResponse): Promise<void> {
    const life = this.life.signal;
    const failure = this.promptFailures.count > 0 ? { ...this.promptFailures } : undefined;
    if (failure) this.promptFailures.count -= 1;
    if (failure && !failure.queued)
      return send(res, failure.status, 'text/plain; charset=utf-8', serverError);
    if (this.lateQueueing.count > 0) {
      this.lateQueueing.count -= 1;
      // Like aiohttp, the handler carries on when the caller hangs up.
      const { until } = this.lateQueueing;
      if (!(await (typeof until === 'number' ? pause(until, life) : settled(until, life)))) return;
    }
    const lateBy = this.lateAnswers.count > 0 ? this.lateAnswers.delayMs : 0;
    if (lateBy > 0) this.lateAnswers.count -= 1;
    const request = parseJson(body);
    if (request === undefined || typeof request !== 'object' || request === null) {
      return send(res, 500, 'text/plain; charset=utf-8', serverError);
    }
    const fields = request as {
      prompt?: unknown;
      number?: unknown;
      front?: unknown;
      prompt_id?: unknown;
      client_id?: unknown;
    };
    let number: number;
    let numberText: string;
    if (fields.number !== undefined) {
      number = Number(fields.number);
      // Python's float() makes an explicit number 1000 come back as 1000.0.
      numberText = Number.isInteger(number) ? `${number}.0` : String(number);
    } else {
      number = fields.front ? -this.counter : this.counter;
      numberText = String(number);
      this.counter += 1;
    }
    if (!('prompt' in fields)) {
      return send(
        res,
        400,
        json,
        JSON.stringify(rejection('no_prompt', 'No prompt provided', 'No prompt provided')),
      );
    }
    const outcome = validatePrompt(fields.prompt, {
      objectInfo: this.objectInfo(),
      inputFileExists: (name) => this.files.inputExists(name),
    });
    if (!outcome.ok) {
      return send(res, 400, json, JSON.stringify({ error: outcome.error, node_errors: outcome.nodeErrors }));
    }
    const promptId = typeof fields.prompt_id === 'string' ? fields.prompt_id : randomUUID();
    const clientId = typeof fields.client_id === 'string' ? fields.client_id : undefined;
    const item: QueueItem = {
      number,
      promptId,
      prompt: fields.prompt as ApiGraph,
      extraData: clientId === undefined ? {} : { client_id: clientId },
      outputs: outcome.outputs,
      hang: this.hangs > 0,
      interrupted: false,
    };
    if (this.hangs > 0) this.hangs -= 1;
    if (this.failures.count > 0) {
      this.failures.count -= 1;
      item.failure = this.failures.reason;
    }
    this.pending.push(item);
    this.submitted.push({
      promptId,
      number,
      prompt: item.prompt,
      ...(clientId !== undefined && { clientId }),
    });
    this.broadcastStatus();
    setImmediate(() => this.kick());
    if (lateBy > 0 && !(await pause(lateBy, life))) return;
    if (res.socket?.destroyed) return;
    if (failure) return send(res, failure.status, 'text/plain; charset=utf-8', serverError);
    send(
      res,
      200,
      json,
      `{"prompt_id": ${JSON.stringify(promptId)}, "number": ${numberText}, "node_errors": ${JSON.stringify(outcome.nodeErrors)}}`,
    );
  }

  private async view(query: URLSearchParams, res: ServerResponse): Promise<void> {
    this.viewRequests += 1;
    if (this.viewBehaviour.delayMs) await sleep(this.viewBehaviour.delayMs);
    const { fail, failTimes } = this.viewBehaviour;
    if (fail && (failTimes === undefined || failTimes > 0)) {
      if (failTimes !== undefined) this.viewBehaviour.failTimes = failTimes - 1;
      return send(res, fail, 'application/octet-stream', '');
    }
    let filename = query.get('filename');
    let type = query.get('type') ?? 'output';
    if (!filename) return send(res, 404, 'application/octet-stream', '');
    const annotated = /^(.*) \[(input|output|temp)\]$/.exec(filename);
    if (annotated?.[1] && annotated[2]) [filename, type] = [annotated[1], annotated[2]];
    if (type !== 'output' && type !== 'input' && type !== 'temp')
      return send(res, 400, 'application/octet-stream', '');
    const path = this.files.resolve(type, query.get('subfolder') ?? '', filename);
    if (path === 'bad-request') return send(res, 400, 'application/octet-stream', '');
    if (path === 'forbidden') return send(res, 403, 'application/octet-stream', '');
    const bytes = this.viewBehaviour.body ?? this.files.read(path);
    if (!bytes) return send(res, 404, 'application/octet-stream', '');
    const preview = query.get('preview');
    if (preview) {
      const [format, quality] = preview.split(';');
      const q = Number(quality ?? 90);
      const converted =
        format === 'webp'
          ? await sharp(bytes).webp({ quality: q }).toBuffer()
          : await sharp(bytes).jpeg({ quality: q }).toBuffer();
      return send(res, 200, format === 'webp' ? 'image/webp' : 'image/jpeg', converted, filename);
    }
    send(res, 200, 'image/png', bytes, filename);
  }

  /** /upload/image and /upload/mask (captures/upload-image.json, upload-mask.json). */
  private async uploadImage(
    req: IncomingMessage,
    body: Buffer,
    res: ServerResponse,
    mask: boolean,
  ): Promise<void> {
    let form: FormData;
    try {
      form = await new Response(new Uint8Array(body), {
        headers: { 'content-type': req.headers['content-type'] ?? '' },
      }).formData();
    } catch {
      return send(res, 400, 'application/octet-stream', '');
    }
    const image = form.get('image');
    if (!(image instanceof File) || !image.name) return send(res, 400, 'application/octet-stream', '');
    const type = (form.get('type') ?? 'input') as ImageRef['type'];
    const subfolder = formText(form, 'subfolder');
    if (this.files.resolve(type, subfolder, image.name) === 'forbidden')
      return send(res, 400, 'application/octet-stream', '');
    const overwrite = ['true', '1'].includes(formText(form, 'overwrite'));
    const bytes = Buffer.from(await image.arrayBuffer());
    let ref: ImageRef | undefined;
    if (mask) {
      const original = parseJson(Buffer.from(formText(form, 'original_ref'))) as
        { filename?: unknown; type?: unknown; subfolder?: unknown } | undefined;
      // ComfyUI's json.loads(None) raises: a 500 like any unhandled exception.
      if (!original || typeof original !== 'object')
        return send(res, 500, 'text/plain; charset=utf-8', serverError);
      ref = await this.files.uploadMask(bytes, image.name, type, subfolder, overwrite, {
        filename: typeof original.filename === 'string' ? original.filename : '',
        ...(typeof original.type === 'string' && { type: original.type }),
        ...(typeof original.subfolder === 'string' && { subfolder: original.subfolder }),
      });
    } else {
      ref = this.files.upload(bytes, image.name, type, subfolder, overwrite);
    }
    if (!ref) return send(res, 500, 'text/plain; charset=utf-8', serverError);
    send(res, 200, json, JSON.stringify({ name: ref.filename, subfolder: ref.subfolder, type: ref.type }));
  }
}

function send(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string | Buffer,
  filename?: string,
): void {
  const headers: Record<string, string> = {
    'content-type': contentType,
    server: 'Python/3.11 aiohttp/3.8.4',
  };
  if (filename) headers['content-disposition'] = `filename="${filename}"`;
  res.writeHead(status, headers);
  res.end(body);
}

/** Sleeps; false when the fake was killed meanwhile (the request dies with the process). */
async function pause(ms: number, life: AbortSignal): Promise<boolean> {
  try {
    await sleep(ms, undefined, { signal: life });
    return true;
  } catch {
    return false;
  }
}

/** Waits for the promise to settle; false when the fake was killed first. */
async function settled(promise: Promise<unknown>, life: AbortSignal): Promise<boolean> {
  if (life.aborted) return false;
  let onAbort = () => undefined as void;
  const killed = new Promise<false>((resolveKilled) => {
    onAbort = () => resolveKilled(false);
    life.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([
      promise.then(
        () => true as const,
        () => true as const,
      ),
      killed,
    ]);
  } finally {
    life.removeEventListener('abort', onAbort);
  }
}

function formText(form: FormData, name: string): string {
  const value = form.get(name);
  return typeof value === 'string' ? value : '';
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parseJson(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

function rejection(type: string, message: string, details: string) {
  return { error: { type, message, details, extra_info: {} }, node_errors: {} };
}

/** Python heapq layout of the pending items: what ComfyUI's /queue returns (not run order). */
function heapOrder(items: QueueItem[]): QueueItem[] {
  const heap: QueueItem[] = [];
  for (const item of items) {
    heap.push(item);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]!.number <= heap[i]!.number) break;
      [heap[parent], heap[i]] = [heap[i]!, heap[parent]!];
      i = parent;
    }
  }
  return heap;
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

function systemStats(port: number, device: FakeComfyUIOptions['device']) {
  return {
    system: {
      os: 'posix',
      ram_total: 25_276_026_880,
      ram_free: 24_464_867_328,
      comfyui_version: '0.3.64',
      required_frontend_version: '1.27.10',
      installed_templates_version: null,
      required_templates_version: '0.1.95',
      python_version: '3.11.2 (main, Apr 28 2025, 14:11:48) [GCC 12.2.0]',
      pytorch_version: '1.13.0a0',
      embedded_python: false,
      argv: ['main.py', '--cpu', '--listen', '127.0.0.1', '--port', String(port)],
    },
    devices: [
      device
        ? {
            name: device.name,
            type: device.type,
            index: 0,
            vram_total: device.vramTotal,
            vram_free: device.vramTotal,
            torch_vram_total: 0,
            torch_vram_free: 0,
          }
        : {
            name: 'cpu',
            type: 'cpu',
            index: null,
            vram_total: 25_276_026_880,
            vram_free: 23_986_651_136,
            torch_vram_total: 25_276_026_880,
            torch_vram_free: 23_986_651_136,
          },
    ],
  };
}
