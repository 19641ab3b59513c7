import type { DashboardEvent, StatusView } from '../../shared/dashboard-api.js';
import type { GalleryHandle } from '../gallery/index.js';
import type { BackendPool } from '../jobs/backend-pool.js';
import type { JobPhase } from '../jobs/run-phase.js';
import type { JobPreview, JobProgress, Scheduler } from '../jobs/scheduler.js';
import type { BatchRecord, JobRecord } from '../jobs/types.js';
import type { SettingsService } from '../settings.js';
import type { WorkflowLibrary } from '../workflows/library.js';
import { createPreviewFeed } from './preview-feed.js';
import { createKeyedThrottle } from './throttle.js';
import { toBatchView, toSettingsView, type ItemContext } from './views.js';

export interface LiveFeedOptions {
  scheduler: Scheduler;
  pool: BackendPool;
  gallery: GalleryHandle;
  workflows: WorkflowLibrary;
  settings: SettingsService;
  items: ItemContext;
  status(): StatusView;
  publish(event: DashboardEvent): void;
  /** Minimum time between two events about the same batch, job's progress, or the status. */
  intervalMs?: number;
  /** Minimum time between two preview frames of one job (each is a JPEG of up to 512 px). */
  previewIntervalMs?: number;
}

/**
 * Turns the core's own events into dashboard events. Bursts are folded per subject (a batch, a job's progress,
 * the status) to at most one event per interval, always ending on the latest state; a status event goes out
 * only when the status view actually changed. Sampler previews go out per job at their own pace (preview-feed).
 */
export function startLiveFeed(options: LiveFeedOptions): { stop(): void } {
  const { scheduler, pool } = options;
  const publish = (event: DashboardEvent) => options.publish(event);
  const intervalMs = options.intervalMs ?? 100;

  // A batch's view says which of its images the gallery has: built once the gallery has loaded.
  const batchThrottle = createKeyedThrottle<string>(intervalMs, (batchId) =>
    options.gallery.whenLoaded(() => {
      const batch = scheduler.get(batchId);
      if (batch) publish({ type: 'batch', batch: toBatchView(batch, options.items) });
    }),
  );

  const latestProgress = new Map<string, JobProgress>();
  const progressThrottle = createKeyedThrottle<string>(intervalMs, (jobId) => {
    const progress = latestProgress.get(jobId);
    latestProgress.delete(jobId);
    if (progress) {
      const { batchId, value, max } = progress;
      publish({ type: 'progress', batchId, jobId, value, max, phase: 'sampling' });
    }
  });

  const previews = createPreviewFeed({
    publish,
    ...(options.previewIntervalMs === undefined ? {} : { intervalMs: options.previewIntervalMs }),
  });

  let lastStatus = '';
  const statusThrottle = createKeyedThrottle<'status'>(intervalMs, () => {
    const status = options.status();
    const text = JSON.stringify(status);
    if (text === lastStatus) return;
    lastStatus = text;
    publish({ type: 'status', status });
  });
  const statusChanged = () => statusThrottle.schedule('status');

  const onJob = (job: JobRecord, batch: BatchRecord) => {
    batchThrottle.schedule(batch.id);
    statusChanged();
    if (job.state !== 'running') {
      latestProgress.delete(job.id);
      previews.jobLeft(job.id);
    }
    if (job.state === 'completed') {
      options.gallery.whenLoaded((index) => {
        if (index.get(job.id)) publish({ type: 'gallery', change: 'added', id: job.id });
      });
    }
  };
  const onProgress = (progress: JobProgress) => {
    latestProgress.set(progress.jobId, progress);
    progressThrottle.schedule(progress.jobId);
  };
  const onPreview = (preview: JobPreview) => previews.frame(preview);
  // A new phase goes out at once, never folded away, and a step still waiting in the throttle is older news.
  const onPhase = ({ batchId, jobId, phase }: JobPhase) => {
    latestProgress.delete(jobId);
    const step = scheduler.phaseOf(jobId)?.step;
    publish({ type: 'progress', batchId, jobId, value: step?.value ?? 0, max: step?.max ?? 0, phase });
  };

  scheduler.on('job', onJob);
  scheduler.on('progress', onProgress);
  scheduler.on('preview', onPreview);
  scheduler.on('phase', onPhase);
  pool.on('change', statusChanged);
  const offWorkflows = options.workflows.on('change', () => publish({ type: 'workflows' }));
  const offSettings = options.settings.onChange((next) => {
    publish({ type: 'settings', settings: toSettingsView(next) });
    statusChanged();
  });

  return {
    stop() {
      scheduler.off('job', onJob);
      scheduler.off('progress', onProgress);
      scheduler.off('preview', onPreview);
      scheduler.off('phase', onPhase);
      pool.off('change', statusChanged);
      offWorkflows();
      offSettings();
      for (const throttle of [batchThrottle, progressThrottle, statusThrottle]) throttle.close();
      previews.close();
    },
  };
}
