import type { ServerMessage } from './messages.js';
import type { NodeOutputs, QueueState, RunResult } from './types.js';

/** What the client has to do after a message or a resync step. */
export type TrackerAction =
  | { kind: 'none' }
  /** Outputs seen on the socket may be incomplete: read them from /history before settling as success. */
  | { kind: 'fetch-history'; promptId: string; fallbackOutputs: NodeOutputs };

interface Waiter {
  resolve: (result: RunResult) => void;
  reject: (error: Error) => void;
}

interface TrackedRun {
  /** POST /prompt has not answered yet, so ComfyUI's queue may not show it: resync must not call it lost. */
  submitting: boolean;
  outputs: NodeOutputs;
  /** The socket dropped while the run was live, so some `executed` events may be missing. */
  missedEvents: boolean;
  /** execution_success arrived and the outputs are being completed from /history. */
  finishing: boolean;
  result?: RunResult;
  waiters: Waiter[];
}

/** Settled results nobody has asked for yet are kept, up to this many, for a later waitFor. */
const maxUnclaimedResults = 1000;

/**
 * The state of every prompt this client submitted or waits for, driven by websocket messages and resync
 * answers. No I/O: the client performs the actions it returns.
 */
export class RunTracker {
  private readonly runs = new Map<string, TrackedRun>();
  private unclaimed: string[] = [];
  /** The prompt ComfyUI is executing for us, for messages that omit prompt_id. */
  private current: string | undefined;

  get currentPromptId(): string | undefined {
    return this.current;
  }

  track(promptId: string, options: { submitting: boolean }): void {
    const run = this.runs.get(promptId);
    if (run && !run.result) {
      run.submitting = options.submitting;
      return;
    }
    if (run) this.forget(promptId);
    this.runs.set(promptId, {
      submitting: options.submitting,
      outputs: {},
      missedEvents: false,
      finishing: false,
      waiters: [],
    });
  }

  submitted(promptId: string): void {
    const run = this.runs.get(promptId);
    if (run) run.submitting = false;
  }

  /** A submission ComfyUI refused: nothing will ever come for it. */
  untrack(promptId: string): void {
    const run = this.runs.get(promptId);
    if (run && !run.result && run.waiters.length === 0) this.runs.delete(promptId);
  }

  isTracked(promptId: string): boolean {
    return this.runs.has(promptId);
  }

  /** Resolves with the run's result (tracking must already exist); rejects with the abort reason on `signal`. */
  wait(promptId: string, signal?: AbortSignal): Promise<RunResult> {
    const run = this.runs.get(promptId);
    if (!run) return Promise.reject(new Error(`prompt ${promptId} is not tracked`));
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    if (run.result) {
      const result = run.result;
      this.forget(promptId);
      return Promise.resolve(result);
    }
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        run.waiters = run.waiters.filter((w) => w !== waiter);
        reject(abortReason(signal));
      };
      const waiter: Waiter = {
        resolve: (result) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(result);
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      run.waiters.push(waiter);
    });
  }

  apply(message: ServerMessage): TrackerAction {
    switch (message.type) {
      case 'execution_start':
        this.current = message.promptId;
        return { kind: 'none' };
      case 'executing':
        if (message.node === null && message.promptId === this.current) this.current = undefined;
        return { kind: 'none' };
      case 'executed': {
        const run = this.live(message.promptId);
        if (run) run.outputs[message.node] = message.output;
        return { kind: 'none' };
      }
      case 'execution_success': {
        this.clearCurrent(message.promptId);
        const run = this.live(message.promptId);
        if (!run) return { kind: 'none' };
        if (run.missedEvents || Object.keys(run.outputs).length === 0) {
          run.finishing = true;
          return { kind: 'fetch-history', promptId: message.promptId, fallbackOutputs: run.outputs };
        }
        this.settle(message.promptId, { status: 'success', outputs: run.outputs });
        return { kind: 'none' };
      }
      case 'execution_error': {
        this.clearCurrent(message.promptId);
        const run = this.live(message.promptId);
        if (run)
          this.settle(message.promptId, { status: 'error', error: message.error, outputs: run.outputs });
        return { kind: 'none' };
      }
      case 'execution_interrupted':
        this.clearCurrent(message.promptId);
        if (this.live(message.promptId)) this.settle(message.promptId, { status: 'interrupted' });
        return { kind: 'none' };
      default:
        return { kind: 'none' };
    }
  }

  /** The socket dropped: whatever was live may miss events until the resync. */
  disconnected(): void {
    for (const run of this.runs.values()) if (!run.result) run.missedEvents = true;
    this.current = undefined;
  }

  /** Prompts whose state must be re-read from /queue and /history after a reconnect. */
  unsettled(): string[] {
    return [...this.runs]
      .filter(([, run]) => !run.result && !run.submitting && !run.finishing)
      .map(([id]) => id);
  }

  /**
   * Applies the queue snapshot taken during a resync: prompts still queued or running keep waiting; the others
   * are returned so the client reads their history.
   */
  notInQueue(promptIds: string[], queue: QueueState): string[] {
    const running = queue.running[0]?.promptId;
    if (running && this.runs.has(running)) this.current = running;
    const inQueue = new Set([...queue.running, ...queue.pending].map((e) => e.promptId));
    return promptIds.filter((id) => !inQueue.has(id));
  }

  settle(promptId: string, result: RunResult): void {
    const run = this.runs.get(promptId);
    if (!run || run.result) return;
    run.result = result;
    run.finishing = false;
    const waiters = run.waiters.splice(0);
    if (waiters.length > 0) {
      this.runs.delete(promptId);
      for (const waiter of waiters) waiter.resolve(result);
      return;
    }
    this.unclaimed.push(promptId);
    if (this.unclaimed.length > maxUnclaimedResults) {
      const oldest = this.unclaimed.shift();
      if (oldest !== undefined) this.runs.delete(oldest);
    }
  }

  /** Fails every waiter (the client is closing) and forgets everything. */
  rejectAll(error: Error): void {
    const runs = [...this.runs.values()];
    this.runs.clear();
    this.unclaimed = [];
    for (const run of runs) for (const waiter of run.waiters) waiter.reject(error);
  }

  private live(promptId: string): TrackedRun | undefined {
    const run = this.runs.get(promptId);
    return run && !run.result ? run : undefined;
  }

  private clearCurrent(promptId: string): void {
    if (this.current === promptId) this.current = undefined;
  }

  private forget(promptId: string): void {
    this.runs.delete(promptId);
    this.unclaimed = this.unclaimed.filter((id) => id !== promptId);
  }
}

function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new DOMException('The wait was aborted.', 'AbortError');
}
