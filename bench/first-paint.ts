/**
 * Dashboard gallery first paint in headless Chromium: from navigation start to the first gallery tile whose
 * thumbnail has loaded, read from the page's own clock.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Figure } from './report.js';
import { median } from './stats.js';

export const chromiumPath = process.env.BENCH_CHROMIUM ?? '/usr/bin/chromium';
const chromiumFlags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];
const loads = 5;
const waitMs = 15_000;

const firstTileLoaded = () => {
  const image = document.querySelector<HTMLImageElement>('.gallery .tile img');
  return image !== null && image.complete && image.naturalWidth > 0 ? performance.now() : false;
};

/** The gallery is a view of its own: open it the way a person would if the start page is another view. */
export async function openGalleryView(page: Page): Promise<void> {
  if (await page.locator('.gallery').count()) return;
  for (const role of ['link', 'tab', 'button'] as const) {
    const control = page.getByRole(role, { name: /gallery/i }).first();
    if (await control.count()) {
      await control.click();
      return;
    }
  }
}

export function launchBenchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath, args: chromiumFlags });
}

/** When (on the page's clock) the first gallery tile's thumbnail had loaded. */
export async function waitForFirstTile(page: Page): Promise<number> {
  const handle = await page.waitForFunction(firstTileLoaded, undefined, { timeout: waitMs, polling: 'raf' });
  return (await handle.jsonValue()) as number;
}

async function oneLoad(page: Page, url: string): Promise<{ paintMs: number; fcpMs: number }> {
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  await openGalleryView(page);
  const paintMs = await waitForFirstTile(page);
  const fcpMs = await page.evaluate(
    () => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? Number.NaN,
  );
  return { paintMs, fcpMs };
}

/** One load in a fresh context: no cached script or thumbnails in the browser, like opening the window anew. */
export async function freshLoad(browser: Browser, url: string): Promise<{ paintMs: number; fcpMs: number }> {
  const context = await browser.newContext();
  try {
    return await oneLoad(await context.newPage(), url);
  } finally {
    await context.close();
  }
}

export async function measureFirstPaint(
  dashboardUrl: string,
  count: number,
): Promise<{ figures: Figure[]; notes: string[] }> {
  if (!existsSync(chromiumPath)) {
    return {
      figures: [],
      notes: [`No Chromium at ${chromiumPath} (set BENCH_CHROMIUM): first paint not measured.`],
    };
  }
  const browser = await launchBenchChromium();
  try {
    const paints: number[] = [];
    const fcps: number[] = [];
    for (let index = 0; index < loads; index++) {
      const { paintMs, fcpMs } = await freshLoad(browser, dashboardUrl);
      paints.push(paintMs);
      fcps.push(fcpMs);
    }
    return {
      figures: [
        {
          name: `dashboard gallery first paint (${count} generations), median of ${loads}`,
          value: median(paints),
          unit: 'ms',
          target: { limit: 1000, kind: 'max' },
          note:
            `first tile's thumbnail loaded; loads ${paints.map((paint) => paint.toFixed(0)).join(', ')} ms ` +
            `(the first renders thumbnails, later ones reuse them); first contentful paint p50 ${median(fcps).toFixed(0)} ms`,
        },
      ],
      notes: [],
    };
  } catch (error) {
    return {
      figures: [],
      notes: [
        `Dashboard gallery first paint not measured: no gallery tile appeared (${(error as Error).message.split('\n')[0]}). ` +
          'The dashboard gallery is not in this build yet.',
      ],
    };
  } finally {
    await browser.close();
  }
}
