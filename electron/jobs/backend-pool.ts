/**
 * Over ~300 lines on purpose: the health probe, the failover grace and the copy of each backend's /object_info
 * all read and write the same per-backend entry (a node list is read again exactly when a backend comes back),
 * so they stay together. What has another reason to change lives beside it: the client contract and URL keying
 * (backend-client.ts), the outage log (outage-log.ts) and the reachability decisions (reachability.ts).
 */
import { EventEmitter } from 'node:events';
import type { ObjectInfo, SystemStats } from '../comfy/types.js';
import { monotonicNow, type MonotonicClock } from '../clock.js';
import type { Logger } from '../log.js';
import { describeProblem, normaliseUrl, type BackendClient } from './backend-client.js';
import type { BackendLoad } from './dispatch.js';
import { OutageLog } from './outage-log.js';
import { unreachableReason, type BackendReachability } from './reachability.js';

export type { BackendClient } from './backend-client.js';
export { normaliseUrl } from './backend-client.js';

export interface BackendSnapshot {
  id: string;
  url: string;
  available: boolean;
  /** Why it is not available, in words a person can act on. */
  problem?: string;
  stats?: SystemStats;
  queueRemaining: number;
  inFlight: number;
  since: string;
}

export interface BackendPoolOptions {
  createClient(url: string): BackendClient;
  logger: Logger;
  window: number;
  /** How often an unavailable backend is probed and an available one's stats refreshed. */
  healthIntervalMs?: number;
  /** How long a backend may be unavailable before its in-flight jobs are handed to another. */
  failoverAfterMs?: number;
  /** The clock the failover grace is measured on (tests inject one); never the wall clock. */
  monotonicNow?: MonotonicClock;
}

interface BackendEntry {
  id: string;
  client: BackendClient;
  available: boolean;
  problem?: string;
  stats?: SystemStats;
  objectInfo?: ObjectInfo;
  /** When objectInfo was read, on the monotonic clock. */
  objectInfoAt?: number;
  /** The read under way, which every caller shares (single flight). */
  objectInfoRead?: Promise<void>;
  queueRemaining: number;
  inFlight: number;
  dispatched: number;
  /** When `available` last changed, on the monotonic clock. */
  since: number;
  failedOver: boolean;
  /** A health probe has finished at least once. */
  probed: boolean;
  timer?: NodeJS.Timeout;
  connecting?: Promise<void>;
}

/**
 * The configured ComfyUI backends and their health. Emits 'up' (id) when a backend becomes usable,
 * 'down' (id) when it has been unusable for failoverAfterMs, and 'change' on any status change.
 */
export class BackendPool extends EventEmitter {
  private readonly entries = new Map<string, BackendEntry>();
  private window: number;
  private readonly healthIntervalMs: number;
  private readonly failoverAfterMs: number;
  private readonly now: MonotonicClock;
  private closed = false;
  private readonly outageLog: OutageLog;
  /**
   * The calls waiting in firstProbes, woken together once every backend has been probed: a set rather than a
   * listener each, since many calls at start-up are expected (an event's listeners warn of a leak past ten).
   */
  private readonly probeWaiters = new Set<() => void>();

  constructor(private readonly options: BackendPoolOptions) {
    super();
    this.window = options.window;
    this.healthIntervalMs = options.healthIntervalMs ?? 2_000;
    this.failoverAfterMs = options.failoverAfterMs ?? 10_000;
    this.now = options.monotonicNow ?? monotonicNow;
    this.outageLog = new OutageLog(options.logger);
  }

  /** Replaces the set of backends: new URLs are connected, removed ones closed, kept ones untouched. */
  setUrls(urls: readonly string[]): void {
    const wanted = new Set(urls.map(normaliseUrl));
    for (const [id, entry] of this.entries) {
      if (!wanted.has(id)) {
        this.entries.delete(id);
        clearTimeout(entry.timer);
        void entry.client.close();
        this.emit('removed', id);
      }
    }
    for (const id of wanted) if (!this.entries.has(id)) this.add(id);
    this.emit('change');
    this.reportReachability();
  }

  setWindow(window: number): void {
    this.window = window;
    this.emit('change');
  }

  client(id: string): BackendClient | undefined {
    return this.entries.get(id)?.client;
  }

  objectInfo(id: string): ObjectInfo | undefined {
    return this.entries.get(id)?.objectInfo;
  }

