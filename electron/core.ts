/**
 * The composition root of the core: takes the data folder's lock, then builds the parts in order from the
 * builders in core/ (folders and tokens, ComfyUI backends and scheduler, web work, dashboard, agent server) and
 * hands them to the running core (core/running-core.ts), which the callers hold and stop.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createResultApp } from './bridge/result-app.js';
import { createBridgeService } from './bridge/service.js';
import { recoveryDirOf } from './bridge/pipeline.js';
import type { CoreStartOptions } from './core-handle.js';
import { acquireCoreLock } from './core-lock.js';
import { createHeadlessDesktop } from './desktop-headless.js';
import { packageRootOf, packageVersionOf, rendererDirFor } from './dashboard/index.js';
import { startGallery } from './gallery/index.js';
import type { BridgeHttpServer } from './http/server.js';
import { makePreview } from './images/render.js';
import { definedOnly } from './objects.js';
import type { McpEndpoint } from './mcp/endpoint.js';
import { createSettings, type KeyValueStore } from './settings.js';
import { newShimSecret } from './stdio/endpoint-record.js';
import { makePrivateDataDir } from './private-files.js';
import { createWorkflowLibrary } from './workflows/library.js';
import { announce, createAgentEndpoint, listenHttp, type CoreAddresses } from './core/agent-server.js';
import { chooseBackendUrls, createBackends } from './core/backends.js';
import { createCoreDashboard } from './core/dashboard.js';
import { generateMissingTokens, outputDirOf, userWorkflowsDirOf } from './core/folders.js';
import { followSettings } from './core/live-settings.js';
import { runningCore } from './core/running-core.js';
import type { Core, CoreOptions } from './core/types.js';
import { createWebWork } from './core/web-jobs.js';

export type { Core, CoreOptions } from './core/types.js';

/** Where the running app says how to reach it, for the stdio shim. */
export { endpointFileOf } from './stdio/endpoint-record.js';

export async function startCore(options: CoreOptions): Promise<Core> {
  const { dataDir } = options;
  makePrivateDataDir(dataDir);
  // Before anything reads or writes the folder's state: a second core would run the stored batches again.
  const lock = acquireCoreLock(dataDir);
  try {
    return await startLockedCore(options, () => lock.release());
  } catch (error) {
    lock.release();
    throw error;
  }
}

async function startLockedCore(options: CoreOptions, releaseLock: () => void): Promise<Core> {
  const { settings, dataDir, logger } = options;
  const tuning = options.tuning ?? {};
  generateMissingTokens(settings);

  const outputDir = outputDirOf(settings, dataDir);
  mkdirSync(outputDir(), { recursive: true });
  const userWorkflowsDir = userWorkflowsDirOf(settings, dataDir);
  const desktop = options.desktop ?? createHeadlessDesktop({ trashDir: join(dataDir, 'trash'), logger });

  const workflows = await createWorkflowLibrary({
    bundledDir: options.bundledWorkflowsDir,
    userDir: userWorkflowsDir,
    logger: logger.child('workflows'),
    watch: true,
  });
  // Only the journal is opened here: the index loads after the server is ready (below), and what needs it waits.
  const gallery = await startGallery({
    dataDir,
    logger: logger.child('gallery'),
    allowedFolders: () => [outputDir(), ...settings.get().allowedDirs],
    ...definedOnly({ beforeLoad: tuning.beforeGalleryLoad }),
  });
  const { pool, catalog, scheduler, foldersAhead } = createBackends({
    settings,
    dataDir,
    logger,
    tuning,
    workflows,
    gallery,
  });
  // Listening before the batches load: a job the start completes from the gallery makes its variants too.
  const { webPool, webJobs } = createWebWork({ scheduler, gallery, settings, dataDir, logger, tuning });

  pool.setUrls(await chooseBackendUrls(settings.get().comfyuiUrls, tuning.discoveryCandidates, logger));
  await scheduler.start();
  // Variants a stop or a crash left unfinished, for images that were written.
  webJobs.resumeAll();

  const service = createBridgeService({
    scheduler,
    pool,
    catalog,
    gallery,
    settings,
    outputDir,
    recoveryDir: recoveryDirOf(dataDir),
    logger: logger.child('service'),
    makePreview: async (image) => (await makePreview(image)).bytes,
    webPool,
    ...definedOnly({ heartbeatMs: tuning.heartbeatMs }),
  });

  const resultApp = createResultApp({ scheduler, gallery, recoveryDir: recoveryDirOf(dataDir) });
  const shimSecret = newShimSecret();
  const packageRoot = packageRootOf(import.meta.dirname);
  const version = options.version ?? packageVersionOf(packageRoot);
  // The dashboard is built before the server listens: it reads the addresses once they are known.
  const listening: { addresses?: CoreAddresses } = {};
  const dashboard = createCoreDashboard({
    options,
    scheduler,
    pool,
    gallery,
    workflows,
    catalog,
    desktop,
    version,
    outputDir,
    userWorkflowsDir,
    packageRoot,
    defaultRendererDir: rendererDirFor(import.meta.dirname),
    mcpUrl: () => listening.addresses?.mcpUrl ?? '',
    networkMcpUrls: () => listening.addresses?.networkMcpUrls ?? [],
  });
  let mcp: McpEndpoint | undefined;
  let server: BridgeHttpServer;
  try {
    mcp = createAgentEndpoint({ service, resultApp, dashboard, shimSecret, version, logger, tuning });
    server = await listenHttp({ settings, mcp, dashboard, shimSecret, logger });
  } catch (error) {
    await webJobs.stop();
    await Promise.allSettled([
      dashboard.close(),
      scheduler.stop().then(() => foldersAhead.close()),
      pool.close(),
      mcp?.close(),
      workflows.close(),
    ]);
    gallery.close();
    throw error;
  }
  const addresses = announce({ server, settings, dataDir, shimSecret, logger });
  listening.addresses = addresses;
  // A failure is logged, and each request that needs the gallery says it and reads it again.
  gallery.loaded().catch(() => undefined);

  const offSettings = followSettings({ settings, pool, scheduler, outputDir, logger, tuning });
  return runningCore({
    addresses,
    settings,
    dataDir,
    outputDir,
    logger,
    desktop,
    service,
    resultApp,
    scheduler,
    foldersAhead,
    pool,
    gallery,
    workflows,
    webJobs,
    dashboard,
    mcp,
    server,
    shimSecret,
    offSettings,
    releaseLock,
  });
}

/** The desktop shell's way in: settings from its electron-store, OS services from Electron. */
export function startDesktopCore(options: CoreStartOptions): Promise<Core> {
  const settings = createSettings({ store: options.settingsStore as KeyValueStore, logger: options.logger });
  return startCore({
    settings,
    dataDir: options.dataDir,
    bundledWorkflowsDir: options.bundledWorkflowsDir,
    logger: options.logger,
    desktop: options.desktop,
  });
}
