import { mkdirSync } from 'node:fs';
import type { BackendPool } from '../jobs/backend-pool.js';
import type { Scheduler } from '../jobs/scheduler.js';
import type { Logger } from '../log.js';
import type { SettingsService } from '../settings.js';
import { chooseBackendUrls } from './backends.js';
import type { CoreTuning } from './types.js';

/**
 * Settings that can change while running take effect without a restart: ComfyUI URLs, the in-flight window, pause,
 * the output folder. Returns the unsubscribe function.
 */
export function followSettings(deps: {
  settings: SettingsService;
  pool: BackendPool;
  scheduler: Scheduler;
  outputDir(): string;
  logger: Logger;
  tuning: CoreTuning;
}): () => void {
  const { pool, scheduler } = deps;
  return deps.settings.onChange((next, previous) => {
    if (next.comfyuiUrls.join() !== previous.comfyuiUrls.join()) {
      void chooseBackendUrls(next.comfyuiUrls, deps.tuning.discoveryCandidates, deps.logger).then((urls) =>
        pool.setUrls(urls),
      );
    }
    if (next.maxInFlightPerBackend !== previous.maxInFlightPerBackend)
      pool.setWindow(next.maxInFlightPerBackend);
    if (next.paused !== previous.paused) scheduler.setPaused(next.paused);
    if (next.outputDir !== previous.outputDir) mkdirSync(deps.outputDir(), { recursive: true });
  });
}
