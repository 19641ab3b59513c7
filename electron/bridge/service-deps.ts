import type { GalleryHandle } from '../gallery/index.js';
import type { BackendPool } from '../jobs/backend-pool.js';
import type { Scheduler } from '../jobs/scheduler.js';
import type { Logger } from '../log.js';
import type { SettingsService } from '../settings.js';
import type { WorkPool } from '../web/pool.js';
import type { WorkflowCatalog } from './catalog.js';
import type { IdempotentSubmitter } from './idempotency.js';

export interface BridgeServiceOptions {
  scheduler: Scheduler;
  pool: BackendPool;
  catalog: WorkflowCatalog;
  gallery: GalleryHandle;
  settings: SettingsService;
  /** The effective output folder (settings may leave it empty; the core fills in a default). */
  outputDir(): string;
  logger: Logger;
  /** Where files replaced with overwrite are kept (the data folder's `replaced`). */
  recoveryDir: string;
  /** Makes the small inline preview of a finished image from its bytes. */
  makePreview(image: Buffer): Promise<Buffer>;
  /** Interval of progress heartbeats while a call waits; MCP clients' idle timers need one every few seconds
   * (default DEFAULT_HEARTBEAT_MS); tests shorten it. */
  heartbeatMs?: number;
  /** The process's pool for web variant encodes (web/pool.ts); default: one made here. */
  webPool?: WorkPool;
}

/** What every tool family of the service (service.ts) is built from: the options with their defaults filled in. */
export interface ServiceDeps extends BridgeServiceOptions {
  heartbeatMs: number;
  webPool: WorkPool;
  /** One for the service: a retry of generate_image, edit_image or batch_generate_images finds its first call. */
  submissions: IdempotentSubmitter;
}
