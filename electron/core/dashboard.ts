/**
 * The dashboard API and page for this core: its parts, the stdio command the "Connect an agent" snippets carry,
 * where the built page and a built .mcpb are, and the settings this run started with.
 */
import { dirname, join } from 'node:path';
import type { WorkflowCatalog } from '../bridge/catalog.js';
import { createDashboard, type Dashboard } from '../dashboard/index.js';
import type { DesktopPort } from '../desktop-port.js';
import type { GalleryHandle } from '../gallery/index.js';
import type { BackendPool } from '../jobs/backend-pool.js';
import type { Scheduler } from '../jobs/scheduler.js';
import { shimCommand, withShimArgs } from '../stdio/shim-command.js';
import { folderDefaults } from './folders.js';
import type { WorkflowLibrary } from '../workflows/library.js';
import type { CoreOptions } from './types.js';

export function createCoreDashboard(deps: {
  options: CoreOptions;
  scheduler: Scheduler;
  pool: BackendPool;
  gallery: GalleryHandle;
  workflows: WorkflowLibrary;
  catalog: WorkflowCatalog;
  desktop: DesktopPort;
  version: string;
  outputDir: () => string;
  userWorkflowsDir: string;
  /** The package's root folder (dashboard/package-files.ts), when the core runs from one. */
  packageRoot: string | undefined;
  /** The built dashboard when the options name none. */
  defaultRendererDir: string;
  /** /mcp for this machine and for others; empty until the HTTP server listens. */
  mcpUrl: () => string;
  networkMcpUrls: () => readonly string[];
}): Dashboard {
  const { options, packageRoot } = deps;
  const { settings, dataDir } = options;
  const startup = settings.get();
  return createDashboard({
    scheduler: deps.scheduler,
    pool: deps.pool,
    gallery: deps.gallery,
    workflows: deps.workflows,
    catalog: deps.catalog,
    settings,
    desktop: deps.desktop,
    logger: options.logger,
    version: deps.version,
    dataDir,
    outputDir: deps.outputDir,
    userWorkflowsDir: deps.userWorkflowsDir,
    folderDefaults: folderDefaults(dataDir),
    mcpUrl: deps.mcpUrl,
    networkMcpUrls: deps.networkMcpUrls,
    // The data folder always: the agent's client starts the shim with its own environment, whose default
    // data folder may not be this run's.
    shim: withShimArgs(
      options.shimCommand ??
        // Electron's executable acts as Node with ELECTRON_RUN_AS_NODE, and reads the launcher inside app.asar.
        shimCommand({
          platform: process.platform,
          isPackaged: false,
          execPath: process.execPath,
          resourcesPath: '',
          appPath: packageRoot ?? process.cwd(),
        }),
      ['--data-dir', dataDir, ...(options.shimArgs ?? [])],
    ),
    rendererDir: options.rendererDir ?? deps.defaultRendererDir,
    // A checkout's `npm run dist:mcpb` output, or a bundle placed beside a packaged app's app.asar.
    mcpbDirs: options.mcpbDirs ?? (packageRoot ? [join(packageRoot, 'release'), dirname(packageRoot)] : []),
    running: {
      host: startup.host,
      port: startup.port,
      mcpToken: startup.mcpToken,
      requireTokenOnLoopback: startup.requireTokenOnLoopback,
      userWorkflowsDir: startup.userWorkflowsDir,
    },
  });
}
