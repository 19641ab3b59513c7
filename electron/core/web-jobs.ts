import { recoveryDirOf } from '../bridge/pipeline.js';
import { WebJobs } from '../bridge/web-jobs.js';
import type { GalleryHandle } from '../gallery/index.js';
import { pixelLimitOf } from '../images/pixel-limit.js';
import type { Scheduler } from '../jobs/scheduler.js';
import type { Logger } from '../log.js';
import type { SettingsService } from '../settings.js';
import { createWorkPool, type WorkPool } from '../web/pool.js';
import type { CoreTuning } from './types.js';

/**
 * The process's one encode pool (web variants of finished images and convert_image's share the cores) and the web
 * jobs that make a completed job's variants in it. Built before the batches load: a job the start completes from
 * the gallery makes its variants too.
 */
export function createWebWork(deps: {
  scheduler: Scheduler;
  gallery: GalleryHandle;
  settings: SettingsService;
  dataDir: string;
  logger: Logger;
  tuning: CoreTuning;
}): { webPool: WorkPool; webJobs: WebJobs } {
  const { settings } = deps;
  const webPool = deps.tuning.webPool ?? createWorkPool();
  const webJobs = new WebJobs({
    scheduler: deps.scheduler,
    gallery: deps.gallery,
    pool: webPool,
    recoveryDir: recoveryDirOf(deps.dataDir),
    maxInputPixels: () => pixelLimitOf(settings.get().maxInputMegapixels),
    logger: deps.logger.child('web'),
  });
  return { webPool, webJobs };
}
