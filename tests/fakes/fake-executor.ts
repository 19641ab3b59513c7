import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiGraph, NodeOutputs, ObjectInfo } from '../../electron/comfy/types.js';
import type { FakeFiles } from './fake-files.js';
import { executionOrder, resolveInputs, signaturesOf } from './fake-graph.js';
import {
  computeOutputs,
  isFakeValue,
  num,
  progressSteps,
  type FakeValue,
  type NodeInputs,
} from './fake-nodes.js';
import { runSteps } from './fake-progress.js';
import { executionError, RunStopped } from './fake-run-stop.js';

/** Where the executor's messages go; routing follows ComfyUI (API.md 2.2). */
export interface Outbox {
  /** execution_start/cached/executing/executed/success/error: the prompt's client only, nobody without one. */
  toClient(clientId: string | undefined, type: string, data: object): void;
  /** progress, progress_state, execution_interrupted: the prompt's client, or every socket without one. */
  toClientOrAll(clientId: string | undefined, type: string, data: object): void;
  /** Preview frames: type 4 (before `progress`) to sockets that asked for metadata, type 1 (after) to the rest. */
  preview(
    clientId: string | undefined,
    jpeg: Buffer,
    metadata: object,
    phase: 'before-progress' | 'after-progress',
  ): void;
  /** SaveImageWebsocket: a type-1 PNG frame. */
  pngFrame(clientId: string | undefined, png: Buffer): void;
  /** Binary text frame (type 3), broadcast to everyone. */
  text(nodeId: string, text: string): void;
}

export interface QueueItem {
  number: number;
  promptId: string;
  prompt: ApiGraph;
  extraData: { client_id?: string };
  outputs: string[];
  hang: boolean;
  failure?: string;
  interrupted: boolean;
}

export interface RunOutcome {
  status: 'success' | 'error' | 'interrupted';
  outputs: NodeOutputs;
  messages: [string, Record<string, unknown>][];
}

export interface ExecutorDeps {
  outbox: Outbox;
  files: FakeFiles;
  objectInfo: () => ObjectInfo;
  /** Per progress step; undefined lets SlowProgress use its own `delay` input. */
  stepMs: () => number | undefined;
  /** While true, sampling waits after each step... */
  samplingHeld: () => boolean;
  /** ...until a step released by the test is there to take (true: taken). */
  takeReleasedStep: () => boolean;
  /** Samplers send a preview with every step, as ComfyUI does when started with `--preview-method latent2rgb`. */
  samplerPreviews: () => boolean;
  /** Evaluated when a prompt starts; a string fails the prompt with that message. */
  failWhen: (item: QueueItem) => string | undefined;
}

interface CacheEntry {
  values: FakeValue[];
  ui?: NodeOutputs[string];
}

const samplerStepMs = 10;

/**
 * Runs one prompt the way ComfyUI's executor does, message for message: cache check, then each node in
 * dependency order with progress_state before executing, progress per step, executed for UI outputs, and one
 * terminal execution_* message.
 */
export class FakeExecutor {
  /** Node the worker is on, for the replay to a socket that reconnects mid-run. */
  currentNode: string | undefined;
  private cache = new Map<string, CacheEntry>();

  constructor(private readonly deps: ExecutorDeps) {}

  /** Resolves undefined when `killed` aborts: a crashed process reports nothing. */
  async run(item: QueueItem, killed: AbortSignal): Promise<RunOutcome | undefined> {
    try {
      return await this.execute(item, killed);
    } catch (error) {
      if (killed.aborted) return undefined;
      throw error;
    } finally {
      this.currentNode = undefined;
    }
  }

