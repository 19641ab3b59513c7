/**
 * The fake ComfyUI 0.3.64 the tests run against: real HTTP and websocket, behaviour as recorded in the captures
 * (comfyui/API.md). This file is its lifecycle, its test knobs and its route table; the parts live
 * beside it: fake-sockets (websockets), fake-queue (queue, history), fake-prompt (POST /prompt),
 * fake-images (/view, uploads), fake-system (stats, object_info, models), fake-executor (running a prompt).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApiGraph } from '../../electron/comfy/types.js';
import type { FakeComfyUI, FakeComfyUIOptions, SubmittedPrompt } from './fake-comfyui-api.js';
import { FakeExecutor } from './fake-executor.js';
import { FakeFiles } from './fake-files.js';
import { json, parseJson, readBody, send, serverError } from './fake-http.js';
import { serveUpload, serveView, type ViewBehaviour } from './fake-images.js';
import type { ModelLists } from './fake-object-info.js';
import { FakePromptDesk } from './fake-prompt.js';
import { FakeQueue } from './fake-queue.js';
import { FakeSockets } from './fake-sockets.js';
import { FakeSystem } from './fake-system.js';
import { validatePrompt } from './fake-validation.js';

export type { FakeComfyUI, FakeComfyUIOptions, SubmittedPrompt } from './fake-comfyui-api.js';

/** requestLog keeps this many: enough for any test, bounded for a bench that sends thousands. */
const maxLoggedRequests = 1_000;

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
  viewRequests = 0;
  uploadRequests = 0;
  private readonly root = mkdtempSync(join(tmpdir(), 'fake-comfyui-'));
  private readonly files: FakeFiles;
  private readonly system: FakeSystem;
  private stepMs: number | undefined;
  private readonly samplerPreviews: boolean;
  private failPredicate: ((prompt: ApiGraph, promptId: string) => string | undefined) | undefined;
  private viewBehaviour: ViewBehaviour = {};
  private malformed = false;
  private hangingPaths: string[] = [];
  private samplingHeld = false;
  private heldStepsReleased = 0;

  private server: Server | undefined;
  private readonly connections = new Set<Socket>();
  private life = new AbortController();
  private executor: FakeExecutor;
  private readonly host: string;

  private readonly sockets = new FakeSockets({
    status: () => this.status(),
    runningNodeOf: (sid) =>
      this.queue.running?.extraData.client_id === sid ? this.executor.currentNode : undefined,
  });
  private readonly queue = new FakeQueue({
    executor: () => this.executor,
    life: () => this.life.signal,
    changed: () => this.sockets.broadcastStatus(),
    ended: (item) =>
      this.sockets.outbox.toClient(item.extraData.client_id, 'executing', {
        node: null,
        prompt_id: item.promptId,
      }),
    succeeded: (promptId) => this.executions.set(promptId, (this.executions.get(promptId) ?? 0) + 1),
  });
  private readonly prompts = new FakePromptDesk({
    life: () => this.life.signal,
    nextNumber: (front) => this.queue.nextNumber(front),
    validate: (prompt) =>
      validatePrompt(prompt, {
        objectInfo: this.system.objectInfo(),
        inputFileExists: (name) => this.files.inputExists(name),
      }),
    accept: (item, clientId) => {
      this.queue.add(item);
      this.submitted.push({
        promptId: item.promptId,
        number: item.number,
        prompt: item.prompt,
        ...(clientId !== undefined && { clientId }),
      });
      this.sockets.broadcastStatus();
      setImmediate(() => this.queue.kick());
    },
  });

  constructor(options: FakeComfyUIOptions) {
    this.host = options.host ?? '127.0.0.1';
    this.stepMs = options.stepMs;
    this.samplerPreviews = options.samplerPreviews ?? false;
    this.files = new FakeFiles(this.root, options.textured ?? false);
    this.system = new FakeSystem(options, this.files);
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
    return this.queue.length;
  }
  get socketCount(): number {
    return this.sockets.count;
  }
  readonly requestLog: string[] = [];
  get objectInfoRequests(): number {
    return this.system.objectInfoRequests;
  }

  async listen(port: number): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.on('connection', (socket) => {
      this.connections.add(socket);
      socket.on('close', () => this.connections.delete(socket));
    });
    server.on('upgrade', (req, socket, head) => this.sockets.upgrade(req, socket as Socket, head));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.host, () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  async kill(): Promise<void> {
    this.life.abort();
    this.sockets.terminateAll();
    for (const socket of this.connections) socket.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    this.sockets.forget();
    this.queue.reset();
    this.submitted = [];
    this.executor = this.newExecutor();
  }

  async restart(): Promise<void> {
    if (this.server) await this.kill();
    this.life = new AbortController();
    await this.listen(this.port);
  }

  async close(): Promise<void> {
    await this.kill();
    this.sockets.close();
    rmSync(this.root, { recursive: true, force: true });
  }

  dropSockets(): void {
    this.sockets.terminateAll();
  }
  refuseSockets(on: boolean): void {
    this.sockets.refusing = on;
  }
  setStepMs(ms: number | undefined): void {
    this.stepMs = ms;
  }
  failNext(count = 1, reason = 'Fake failure requested by the test'): void {
    this.prompts.failNext(count, reason);
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
    this.prompts.hangNext();
  }
  answerPromptsLate(delayMs: number, count = 1): void {
    this.prompts.answerLate(delayMs, count);
  }
  queuePromptsLate(until: number | Promise<unknown>, count = 1): void {
    this.prompts.queueLate(until, count);
  }
  failPromptPosts(count: number, options: { status?: number; queued?: boolean } = {}): void {
    this.prompts.failPosts(count, options);
  }
  setViewBehaviour(behaviour: ViewBehaviour): void {
    this.viewBehaviour = { ...behaviour };
  }
  setMalformed(on: boolean): void {
    this.malformed = on;
  }
  setHangingPaths(paths: string[]): void {
    this.hangingPaths = paths;
  }
  setModels(models: ModelLists): void {
    this.system.models = models;
  }

  private newExecutor(): FakeExecutor {
    return new FakeExecutor({
      outbox: this.sockets.outbox,
      files: this.files,
      objectInfo: () => this.system.objectInfo(),
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

  private status() {
    return { exec_info: { queue_remaining: this.queueLength } };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = url.pathname.startsWith('/api/') ? url.pathname.slice(4) : url.pathname;
    const method = req.method ?? 'GET';
    this.requestLog.push(`${method} ${path}`);
    if (this.requestLog.length > maxLoggedRequests) this.requestLog.shift();
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
    if (this.system.route(method, path, this.port, res)) return;
    if (key === 'GET /prompt') return ok(this.status());
    if (key === 'POST /prompt') return this.prompts.post(body, res);
    if (key === 'GET /queue') return ok(this.queue.queueJson());
    if (key === 'POST /queue') {
      this.queue.deletePending(parseJson(body));
      return empty();
    }
    if (key === 'GET /history') return ok(this.queue.historyJson(query));
    if (method === 'GET' && path.startsWith('/history/'))
      return ok(this.queue.historyOf(decodeURIComponent(path.slice('/history/'.length))));
    if (key === 'POST /history') {
      this.queue.deleteHistory(parseJson(body));
      return empty();
    }
    if (key === 'POST /interrupt') {
      this.queue.interrupt(parseJson(body));
      return empty();
    }
    if (key === 'POST /free') return empty();
    if (key === 'GET /view') {
      this.viewRequests += 1;
      return serveView(this.files, () => this.viewBehaviour, query, res);
    }
    if (key === 'POST /upload/image') return serveUpload(this.files, req, body, res, false);
    if (key === 'POST /upload/mask') return serveUpload(this.files, req, body, res, true);
    if (key === 'GET /') return send(res, 200, 'text/html', '<!doctype html><title>fake ComfyUI</title>');
    send(res, 404, 'text/plain; charset=utf-8', '404: Not Found');
  }
}
