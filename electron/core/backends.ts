/**
 * The ComfyUI side of the core: the backend pool (one client per URL, health, object lists), the workflow catalog
 * over it, and the scheduler wired to the pipeline (prepare, stage an edit's inputs, deliver, find delivered), with
 * each running PNG job's save folder opened ahead of its delivery (bridge/folders-ahead.ts).
 */
import { deliverJob, findDeliveredJob, prepareJob, recoveryDirOf } from '../bridge/pipeline.js';
import { editReadLimits, stageEditInputs } from '../bridge/edit-inputs.js';
import { FoldersAhead } from '../bridge/folders-ahead.js';
import type { WorkflowCatalog } from '../bridge/catalog.js';
import { createWorkflowCatalog } from '../bridge/workflow-catalog.js';
import { ComfyClient } from '../comfy/client.js';
import { discoverComfyUrl } from '../comfy/discovery.js';
import { InputUploads } from '../comfy/uploads.js';
import type { GalleryHandle } from '../gallery/index.js';
import { BackendPool } from '../jobs/backend-pool.js';
import { BatchStore } from '../jobs/batch-store.js';
import { Scheduler } from '../jobs/scheduler.js';
import type { JobRecord } from '../jobs/types.js';
import type { Logger } from '../log.js';
import { definedOnly } from '../objects.js';
import type { SettingsService } from '../settings.js';
import type { WorkflowLibrary } from '../workflows/library.js';
import type { CoreTuning } from './types.js';

export interface Backends {
  pool: BackendPool;
  catalog: WorkflowCatalog;
  scheduler: Scheduler;
  /** Save folders opened while their jobs run; closed when the core stops, after the scheduler. */
  foldersAhead: FoldersAhead;
}

export function createBackends(deps: {
  settings: SettingsService;
  dataDir: string;
  logger: Logger;
  tuning: CoreTuning;
  workflows: WorkflowLibrary;
  gallery: GalleryHandle;
}): Backends {
  const { settings, dataDir, logger, tuning, gallery } = deps;
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
    library: deps.workflows,
    preferred: () => settings.get().defaultWorkflow,
    backends: () => pool.views(),
  });
  // One per core: an edit's source goes to each backend once while that backend stays up (comfy/uploads.ts).
  const uploads = new InputUploads();
  const readLimits = () => editReadLimits(settings.get());
  const foldersAhead = new FoldersAhead();
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
    deliver: (job, batchId, image, backend, feed) =>
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
        feed,
        foldersAhead.take(job.id),
      ),
    findDelivered: (job) => findDeliveredJob(gallery, job),
    maxPendingJobs: () => settings.get().maxPendingJobs,
    ...definedOnly({ jobTimeoutMs: tuning.jobTimeoutMs }),
  });
  scheduler.on('job', (job: JobRecord) => foldersAhead.follow(job));
  scheduler.setPaused(settings.get().paused);
  // ComfyUI refused a graph, most often for a model file deleted since its list was read: read that backend's
  // lists again, so the next call's default and the dispatcher's check see the folder as it is.
  scheduler.on('job', (job: JobRecord) => {
    if (job.state === 'failed' && job.error?.code === 'comfyui_rejected' && job.dispatch)
      void pool.refreshObjectInfo(0, [job.dispatch.backend]);
  });
  return { pool, catalog, scheduler, foldersAhead };
}

/** Configured URLs as they are; with none, the first local ComfyUI that answers (8188, then Desktop's 8000). */
export async function chooseBackendUrls(
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