  private async execute(item: QueueItem, killed: AbortSignal): Promise<RunOutcome> {
    const { outbox } = this.deps;
    const promptId = item.promptId;
    const client = item.extraData.client_id;
    const messages: RunOutcome['messages'] = [];
    const record = (type: string, data: Record<string, unknown>, send: 'client' | 'client-or-all') => {
      const full = { ...data, timestamp: Date.now() };
      messages.push([type, full]);
      if (send === 'client') outbox.toClient(client, type, full);
      else outbox.toClientOrAll(client, type, full);
    };

    record('execution_start', { prompt_id: promptId }, 'client');
    const order = executionOrder(item.prompt, item.outputs);
    const signatures = signaturesOf(item.prompt);
    const failure = item.failure ?? this.deps.failWhen(item);
    // ComfyUI keeps only cache entries the new prompt can use (set_prompt + clean_unused).
    const wanted = new Set(order.map((id) => signatures(id)));
    for (const key of this.cache.keys()) if (!wanted.has(key)) this.cache.delete(key);
    const cached = failure || item.hang ? [] : order.filter((id) => this.cache.has(signatures(id)));
    record('execution_cached', { nodes: cached, prompt_id: promptId }, 'client');

    const states = new Map<string, { value: number; max: number; state: 'running' | 'finished' }>();
    const sendProgressState = () =>
      outbox.toClientOrAll(client, 'progress_state', {
        prompt_id: promptId,
        nodes: Object.fromEntries(
          [...states].map(([id, s]) => [
            id,
            {
              ...s,
              node_id: id,
              prompt_id: promptId,
              display_node_id: id,
              parent_node_id: null,
              real_node_id: id,
            },
          ]),
        ),
      });
    const values = new Map<string, FakeValue[]>();
    const outputs: NodeOutputs = {};
    const executed: string[] = [];
    let current: { id: string; classType: string; inputs: NodeInputs } | undefined;

    try {
      for (const id of order) {
        const node = item.prompt[id];
        if (!node) continue;
        const entry = this.cache.get(signatures(id));
        if (entry && cached.includes(id)) {
          values.set(id, entry.values);
          if (entry.ui) {
            outputs[id] = entry.ui;
            outbox.toClient(client, 'executed', {
              node: id,
              display_node: id,
              output: entry.ui,
              prompt_id: promptId,
            });
            states.set(id, { value: 1, max: 1, state: 'finished' });
            sendProgressState();
          }
          continue;
        }
        const inputs = resolveInputs(node.inputs, values);
        current = { id, classType: node.class_type, inputs };
        if (item.interrupted) throw new RunStopped('interrupted', id);
        states.set(id, { value: 0, max: 1, state: 'running' });
        sendProgressState();
        this.currentNode = id;
        outbox.toClient(client, 'executing', { node: id, display_node: id, prompt_id: promptId });
        if (item.hang) {
          while (!item.interrupted) await sleep(20, undefined, { signal: killed });
          throw new RunStopped('interrupted', id);
        }
        if (failure) throw new RunStopped('error', id, 'RuntimeError', `${failure}\n`);

        const steps = progressSteps(node.class_type, inputs);
        if (steps !== undefined) {
          const stepMs =
            this.deps.stepMs() ??
            (node.class_type === 'SlowProgress' ? num(inputs.delay, 0) * 1000 : samplerStepMs);
          await runSteps(
            this.deps,
            { item, id, classType: node.class_type, inputs, steps, stepMs },
            killed,
            (step) => {
              states.set(id, { value: step, max: steps, state: 'running' });
              sendProgressState();
            },
          );
        }
        const ui = await this.outputNode(item, id, node.class_type, inputs, killed);
        const info = this.deps.objectInfo()[node.class_type];
        const nodeValues =
          ui !== undefined
            ? []
            : ((await this.loadedFile(id, node.class_type, inputs)) ??
              computeOutputs(node.class_type, info?.output ?? [], inputs));
        if (node.class_type === 'GetImageSize') {
          const image = inputs.image as FakeValue | undefined;
          outbox.text(id, `width: ${image?.width}, height: ${image?.height}\n batch size: ${image?.batch}`);
        }
        values.set(id, nodeValues);
        if (ui && Object.keys(ui).length > 0) {
          outputs[id] = ui;
          outbox.toClient(client, 'executed', {
            node: id,
            display_node: id,
            output: ui,
            prompt_id: promptId,
          });
        }
        states.set(id, { value: steps ?? 1, max: steps ?? 1, state: 'finished' });
        sendProgressState();
        executed.push(id);
        this.cache.set(signatures(id), {
          values: nodeValues,
          ...(ui && Object.keys(ui).length > 0 && { ui }),
        });
      }
    } catch (error) {
      if (!(error instanceof RunStopped)) throw error;
      const nodeType = current?.classType ?? '';
      if (error.kind === 'interrupted') {
        record(
          'execution_interrupted',
          { prompt_id: promptId, node_id: error.nodeId, node_type: nodeType, executed },
          'client-or-all',
        );
        return { status: 'interrupted', outputs, messages };
      }
      record(
        'execution_error',
        executionError(promptId, error, current, executed, Object.keys(item.prompt)),
        'client',
      );
      return { status: 'error', outputs, messages };
    }
    record('execution_success', { prompt_id: promptId }, 'client');
    return { status: 'success', outputs, messages };
  }

  /**
   * LoadImage / LoadImageMask: the file's size; a file that is not an image fails the node as PIL does
   * (captures/upload-graphs.json). Undefined for every other node.
   */
  private async loadedFile(
    id: string,
    classType: string,
    inputs: NodeInputs,
  ): Promise<FakeValue[] | undefined> {
    if (classType !== 'LoadImage' && classType !== 'LoadImageMask') return undefined;
    const name = String(inputs.image);
    const { files } = this.deps;
    const value = classType === 'LoadImage' ? await files.inputImage(name) : await files.inputMask(name);
    if (!value)
      throw new RunStopped(
        'error',
        id,
        'PIL.UnidentifiedImageError',
        `cannot identify image file '${files.annotatedPath(name) ?? name}'\n`,
      );
    return classType === 'LoadImage'
      ? [value, { type: 'MASK', width: value.width, height: value.height }]
      : [value];
  }

  /** Output nodes: files and UI data. Undefined for ordinary nodes. */
  private async outputNode(
    item: QueueItem,
    id: string,
    classType: string,
    inputs: NodeInputs,
    killed: AbortSignal,
  ): Promise<NodeOutputs[string] | undefined> {
    const { files, outbox } = this.deps;
    const images = inputs.images as FakeValue | undefined;
    switch (classType) {
      case 'SaveImage': {
        const prefix = typeof inputs.filename_prefix === 'string' ? inputs.filename_prefix : 'ComfyUI';
        return { images: await files.saveImages(images, prefix, 'output') };
      }
      case 'PreviewImage':
        return { images: await files.saveImages(images, '', 'temp') };
      case 'SaveImageWebsocket': {
        const client = item.extraData.client_id;
        const png = await files.pngOf(images);
        if (killed.aborted) return {};
        outbox.toClientOrAll(client, 'progress', { value: 1, max: 1, prompt_id: item.promptId, node: id });
        outbox.pngFrame(client, png);
        return {};
      }
      case 'PreviewAny':
        return { text: [isFakeValue(inputs.source) ? `<${inputs.source.type}>` : String(inputs.source)] };
      default:
        return undefined;
    }
  }
}
