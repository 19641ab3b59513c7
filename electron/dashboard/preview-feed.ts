import { monotonicNow, type MonotonicClock } from '../clock.js';
import type { DashboardEvent } from '../../shared/dashboard-api.js';
import type { JobPreview } from '../jobs/scheduler.js';
import { createKeyedThrottle } from './throttle.js';

export interface PreviewFeedOptions {
  publish(event: Extract<DashboardEvent, { type: 'preview' }>): void;
  /** Minimum time between two frames of one job (each is a JPEG of up to 512 px, sent as base64). */
  intervalMs?: number;
  now?: MonotonicClock;
}

export interface PreviewFeed {
  /** A frame ComfyUI sent: goes out at once or, within the interval, replaces the one waiting. */
  frame(preview: JobPreview): void;
  /** The job stopped running: a frame still waiting is dropped, never sent after the job's end. */
  jobLeft(jobId: string): void;
  close(): void;
}

/**
 * Sampler previews for the dashboard: at most one frame per job per interval, always the newest, as a data: URL.
 * Frames live in memory only until sent; nothing here touches the disk or the gallery.
 */
export function createPreviewFeed(options: PreviewFeedOptions): PreviewFeed {
  const latest = new Map<string, JobPreview>();
  const throttle = createKeyedThrottle<string>(
    options.intervalMs ?? 250,
    (jobId) => {
      const preview = latest.get(jobId);
      latest.delete(jobId);
      if (!preview) return;
      const image = `data:${preview.mime};base64,${preview.bytes.toString('base64')}`;
      options.publish({ type: 'preview', batchId: preview.batchId, jobId, image });
    },
    options.now ?? monotonicNow,
  );
  return {
    frame(preview) {
      // The contract (and the page's <img>) takes JPEG and PNG only.
      if (preview.mime !== 'image/jpeg' && preview.mime !== 'image/png') return;
      latest.set(preview.jobId, preview);
      throttle.schedule(preview.jobId);
    },
    jobLeft(jobId) {
      latest.delete(jobId);
    },
    close() {
      throttle.close();
      latest.clear();
    },
  };
}