  /**
   * Reads /object_info again from each available backend (all, or `ids`) whose copy is older than `maxAgeMs`:
   * its lists of model files change while it runs (a download finishes, a file is deleted), and validation and
   * the smart default must see that. Concurrent callers share one read per backend; a failed read keeps the old
   * copy (the health probe reports the backend).
   */
  async refreshObjectInfo(maxAgeMs = OBJECT_INFO_MAX_AGE_MS, ids?: readonly string[]): Promise<void> {
    const wanted = ids ? ids.map(normaliseUrl) : [...this.entries.keys()];
    await Promise.all(
      wanted.map((id) => {
        const entry = this.entries.get(id);
        if (!entry?.available || this.ageOf(entry) < maxAgeMs) return Promise.resolve();
        return this.sharedObjectInfoRead(entry);
      }),
    );
  }

  /**
   * Reads a backend's /object_info again in the background once its copy is past half its age. RunFlow calls this
   * when the backend has taken a prompt: the read, and the parse of its large answer, then happen while ComfyUI
   * runs the image, and the next call finds a copy younger than OBJECT_INFO_MAX_AGE_MS instead of waiting on it.
   * (Started as a call began, the parse landed on that call's own path: in the overhead bench, on one call in
   * three or four.)
   */
  readObjectInfoAhead(id: string): void {
    const entry = this.entries.get(normaliseUrl(id));
    if (entry?.available && this.ageOf(entry) >= OBJECT_INFO_MAX_AGE_MS / 2)
      void this.sharedObjectInfoRead(entry);
  }

  private ageOf(entry: BackendEntry): number {
    return entry.objectInfoAt === undefined ? Infinity : this.now() - entry.objectInfoAt;
  }

  /** One read per backend at a time; it never rejects (a failed read keeps the old copy). */
  private sharedObjectInfoRead(entry: BackendEntry): Promise<void> {
    return (entry.objectInfoRead ??= this.readObjectInfo(entry).finally(
      () => (entry.objectInfoRead = undefined),
    ));
  }

