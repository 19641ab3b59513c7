/**
 * The dashboard's own memory in headless Chromium with 10,000 generations in the gallery and a 100-image batch
 * running: the page's JS heap (CDP Performance.getMetrics) and the memory of Chromium's renderer processes (their
 * ids from CDP SystemInfo.getProcessInfo; the proportional set size from /proc/<id>/smaps_rollup, Linux only,
 * so pages the processes share are counted once rather than in each), sampled every 250 ms.
 */
import { readFileSync } from 'node:fs';
import type { CDPSession } from 'playwright-core';
import { launchBenchChromium, openGalleryView, waitForFirstTile } from './first-paint.js';
import type { BenchClient } from './mcp.js';
import type { Figure } from './report.js';

const sampleMs = 250;
const mib = 2 ** 20;

async function jsHeapUsed(cdp: CDPSession): Promise<number> {
  const { metrics } = await cdp.send('Performance.getMetrics');
  return metrics.find((metric) => metric.name === 'JSHeapUsedSize')?.value ?? Number.NaN;
}

/** Summed PSS of Chromium's renderer processes; NaN where /proc cannot say (not Linux). */
async function rendererRss(browserCdp: CDPSession): Promise<number> {
  const { processInfo } = (await browserCdp.send('SystemInfo.getProcessInfo')) as {
    processInfo: { type: string; id: number }[];
  };
  let total = 0;
  for (const process of processInfo.filter((candidate) => candidate.type === 'renderer')) {
    try {
      const kb = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${process.id}/smaps_rollup`, 'utf8'))?.[1];
      if (kb === undefined) return Number.NaN;
      total += Number(kb) * 1024;
    } catch {
      return Number.NaN;
    }
  }
  return total;
}

export async function measureDashboardMemory(options: {
  dashboardUrl: string;
  client: BenchClient;
  galleryCount: number;
  batchSize: number;
}): Promise<Figure[]> {
  const browser = await launchBenchChromium();
  try {
    const page = await (await browser.newContext()).newPage();
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    const browserCdp = await browser.newBrowserCDPSession();
    await page.goto(options.dashboardUrl, { waitUntil: 'domcontentloaded' });
    await openGalleryView(page);
    await waitForFirstTile(page);
    const started = (await options.client.call('batch_generate_images', {
      items: Array.from({ length: options.batchSize }, (_, index) => ({
        prompt: `memory run, image ${index}`,
      })),
      defaults: { width: 512, height: 512 },
    })) as { batch_id: string };
    // The batch as a person would watch it: the Batches view, its bars and thumbnails live.
    await page.getByRole('link', { name: 'Batches' }).click();
    const heap: number[] = [];
    const rss: number[] = [];
    let done = false;
    const watching = (async () => {
      while (!done) {
        const status = (await options.client.call('check_batch_status', {
          batch_id: started.batch_id,
          wait_seconds: 20,
        })) as { done: boolean };
        done = status.done;
      }
    })();
    while (!done) {
      heap.push(await jsHeapUsed(cdp));
      rss.push(await rendererRss(browserCdp));
      await new Promise((resolve) => setTimeout(resolve, sampleMs));
    }
    await watching;
    // Back to the gallery, which now holds the batch's images as well.
    await openGalleryView(page);
    await waitForFirstTile(page);
    heap.push(await jsHeapUsed(cdp));
    rss.push(await rendererRss(browserCdp));
    const context = `${options.galleryCount} generations, a ${options.batchSize}-image batch watched, ${heap.length} samples`;
    return [
      {
        name: 'dashboard JS heap, peak (JSHeapUsedSize)',
        value: Math.max(...heap) / mib,
        unit: 'MiB',
        target: { limit: 64, kind: 'max' },
        note: `${context}; after the batch, back on the gallery: ${(heap.at(-1)! / mib).toFixed(1)} MiB`,
      },
      {
        name: "dashboard renderer processes' memory (PSS), peak",
        value: Math.max(...rss) / mib,
        unit: 'MiB',
        target: { limit: 300, kind: 'max' },
        note: `${context}; proportional set size of Chromium's renderer processes`,
      },
    ];
  } finally {
    await browser.close();
  }
}
