/**
 * What a test sees of the fake ComfyUI (fake-comfyui.ts starts one): its options, the prompts it accepted, and
 * the knobs that make it fail, hang or answer late.
 */
import type { ApiGraph } from '../../electron/comfy/types.js';
import type { ViewBehaviour } from './fake-images.js';
import type { ModelLists } from './fake-object-info.js';

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
   * image /view serves is these bytes instead. `holdAfter`: each image is sent in two parts, the second once
   * the given promise settles.
   */
  setViewBehaviour(behaviour: ViewBehaviour): void;
  /** GET /view requests answered since start. */
  readonly viewRequests: number;
  /** GET /object_info requests answered since start (the whole list, not one node's). */
  readonly objectInfoRequests: number;
  /** `METHOD /path` (without /api) of the last 1,000 requests, in the order they arrived. */
  readonly requestLog: readonly string[];
  /** POST /upload/image and /upload/mask requests received since start (restarts included). */
  readonly uploadRequests: number;
  /** true: POSTs answer 500 text/plain and GETs answer 200 with a malformed JSON body. */
  setMalformed(on: boolean): void;
  /** Requests whose path (without /api) starts with one of these never get an answer. */
  setHangingPaths(paths: string[]): void;
  setModels(models: ModelLists): void;
}