  /**
   * Resolves once every backend has finished its first health step (reached or not), or after `timeoutMs`.
   * A call that picks the default workflow right after start-up waits for this: before it, no backend is known,
   * and the default would be a guess that the backend, once connected, may not run.
   */
  firstProbes(timeoutMs: number): Promise<void> {
    if (this.closed || this.allProbed()) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.probeWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      timer.unref();
      this.probeWaiters.add(done);
    });
  }

  private allProbed(): boolean {
    return [...this.entries.values()].every((entry) => entry.probed);
  }

  /** Node list and version of every backend whose node list is known, for workflow checks. */
  views(): { objectInfo: ObjectInfo; version?: string }[] {
    return [...this.entries.values()].flatMap((entry) =>
      entry.objectInfo
        ? [{ objectInfo: entry.objectInfo, ...(entry.stats ? { version: entry.stats.version } : {}) }]
        : [],
    );
  }

  /** ComfyUI's version on that backend, from its last /system_stats. */
  version(id: string): string | undefined {
    return this.entries.get(id)?.stats?.version;
  }

  ids(): string[] {
    return [...this.entries.keys()];
  }

  loads(): BackendLoad[] {
    return [...this.entries.values()].map((entry) => ({
      id: entry.id,
      available: entry.available,
      inFlight: entry.inFlight,
      window: this.window,
      dispatched: entry.dispatched,
    }));
  }

  snapshot(): BackendSnapshot[] {
    return [...this.entries.values()].map((entry) => ({
      id: entry.id,
      url: entry.id,
      available: entry.available,
      ...(entry.problem ? { problem: entry.problem } : {}),
      ...(entry.stats ? { stats: entry.stats } : {}),
      queueRemaining: entry.queueRemaining,
      inFlight: entry.inFlight,
      // Shown to people as a time of day: how long ago on the monotonic clock, placed on today's wall clock.
      since: new Date(Date.now() - (this.now() - entry.since)).toISOString(),
    }));
  }

  /**
   * Why no job can start now ("no ComfyUI reachable at … — start ComfyUI or check the URL"), or undefined
   * while a backend is usable or the first probes have not finished.
   */
  unreachableReason(): string | undefined {
    return unreachableReason(this.reachability());
  }

  /** Records that a job was sent to (or left) a backend, for least-loaded dispatch. */
  adjustInFlight(id: string, delta: 1 | -1): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    entry.inFlight = Math.max(0, entry.inFlight + delta);
    if (delta > 0) entry.dispatched += 1;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled(
      [...this.entries.values()].map((entry) => {
        clearTimeout(entry.timer);
        return entry.client.close();
      }),
    );
    this.entries.clear();
  }

  private add(id: string): void {
    const client = this.options.createClient(id);
    const entry: BackendEntry = {
      id,
      client,
      available: false,
      problem: 'connecting…',
      queueRemaining: 0,
      inFlight: 0,
      dispatched: 0,
      since: this.now(),
      failedOver: false,
      probed: false,
    };
    this.entries.set(id, entry);
    client.on('status', (event) => {
      entry.queueRemaining = event.queueRemaining;
      this.emit('change');
    });
    client.on('connection', (event) => {
      // A socket that drops again while the refresh runs must not leave an unhandled rejection (it ends the process).
      if (event.connected)
        this.refresh(entry).catch((error: unknown) =>
          this.markUnavailable(entry, describeProblem(entry.id, error)),
        );
      else this.markUnavailable(entry, 'the connection to ComfyUI dropped; reconnecting');
    });
    void this.probe(entry);
  }

  /** One health step: connect (or check) and schedule the next step. */
  private async probe(entry: BackendEntry): Promise<void> {
    if (this.closed || this.entries.get(entry.id) !== entry) return;
    try {
      if (!entry.client.connected) {
        entry.connecting ??= entry.client.connect().finally(() => (entry.connecting = undefined));
        await entry.connecting;
      }
      await this.refresh(entry);
    } catch (error) {
      this.markUnavailable(entry, describeProblem(entry.id, error));
      this.options.logger.debug('health probe failed', { backend: entry.id, problem: entry.problem });
    }
    if (this.closed || this.entries.get(entry.id) !== entry) return;
    entry.probed = true;
    if (this.allProbed()) for (const wake of [...this.probeWaiters]) wake();
    this.reportReachability();
    this.checkFailover(entry);
    entry.timer = setTimeout(() => void this.probe(entry), this.healthIntervalMs);
    entry.timer.unref();
  }

  private async readObjectInfo(entry: BackendEntry): Promise<void> {
    const started = this.now();
    try {
      const info = await entry.client.objectInfo();
      if (this.entries.get(entry.id) !== entry) return;
      entry.objectInfo = info;
      entry.objectInfoAt = started;
      this.emit('change');
    } catch (error) {
      this.options.logger.debug('could not read /object_info again', { backend: entry.id, error });
    }
  }

  private async refresh(entry: BackendEntry): Promise<void> {
    const stats = await entry.client.systemStats();
    if (!entry.objectInfo || !entry.available) {
      const started = this.now();
      entry.objectInfo = await entry.client.objectInfo();
      entry.objectInfoAt = started;
    }
    entry.stats = stats;
    if (!entry.client.connected) throw new Error('the websocket is not connected');
    if (!entry.available) {
      entry.available = true;
      entry.problem = undefined;
      entry.since = this.now();
      entry.failedOver = false;
      this.options.logger.info('backend available', { backend: entry.id, version: stats.version });
      this.emit('up', entry.id);
      this.reportReachability();
    }
    this.emit('change');
  }

  private markUnavailable(entry: BackendEntry, problem: string): void {
    // Closing the pool (or removing this backend) closes the client, whose socket then reports a drop: not news.
    if (this.closed || this.entries.get(entry.id) !== entry) return;
    if (entry.available) {
      entry.since = this.now();
      this.options.logger.warn('backend unavailable', { backend: entry.id, problem });
    }
    entry.available = false;
    entry.problem = problem;
    this.emit('change');
    this.reportReachability();
  }

  /** Logs the start of an outage of every backend once (WARN) and its end once (INFO). */
  private reportReachability(): void {
    if (this.closed) return;
    const problems = [...this.entries.values()].map((entry) => entry.problem);
    this.outageLog.report(this.reachability(), problems);
  }

  private reachability(): BackendReachability[] {
    return [...this.entries.values()].map(({ id: url, available, probed }) => ({ url, available, probed }));
  }

  private checkFailover(entry: BackendEntry): void {
    if (entry.available || entry.failedOver || this.now() - entry.since < this.failoverAfterMs) return;
    entry.failedOver = true;
    this.emit('down', entry.id);
  }
}

/** How old a backend's /object_info may be when a call picks its workflow and backend. */
export const OBJECT_INFO_MAX_AGE_MS = 5_000;
/** How long a call waits for the first health step of backends that have had none (start-up, a new URL). */
export const FIRST_PROBE_WAIT_MS = 5_000;
/** How old it may be for a status someone asked for (check_comfyui_status, the dashboard's refresh). */
export const STATUS_OBJECT_INFO_MAX_AGE_MS = 1_000;
