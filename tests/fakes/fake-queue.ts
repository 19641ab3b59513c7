/**
 * The fake ComfyUI's prompt queue and history: one prompt runs at a time, lowest number first; the finished ones
 * go to /history. Also what /queue, /history and /interrupt answer and change.
 */
import type { ApiGraph, NodeOutputs } from '../../electron/comfy/types.js';
import type { FakeExecutor, QueueItem } from './fake-executor.js';

export interface HistoryEntry {
  prompt: [number, string, ApiGraph, Record<string, unknown>, string[]];
  outputs: NodeOutputs;
  status: { status_str: string; completed: boolean; messages: [string, Record<string, unknown>][] };
  meta: Record<string, unknown>;
}

export interface QueueHooks {
  executor(): FakeExecutor;
  /** Aborted when the fake is killed: a run in flight then leaves no trace. */
  life(): AbortSignal;
  /** The queue's length changed (ComfyUI broadcasts a status message). */
  changed(): void;
  /** A prompt ended: ComfyUI tells its client with a bare executing message. */
  ended(item: QueueItem): void;
  succeeded(promptId: string): void;
}

/** A parsed POST /queue or /history body (anything JSON, or undefined). */
type DeleteRequest = { delete?: unknown; clear?: unknown } | undefined;

export class FakeQueue {
  pending: QueueItem[] = [];
  running: QueueItem | undefined;
  readonly history = new Map<string, HistoryEntry>();
  private counter = 0;

  constructor(private readonly hooks: QueueHooks) {}

  /** Pending plus running. */
  get length(): number {
    return this.pending.length + (this.running ? 1 : 0);
  }

  /** The number of a prompt posted without one: counting up, negated for `front`. */
  nextNumber(front: boolean): number {
    const number = front ? -this.counter : this.counter;
    this.counter += 1;
    return number;
  }

  add(item: QueueItem): void {
    this.pending.push(item);
  }

  /** Starts the next prompt unless one runs. */
  kick(): void {
    if (this.running || this.pending.length === 0) return;
    const next = this.pending.reduce((a, b) => (b.number < a.number ? b : a));
    this.pending = this.pending.filter((item) => item !== next);
    this.running = next;
    this.hooks.changed();
    void this.runItem(next, this.hooks.life());
  }

  /** Like a crashed process: nothing pending, running or remembered. */
  reset(): void {
    this.pending = [];
    this.running = undefined;
    this.history.clear();
    this.counter = 0;
  }

  /** GET /queue. */
  queueJson(): object {
    const tuple = (item: QueueItem) => [
      item.number,
      item.promptId,
      item.prompt,
      item.extraData,
      item.outputs,
    ];
    return {
      queue_running: this.running ? [tuple(this.running)] : [],
      // ComfyUI hands out its heap, not the run order; callers must sort.
      queue_pending: heapOrder(this.pending).map(tuple),
    };
  }

  /** POST /queue. */
  deletePending(body: unknown): void {
    const request = body as DeleteRequest;
    if (request?.clear) this.pending = [];
    if (Array.isArray(request?.delete)) {
      const ids = new Set(request.delete.map(String));
      this.pending = this.pending.filter((item) => !ids.has(item.promptId));
    }
    this.hooks.changed();
  }

  /** GET /history. */
  historyJson(query: URLSearchParams): object {
    const maxItems = Number(query.get('max_items') ?? Infinity);
    const offset = Number(query.get('offset') ?? 0);
    const entries = [...this.history].slice(offset);
    return Object.fromEntries(Number.isFinite(maxItems) ? entries.slice(-maxItems) : entries);
  }

  /** GET /history/{id}. */
  historyOf(id: string): object {
    const entry = this.history.get(id);
    return entry ? { [id]: entry } : {};
  }

  /** POST /history. */
  deleteHistory(body: unknown): void {
    const request = body as DeleteRequest;
    if (request?.clear) this.history.clear();
    if (Array.isArray(request?.delete)) for (const id of request.delete) this.history.delete(String(id));
  }

  /** POST /interrupt: the running prompt, or only the one named. */
  interrupt(body: unknown): void {
    const request = body as { prompt_id?: unknown } | undefined;
    const target = typeof request?.prompt_id === 'string' ? request.prompt_id : undefined;
    if (this.running && (target === undefined || target === this.running.promptId))
      this.running.interrupted = true;
  }

  private async runItem(item: QueueItem, killed: AbortSignal): Promise<void> {
    const outcome = await this.hooks.executor().run(item, killed);
    if (!outcome || killed.aborted) return;
    this.running = undefined;
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
    if (outcome.status === 'success') this.hooks.succeeded(item.promptId);
    this.hooks.changed();
    this.hooks.ended(item);
    this.kick();
  }
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
