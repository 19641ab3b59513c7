/**
 * A data folder holding a queue of pending jobs as a stop leaves it: the real `serve` accepts them through
 * batch_generate_images while its queue is paused and is then stopped, so every batch file is the bridge's own.
 */
import Conf from 'conf';
import { settingsStoreOptions } from '../electron/settings.js';
import { dashboardRequest } from './dashboard-api.js';
import { connectClient } from './mcp.js';
import { startServeProcess } from './processes.js';
import { benchWorkflow, waitUntilReady } from './session.js';

/**
 * Items per batch_generate_images call: the same for a long and a short queue, so that a dispatch (which saves its
 * batch's file before POST /prompt) costs the same in both and only the queue's length differs.
 */
export const itemsPerCall = 25;

export async function seedPendingQueue(options: {
  dataDir: string;
  outputDir: string;
  comfyuiUrl: string;
  count: number;
}): Promise<void> {
  const serve = await startServeProcess({
    comfyuiUrls: [options.comfyuiUrl],
    dataDir: options.dataDir,
    outputDir: options.outputDir,
    workflow: benchWorkflow,
  });
  try {
    const client = await connectClient(serve.mcpUrl, serve.mcpToken);
    try {
      await waitUntilReady(client, 1);
      // One prompt in ComfyUI at a time: the time between one run's end and the next one's start is then all the
      // bridge's (noticing the end, choosing the next job, saving it, POST /prompt).
      await dashboardRequest(serve.dashboardUrl, 'PATCH', '/api/settings', {
        paused: true,
        maxInFlightPerBackend: 1,
      });
      for (let start = 0; start < options.count; start += itemsPerCall) {
        const items = Array.from({ length: Math.min(itemsPerCall, options.count - start) }, (_, offset) => ({
          prompt: `queued image ${start + offset}, a mountain lake at dawn`,
        }));
        await client.call('batch_generate_images', {
          items,
          defaults: { width: 1024, height: 1024, format: 'png' },
        });
      }
      const status = (await dashboardRequest(serve.dashboardUrl, 'GET', '/api/status')) as {
        queue: { pending: number };
      };
      if (status.queue.pending !== options.count) {
        throw new Error(`the seeded queue holds ${status.queue.pending} jobs, not ${options.count}`);
      }
    } finally {
      await client.close().catch(() => undefined);
    }
  } finally {
    await serve.stop();
  }
  // The next start dispatches at once, as after a stop with the queue running.
  new Conf<Record<string, unknown>>({ ...settingsStoreOptions, cwd: options.dataDir }).set('paused', false);
}
