import type { ResultAppService } from '../mcp/app/service.js';
import type { MonotonicClock } from '../clock.js';
import type { CoreHandle } from '../core-handle.js';
import type { ShimCommand } from '../dashboard/index.js';
import type { DesktopPort } from '../desktop-port.js';
import type { GalleryHandle } from '../gallery/index.js';
import type { BackendPool } from '../jobs/backend-pool.js';
import type { Scheduler } from '../jobs/scheduler.js';
import type { Logger } from '../log.js';
import type { BridgeService } from '../mcp/service.js';
import type { SettingsService } from '../settings.js';
import type { WorkPool } from '../web/pool.js';
import type { WorkflowLibrary } from '../workflows/library.js';

export interface CoreOptions {
  settings: SettingsService;
  dataDir: string;
  bundledWorkflowsDir: string;
  logger: Logger;
  desktop?: DesktopPort;
  version?: string;
  /** The built dashboard; default dist/renderer beside the built core. */
  rendererDir?: string;
  /** Folders that may hold a built .mcpb for the dashboard's download; default: the package's release/ and parent. */
  mcpbDirs?: readonly string[];
  /** How agents' clients start the stdio shim; default this Node running the package's launcher. */
  shimCommand?: ShimCommand;
  /** The run's options as shim flags (`cli/shim-args.ts`); `--data-dir` is always added. */
  shimArgs?: readonly string[];
  /** Knobs for tests and benchmarks; the defaults suit a workstation. */
  tuning?: CoreTuning;
}

export interface CoreTuning {
  healthIntervalMs?: number;
  failoverAfterMs?: number;
  jobTimeoutMs?: number;
  heartbeatMs?: number;
  /** Every HTTP call to ComfyUI (and its websocket handshake) gives up after this long. */
  comfyRequestTimeoutMs?: number;
  discoveryCandidates?: string[];
  /** 2025-era MCP sessions: idle time before one without a call in flight is closed, and the cap. */
  sessionIdleMs?: number;
  maxSessions?: number;
  /** The clock failover and session idle times are measured on; tests inject one to move it. */
  monotonicNow?: MonotonicClock;
  /** Awaited before the gallery's index is read (after the core is ready); tests hold it to act while it loads. */
  beforeGalleryLoad?: () => Promise<void>;
  /** The pool web variants are encoded in (default: half the cores); tests hold one to see variants pending. */
  webPool?: WorkPool;
}

/** The running bridge: everything an agent, the dashboard or the tray talks to. */
export interface Core extends CoreHandle {
  url: string;
  /** /mcp as other machines reach it (empty when bound to loopback); `mcpUrl` is for this machine. */
  networkMcpUrls: readonly string[];
  service: BridgeService;
  /** The MCP App's app-only tools (mcp/app/). */
  resultApp: ResultAppService;
  scheduler: Scheduler;
  pool: BackendPool;
  /** Its index loads in the background after the start: `await core.gallery.loaded()` to read it. */
  gallery: GalleryHandle;
  workflows: WorkflowLibrary;
  settings: SettingsService;
  dataDir: string;
  /** An MCP client connected other than over /mcp (the stdio shim serving it in-process). */
  agentConnected(): void;
}
