import type { ChecklistView, DashboardEvent } from '../../shared/dashboard-api.js';
import type { WorkflowCatalog } from '../bridge/catalog.js';
import type { GalleryHandle } from '../gallery/index.js';
import { STATUS_OBJECT_INFO_MAX_AGE_MS, type BackendPool } from '../jobs/backend-pool.js';
import type { Scheduler } from '../jobs/scheduler.js';
import type { JobRecord } from '../jobs/types.js';
import type { Logger } from '../log.js';
import type { SettingsService } from '../settings.js';
import type { LoadedWorkflowEntry, WorkflowLibrary } from '../workflows/library.js';
import { checklistView, recordAfter, type ChecklistFacts, type ChecklistRecord } from './checklist.js';
import { readChecklistRecord, writeChecklistRecord } from './checklist-record.js';

/*
 * The checklist kept live: it gathers the facts from the pool, the workflows and the gallery, remembers what
 * must survive a restart in the data folder, and publishes a `checklist` event whenever the view changes.
 */

export interface ChecklistServiceOptions {
  dataDir: string;
  pool: BackendPool;
  workflows: WorkflowLibrary;
  catalog: WorkflowCatalog;
  gallery: GalleryHandle;
  scheduler: Scheduler;
  settings: SettingsService;
  logger: Logger;
  publish(event: DashboardEvent): void;
  /** ISO time for the record; tests inject one. */
  now?: () => string;
}

export interface ChecklistService {
  view(): ChecklistView;
  /** The view after re-reading stale model lists (a page load: models copied in since count). */
  refresh(): Promise<ChecklistView>;
  dismiss(): ChecklistView;
  /** An MCP client's request was answered (called for every one: cheap once remembered). */
  agentConnected(): void;
  stop(): void;
}

export function createChecklistService(options: ChecklistServiceOptions): ChecklistService {
  const { pool, scheduler } = options;
  const logger = options.logger.child('checklist');
  const now = options.now ?? (() => new Date().toISOString());
  let record: ChecklistRecord = readChecklistRecord(options.dataDir);
  let lastSent = '';

  const modelRuns = (): boolean =>
    pool.snapshot().some((backend) => {
      const info = backend.available ? pool.objectInfo(backend.id) : undefined;
      return (
        info !== undefined &&
        options.workflows
          .list()
          .filter(
            (entry): entry is LoadedWorkflowEntry => entry.status === 'ok' && entry.source === 'bundled',
          )
          // A model-free workflow (the test pattern) runs anywhere: it says nothing about the models.
          .filter((entry) => entry.workflow.modes.includes('generate') && entry.workflow.meta.defaultRank)
          .some((entry) => options.catalog.check(entry.id, info, pool.version(backend.id)).runnable)
      );
    });
  const facts = (): ChecklistFacts => ({
    comfyuiAnswers: pool.snapshot().some((backend) => backend.available),
    modelRuns: modelRuns(),
    // Until the gallery has loaded, none are counted; the view is updated once it has (below).
    galleryImages: options.gallery.loadedNow()?.size ?? 0,
  });
  const remember = (next: ChecklistRecord) => {
    if (next === record) return;
    record = next;
    try {
      writeChecklistRecord(options.dataDir, record);
    } catch (error) {
      // Kept in memory for this run; the next start may show a step again, nothing worse.
      logger.warn('could not save the checklist state', { error: String(error) });
    }
  };
  const current = (): ChecklistView => {
    const known = facts();
    remember(recordAfter(record, { facts: known }, now()));
    return checklistView(known, record, {
      urls: pool.snapshot().map((backend) => backend.url),
      canStart: options.settings.get().comfyuiStartCommand.trim() !== '',
    });
  };
  const update = (seen: { agentConnected?: boolean; imageMade?: boolean } = {}) => {
    remember(recordAfter(record, seen, now()));
    const view = current();
    const text = JSON.stringify(view);
    if (text === lastSent) return;
    lastSent = text;
    options.publish({ type: 'checklist', checklist: view });
  };

  const onChange = () => update();
  const onJob = (job: JobRecord) => {
    if (job.state === 'completed')
      options.gallery.whenLoaded((index) => update({ imageMade: index.get(job.id) !== undefined }));
  };
  pool.on('change', onChange);
  scheduler.on('job', onJob);
  const offSettings = options.settings.onChange(onChange);
  let stopped = false;
  // The gallery's images count once it has loaded (a gallery from before the checklist existed).
  if (!options.gallery.loadedNow()) {
    options.gallery.whenLoaded(() => stopped || update());
  }

  return {
    view: current,
    async refresh() {
      await pool.refreshObjectInfo(STATUS_OBJECT_INFO_MAX_AGE_MS);
      return current();
    },
    dismiss() {
      if (record.dismissedAt === undefined) remember({ ...record, dismissedAt: now() });
      update();
      return current();
    },
    agentConnected() {
      if (record.agentConnectedAt === undefined) update({ agentConnected: true });
    },
    stop() {
      stopped = true;
      pool.off('change', onChange);
      scheduler.off('job', onJob);
      offSettings();
    },
  };
}
