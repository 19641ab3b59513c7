/**
 * The started core as its callers hold it: the parts, the tray's state and its change events, the desktop
 * notification for a finished batch, and the stop that closes everything in order.
 */
import type { WebJobs } from '../bridge/web-jobs.js';
import type { CoreState } from '../core-handle.js';
import type { Dashboard } from '../dashboard/index.js';
import type { DesktopPort } from '../desktop-port.js';
import type { BridgeHttpServer } from '../http/server.js';
import type { Logger } from '../log.js';
import type { McpEndpoint } from '../mcp/endpoint.js';
import { removeEndpointRecord } from '../stdio/endpoint-record.js';
import type { CoreAddresses } from './agent-server.js';
import type { FoldersAhead } from '../bridge/folders-ahead.js';
import type { Core } from './types.js';

/** The parts the core hands out as they are, and those it only holds to stop. */
export interface RunningParts extends Pick<
  Core,
  'service' | 'resultApp' | 'scheduler' | 'pool' | 'gallery' | 'workflows' | 'settings' | 'dataDir'
> {
  addresses: CoreAddresses;
  outputDir: () => string;
  logger: Logger;
  desktop: DesktopPort;
  webJobs: WebJobs;
  foldersAhead: FoldersAhead;
  dashboard: Dashboard;
  mcp: McpEndpoint;
  server: BridgeHttpServer;
  shimSecret: string;
  /** Stops following the settings (live-settings.ts). */
  offSettings(): void;
  releaseLock(): void;
}

export function runningCore(parts: RunningParts): Core {
  const { addresses, settings, dataDir, outputDir, logger, desktop } = parts;
  const { scheduler, pool, gallery, workflows, webJobs, dashboard, mcp, server } = parts;

  const listeners = new Set<() => void>();
  const notify = () => listeners.forEach((listener) => listener());
  pool.on('change', notify);
  scheduler.on('job', notify);
  // The tray's last image is known once the gallery has loaded.
  if (!gallery.loadedNow()) gallery.whenLoaded(notify);
  scheduler.on('batch-done', (batch: { jobs: { state: string }[] }) => {
    const failed = batch.jobs.filter((job) => job.state === 'failed').length;
    if (batch.jobs.length > 1) {
      desktop.notify('Batch finished', `${batch.jobs.length - failed} of ${batch.jobs.length} images done`);
    }
  });

  let stopped: Promise<void> | undefined;
  return {
    url: addresses.url,
    mcpUrl: addresses.mcpUrl,
    networkMcpUrls: addresses.networkMcpUrls,
    dashboardUrl: addresses.dashboardUrl,
    startPageUrl: addresses.startPageUrl,
    agentConnected: () => dashboard.agentConnected(),
    get outputDir() {
      return outputDir();
    },
    service: parts.service,
    resultApp: parts.resultApp,
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
        // None until the gallery has loaded (the listeners hear when it has).
        lastImage: gallery.loadedNow()?.list({ limit: 1 }).items[0]?.path,
      };
    },
    async lastImage() {
      const index = await gallery.loaded();
      const newest = index.list({ limit: 1 }).items[0];
      if (!newest) return undefined;
      const [verdict] = await index.fileStates([newest]);
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
        parts.offSettings();
        removeEndpointRecord(dataDir, parts.shimSecret);
        // Unfinished variants stay pending on disk and resume at the next start.
        await webJobs.stop();
        await scheduler.stop();
        await parts.foldersAhead.close();
        // Live-events sockets are upgraded out of the HTTP server's reach: they are closed first.
        await dashboard.close();
        await Promise.allSettled([server.close(), mcp.close(), pool.close(), workflows.close()]);
        gallery.close();
        parts.releaseLock();
        logger.info('bridge stopped');
      })();
      return stopped;
    },
  };
}
