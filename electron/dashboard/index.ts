import type { FolderDefaults } from '../../shared/dashboard-api.js';
import type { Settings } from '../../shared/settings.js';
import type { RouteHandler, UpgradeHandler } from '../http/server.js';
import { createApiHandler } from './api.js';
import type { ShimCommand } from './connect.js';
import { mcpbFileName } from './mcpb-download.js';
import { createEventsHub } from './events-hub.js';
import { createProgressBook } from './job-progress.js';
import { startLiveFeed } from './live-feed.js';
import { createStaticSite } from './static-files.js';
import { createModelSetup } from '../models/setup.js';
import { findComfyInstalls } from '../models/install-detect.js';
import { createChecklistService } from '../setup/checklist-service.js';
import { createComfyStarter } from '../setup/start-comfyui.js';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import type { DashboardParts } from './api-types.js';
import { toStatusView, type ItemContext, type restartSettings } from './views.js';

export type { ShimCommand } from './connect.js';
export { packageRootOf, packageVersionOf, rendererDirFor } from './package-files.js';

export interface DashboardOptions extends DashboardParts {
  version: string;
  dataDir: string;
  outputDir(): string;
  userWorkflowsDir: string;
  folderDefaults: FolderDefaults;
  /** Known once the HTTP server listens, which is before any request can arrive. */
  mcpUrl(): string;
  /** /mcp as other machines reach it; empty on loopback. */
  networkMcpUrls(): readonly string[];
  shim: ShimCommand;
  /** Folders that may hold a built .mcpb for this version and platform (default: none). */
  mcpbDirs?: readonly string[];
  /** The built renderer (dist/renderer). */
  rendererDir: string;
  /** The start-up values of the settings that need a restart. */
  running: Pick<Settings, (typeof restartSettings)[number]>;
  /** Minimum time between two live events about the same subject; default 100 ms. */
  eventIntervalMs?: number;
}

/** The dashboard's side of the core: the /api handler, the static site, the live-events websocket. */
export interface Dashboard {
  apiHandler: RouteHandler;
  staticHandler: RouteHandler;
  upgradeHandler: UpgradeHandler;
  /** Says goodbye to every live-events client; before the HTTP server closes. */
  close(): Promise<void>;
  /** An MCP client's request was answered: the checklist's "agent connected" step. */
  agentConnected(): void;
}

export function createDashboard(options: DashboardOptions): Dashboard {
  const logger = options.logger.child('dashboard');
  const progress = createProgressBook(options.scheduler);
  const items: ItemContext = {
    progressOf: (jobId) => progress.of(jobId),
    // Views are built once the gallery has loaded (api.ts, live-feed.ts).
    imageIdOf: (jobId) => (options.gallery.loadedNow()?.get(jobId) ? jobId : undefined),
  };
  const status = () =>
    toStatusView({
      version: options.version,
      mcpUrl: options.mcpUrl(),
      outputDir: options.outputDir(),
      dataDir: options.dataDir,
      backends: options.pool.snapshot(),
      queue: options.scheduler.counts(),
      paused: options.scheduler.isPaused,
    });
  const hub = createEventsHub({
    token: () => options.settings.get().dashboardToken,
    logger,
    greeting: () => ({ type: 'status', status: status() }),
  });
  const feed = startLiveFeed({
    scheduler: options.scheduler,
    pool: options.pool,
    gallery: options.gallery,
    workflows: options.workflows,
    settings: options.settings,
    items,
    status,
    publish: (event) => hub.broadcast(event),
    ...(options.eventIntervalMs === undefined ? {} : { intervalMs: options.eventIntervalMs }),
  });

  const models = createModelSetup({
    pool: options.pool,
    workflows: options.workflows,
    catalog: options.catalog,
    logger,
    publish: (event) => hub.broadcast(event),
    findInstalls: () =>
      findComfyInstalls({
        platform: process.platform,
        env: process.env,
        home: homedir(),
        exists: existsSync,
      }),
  });

  const checklist = createChecklistService({
    dataDir: options.dataDir,
    pool: options.pool,
    workflows: options.workflows,
    catalog: options.catalog,
    gallery: options.gallery,
    scheduler: options.scheduler,
    settings: options.settings,
    logger,
    publish: (event) => hub.broadcast(event),
  });
  const comfyStarter = createComfyStarter({
    command: () => options.settings.get().comfyuiStartCommand,
    answeringAt: () => options.pool.snapshot().find((backend) => backend.available)?.url,
    dataDir: options.dataDir,
    logger,
  });

  return {
    apiHandler: createApiHandler({
      ...options,
      mcpb: {
        fileName: mcpbFileName(options.version, process.platform, process.arch),
        dirs: options.mcpbDirs ?? [],
      },
      logger,
      items,
      status,
      models,
      checklist,
      comfyStarter,
      onImageRemoved: (id) => hub.broadcast({ type: 'gallery', change: 'removed', id }),
    }),
    staticHandler: createStaticSite({ root: options.rendererDir, logger }),
    upgradeHandler: (req, socket, head) => hub.handleUpgrade(req, socket, head),
    agentConnected: () => checklist.agentConnected(),
    async close() {
      checklist.stop();
      feed.stop();
      progress.close();
      await models.close();
      await hub.close();
    },
  };
}
