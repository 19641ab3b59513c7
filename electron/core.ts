import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { createResultApp } from './bridge/result-app.js';
import type { ResultAppService } from './mcp/app/service.js';
import { createBridgeService } from './bridge/service.js';
import { deliverJob, findDeliveredJob, prepareJob, recoveryDirOf } from './bridge/pipeline.js';
import { editReadLimits, stageEditInputs } from './bridge/edit-inputs.js';
import { WebJobs } from './bridge/web-jobs.js';
import { createWorkPool, type WorkPool } from './web/pool.js';
import { pixelLimitOf } from './images/pixel-limit.js';
import { InputUploads } from './comfy/uploads.js';
import { createWorkflowCatalog } from './bridge/workflow-catalog.js';
import { ComfyClient } from './comfy/client.js';
import { discoverComfyUrl } from './comfy/discovery.js';
import type { CoreHandle, CoreStartOptions, CoreState } from './core-handle.js';
import { acquireCoreLock } from './core-lock.js';
import type { DesktopPort } from './desktop-port.js';
import { createHeadlessDesktop } from './desktop-headless.js';
import {
  createDashboard,
  packageRootOf,
  packageVersionOf,
  rendererDirFor,
  type Dashboard,
  type ShimCommand,
} from './dashboard/index.js';
import { openGallery, type Gallery } from './gallery/index.js';
import { mcpTokenToEnforce } from './http/guard.js';
import { createHttpServer, type BridgeHttpServer } from './http/server.js';
import { makePreview } from './images/render.js';
import { BackendPool } from './jobs/backend-pool.js';
import type { JobRecord } from './jobs/types.js';
import { BatchStore } from './jobs/batch-store.js';
import { Scheduler } from './jobs/scheduler.js';
import type { Logger } from './log.js';
import { definedOnly } from './objects.js';
import type { MonotonicClock } from './clock.js';
import { createMcpEndpoint, type McpEndpoint } from './mcp/endpoint.js';
import { createBridgeMcpServerFactory } from './mcp/server.js';
import type { BridgeService } from './mcp/service.js';
import { createSettings, type KeyValueStore, type SettingsService } from './settings.js';
import { shimCommand, withShimArgs } from './stdio/shim-command.js';
import { newShimSecret, removeEndpointRecord, writeEndpointRecord } from './stdio/endpoint-record.js';
import { createShimHelloHandler } from './stdio/handshake.js';
import { makePrivateDataDir } from './private-files.js';
import { createWorkflowLibrary, type WorkflowLibrary } from './workflows/library.js';
import { startPageUrl as startPage } from './setup/checklist.js';
import { readChecklistRecord } from './setup/checklist-record.js';

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
  tuning?: {
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
    /** The pool web variants are encoded in (default: half the cores); tests hold one to see variants pending. */
    webPool?: WorkPool;
  };
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
  gallery: Gallery;
  workflows: WorkflowLibrary;
  settings: SettingsService;
  dataDir: string;
  /** An MCP client connected other than over /mcp (the stdio shim serving it in-process). */
  agentConnected(): void;
}

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

  const outputDir = () => settings.get().outputDir || defaultOutputDir();
  mkdirSync(outputDir(), { recursive: true });
  const userWorkflowsDir = settings.get().userWorkflowsDir || join(dataDir, 'workflows');
  const desktop = options.desktop ?? createHeadlessDesktop({ trashDir: join(dataDir, 'trash'), logger });

  const workflows = await createWorkflowLibrary({
    bundledDir: options.bundledWorkflowsDir,
    userDir: userWorkflowsDir,
    logger: logger.child('workflows'),
    watch: true,
  });
  const gallery = await openGallery({
    dataDir,
    logger: logger.child('gallery'),
    allowedFolders: () => [outputDir(), ...settings.get().allowedDirs],
  });
  const pool = new BackendPool({
    createClient: (url) =>
      new ComfyClient({
        baseUrl: url,
        logger: logger.child('comfy'),
        ...definedOnly({ requestTimeoutMs: tuning.comfyRequestTimeoutMs }),
      }),
    logger: logger.child('backends'),
    window: settings.get().maxInFlightPerBackend,
    ...definedOnly({
      healthIntervalMs: tuning.healthIntervalMs,
      failoverAfterMs: tuning.failoverAfterMs,
      monotonicNow: tuning.monotonicNow,
    }),
  });
  const catalog = createWorkflowCatalog({
    library: workflows,
    preferred: () => settings.get().defaultWorkflow,
    backends: () => pool.views(),
  });
  // One per core: an edit's source goes to each backend once while that backend stays up (comfy/uploads.ts).
  const uploads = new InputUploads();
  const readLimits = () => editReadLimits(settings.get());
  const scheduler = new Scheduler({
    store: new BatchStore(dataDir, logger.child('batches')),
    pool,
    logger: logger.child('scheduler'),
    prepare: (spec, staged) => prepareJob(catalog, spec, staged),
    stageInputs: (spec, backendId) =>
      stageEditInputs(spec.edit!, spec.allowedRoots, readLimits(), uploads, pool.client(backendId)!),
    forgetInputs: (backendId) => {
      const client = pool.client(backendId);
      if (client) uploads.forget(client);
    },
    outputNodes: (spec) => catalog.outputNodes(spec.workflow),
    canRun: (workflow, backendId) => {
      const objectInfo = pool.objectInfo(backendId);
      return objectInfo ? catalog.check(workflow, objectInfo, pool.version(backendId)).runnable : false;
    },
    explainCannotRun: (workflow, backendId) => {
      const objectInfo = pool.objectInfo(backendId);
      return objectInfo
        ? catalog.check(workflow, objectInfo, pool.version(backendId)).messages.join(' ')
        : 'its node list is not known yet';
    },
    deliver: (job, batchId, image, backend) =>
      deliverJob(
        {
          gallery,
          recoveryDir: recoveryDirOf(dataDir),
          maxInputPixels: readLimits().maxPixels,
          maxSourceBytes: readLimits().maxBytes,
        },
        job,
        batchId,
        image,
        backend,
      ),
    findDelivered: (job) => findDeliveredJob(gallery, job),
    maxPendingJobs: () => settings.get().maxPendingJobs,
    ...definedOnly({ jobTimeoutMs: tuning.jobTimeoutMs }),
  });
  scheduler.setPaused(settings.get().paused);
  // ComfyUI refused a graph, most often for a model file deleted since its list was read: read that backend's
  // lists again, so the next call's default and the dispatcher's check see the folder as it is.
  scheduler.on('job', (job: JobRecord) => {
    if (job.state === 'failed' && job.error?.code === 'comfyui_rejected' && job.dispatch)
      void pool.refreshObjectInfo(0, [job.dispatch.backend]);
  });

  // Listening before the batches load: a job the start completes from the gallery makes its variants too.
  // One pool for the process: web variants of finished images and convert_image's share the cores.
  const webPool = tuning.webPool ?? createWorkPool();
  const webJobs = new WebJobs({
    scheduler,
    gallery,
    pool: webPool,
    recoveryDir: recoveryDirOf(dataDir),
    maxInputPixels: () => pixelLimitOf(settings.get().maxInputMegapixels),
    logger: logger.child('web'),
  });

  const discovery = await chooseBackendUrls(settings.get().comfyuiUrls, tuning.discoveryCandidates, logger);
  pool.setUrls(discovery);
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
  const startup = settings.get();
  let mcpUrlOnceListening = '';
  let networkMcpUrlsOnceListening: readonly string[] = [];
  const dashboard: Dashboard = createDashboard({
    scheduler,
    pool,
    gallery,
    workflows,
    catalog,
    settings,
    desktop,
    logger,
    version: options.version ?? packageVersionOf(packageRoot),
    dataDir,
    outputDir,
    userWorkflowsDir,
    mcpUrl: () => mcpUrlOnceListening,
    networkMcpUrls: () => networkMcpUrlsOnceListening,
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
    rendererDir: options.rendererDir ?? rendererDirFor(import.meta.dirname),
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
  let mcp: McpEndpoint | undefined;
  let http: BridgeHttpServer | undefined;
  try {
    mcp = createMcpEndpoint({
      factory: createBridgeMcpServerFactory({
        service,
        app: resultApp,
        logger,
        shimSecret,
        // The tray passes none: serverInfo names the package version, as the stdio shim's early answer does.
        version: options.version ?? packageVersionOf(packageRoot),
      }),
      logger,
      onClientRequest: () => dashboard.agentConnected(),
      ...definedOnly({
        sessionIdleMs: tuning.sessionIdleMs,
        maxSessions: tuning.maxSessions,
        monotonicNow: tuning.monotonicNow,
      }),
    });
    const endpoint = mcp;
    http = await createHttpServer({
      host: settings.get().host,
      port: settings.get().port,
      ...definedOnly({ token: mcpTokenToEnforce(settings.get()) }),
      mcpHandler: (req, res, body) => endpoint.handle(req, res, body),
      shimHelloHandler: createShimHelloHandler(shimSecret),
      apiHandler: dashboard.apiHandler,
      staticHandler: dashboard.staticHandler,
      upgradeHandler: dashboard.upgradeHandler,
      logger,
    });
  } catch (error) {
    await webJobs.stop();
    await Promise.allSettled([
      dashboard.close(),
      scheduler.stop(),
      pool.close(),
      mcp?.close(),
      workflows.close(),
    ]);
    gallery.close();
    throw error;
  }
  const server = http;
  if (mcpTokenToEnforce(settings.get()) === undefined)
    logger.warn(
      'requireTokenOnLoopback is off: any program of any user on this machine can use the bridge without a token',
    );
  const url = server.url;
  const mcpUrl = `${url}/mcp`;
  mcpUrlOnceListening = mcpUrl;
  const networkMcpUrls = server.networkUrls.map((base) => `${base}/mcp`);
  networkMcpUrlsOnceListening = networkMcpUrls;
  const dashboardUrl = `${url}/?token=${encodeURIComponent(settings.get().dashboardToken)}`;
  // Decided from the record as this run found it: the checklist while set-up is not finished or dismissed.
  const startPageUrl = startPage(dashboardUrl, readChecklistRecord(dataDir));
  writeEndpointRecord(dataDir, {
    url,
    mcpUrl,
    pid: process.pid,
    shimSecret,
    ...definedOnly({ mcpToken: mcpTokenToEnforce(settings.get()) }),
  });

  // Settings that can change while running take effect without a restart.
  const offSettings = settings.onChange((next, previous) => {
    if (next.comfyuiUrls.join() !== previous.comfyuiUrls.join()) {
      void chooseBackendUrls(next.comfyuiUrls, tuning.discoveryCandidates, logger).then((urls) =>
        pool.setUrls(urls),
      );
    }
    if (next.maxInFlightPerBackend !== previous.maxInFlightPerBackend)
      pool.setWindow(next.maxInFlightPerBackend);
    if (next.paused !== previous.paused) scheduler.setPaused(next.paused);
    if (next.outputDir !== previous.outputDir) mkdirSync(outputDir(), { recursive: true });
  });

  const listeners = new Set<() => void>();
  const notify = () => listeners.forEach((listener) => listener());
  pool.on('change', notify);
  scheduler.on('job', notify);
  scheduler.on('batch-done', (batch: { jobs: { state: string }[] }) => {
    const failed = batch.jobs.filter((job) => job.state === 'failed').length;
    if (batch.jobs.length > 1) {
      desktop.notify('Batch finished', `${batch.jobs.length - failed} of ${batch.jobs.length} images done`);
    }
  });

  let stopped: Promise<void> | undefined;
  return {
    url,
    mcpUrl,
    networkMcpUrls,
    dashboardUrl,
    startPageUrl,
    agentConnected: () => dashboard.agentConnected(),
    get outputDir() {
      return outputDir();
    },
    service,
    resultApp,
    scheduler,
    pool,
    gallery,
    workflows,
    settings,
    dataDir,
    state(): CoreState {
      const counts = scheduler.counts();
      return {
        backends: pool.snapshot().map((backend) => ({ url: backend.url, reachable: backend.available })),
        running: counts.running,
        pending: counts.pending,
        paused: scheduler.isPaused,
        lastImage: gallery.list({ limit: 1 }).items[0]?.path,
      };
    },
    async lastImage() {
      const newest = gallery.list({ limit: 1 }).items[0];
      if (!newest) return undefined;
      const [verdict] = await gallery.fileStates([newest]);
      return verdict?.state === 'present' ? newest.path : undefined;
    },
    onStateChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    setPaused(paused) {
      settings.update({ paused });
    },
    stop() {
      stopped ??= (async () => {
        offSettings();
        removeEndpointRecord(dataDir, shimSecret);
        // Unfinished variants stay pending on disk and resume at the next start.
        await webJobs.stop();
        await scheduler.stop();
        // Live-events sockets are upgraded out of the HTTP server's reach: they are closed first.
        await dashboard.close();
        await Promise.allSettled([server.close(), mcp.close(), pool.close(), workflows.close()]);
        gallery.close();
        releaseLock();
        logger.info('bridge stopped');
      })();
      return stopped;
    },
  };
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

/** Configured URLs as they are; with none, the first local ComfyUI that answers (8188, then Desktop's 8000). */
async function chooseBackendUrls(
  configured: readonly string[],
  candidates: string[] | undefined,
  logger: Logger,
) {
  if (configured.length > 0) return [...configured];
  const found = await discoverComfyUrl(candidates ? { candidates } : {});
  if (found) {
    logger.info('found ComfyUI', { url: found });
    return [found];
  }
  const fallback = candidates?.[0] ?? 'http://127.0.0.1:8188';
  logger.warn('no ComfyUI answers yet; waiting for one', { url: fallback });
  return [fallback];
}

/**
 * Both access tokens exist from the first start on (stored, so snippets and the shim keep working): the
 * dashboard's, and the one /mcp requires, also on loopback, because every account on the machine reaches it.
 */
function generateMissingTokens(settings: SettingsService): void {
  const current = settings.get();
  const newToken = () => randomBytes(24).toString('base64url');
  const missing = {
    ...(current.dashboardToken ? {} : { dashboardToken: newToken() }),
    ...(current.mcpToken ? {} : { mcpToken: newToken() }),
  };
  if (Object.keys(missing).length > 0) settings.update(missing);
}

function defaultOutputDir(): string {
  return join(homedir(), 'Pictures', 'ComfyUI MCP Bridge');
}
