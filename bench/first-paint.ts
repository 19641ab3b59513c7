/**
 * Dashboard gallery first paint in headless Chromium: from navigation start to the first gallery tile whose
 * thumbnail has loaded, read from the page's own clock. Two ways in: the window opened on the gallery
 * (`#/gallery`, the first-paint figure), and Status first, then a click on the Gallery tab (the click's latency,
 * from the click event to that thumbnail).
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Figure } from './report.js';
import { median } from './stats.js';

export const chromiumPath = process.env.BENCH_CHROMIUM ?? '/usr/bin/chromium';
const chromiumFlags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];
const loads = 5;
const waitMs = 15_000;

interface PaintClock {
  /** When each gallery thumbnail fired its load event. */
  tileLoads: WeakMap<Element, number>;
  /** When the Gallery tab was clicked, if it was. */
  galleryClickAt?: number;
}

/**
 * Installed before the page's own scripts. The harness looks for the tile only after its own steps (the page's
 * load, its click), and a thumbnail that loaded before it looked would otherwise be timed at the look: the
 * automation's delay, not the page's.
 */
function installPaintClock(): void {
  const clock: PaintClock = { tileLoads: new WeakMap() };
  (window as unknown as { paintClock: PaintClock }).paintClock = clock;
  document.addEventListener(
    'load',
    (event) => {
      const target = event.target;
      if (target instanceof HTMLImageElement && target.closest('.gallery .tile'))
        clock.tileLoads.set(target, performance.now());
    },
    true,
  );
  document.addEventListener(
    'click',
    (event) => {
      if (event.target instanceof Element && event.target.closest('a[href="#/gallery"]'))
        clock.galleryClickAt = performance.now();
    },
    true,
  );
}

const firstTileLoaded = () => {
  const image = document.querySelector<HTMLImageElement>('.gallery .tile img');
  if (image === null || !image.complete || image.naturalWidth === 0) return false;
  const clock = (window as unknown as { paintClock?: PaintClock }).paintClock;
  return clock?.tileLoads.get(image) ?? performance.now();
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

export type GalleryEntry = 'direct' | 'via-status';

export interface PaintTimes {
  /** Navigation start to the first tile's thumbnail loaded. */
  paintMs: number;
  fcpMs: number;
  /** Via Status: the Gallery tab's click event to the first tile's thumbnail loaded. */
  clickToTileMs?: number;
}

/** The dashboard's address opening on the gallery view (the token stays in the query, the view is the hash). */
export function galleryAddress(dashboardUrl: string): string {
  return `${dashboardUrl.replace(/#.*$/u, '')}#/gallery`;
}

async function oneLoad(page: Page, url: string, entry: GalleryEntry): Promise<PaintTimes> {
  await page.addInitScript(installPaintClock);
  await page.goto(entry === 'direct' ? galleryAddress(url) : url, { waitUntil: 'domcontentloaded' });
  if (entry === 'via-status') await openGalleryView(page);
  const paintMs = await waitForFirstTile(page);
  const { fcpMs, clickAt } = await page.evaluate(() => ({
    fcpMs: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? Number.NaN,
    clickAt: (window as unknown as { paintClock?: PaintClock }).paintClock?.galleryClickAt,
  }));
  return { paintMs, fcpMs, ...(clickAt === undefined ? {} : { clickToTileMs: paintMs - clickAt }) };
}

/** One load in a fresh context: no cached script or thumbnails in the browser, like opening the window anew. */
export async function freshLoad(
  browser: Browser,
  url: string,
  entry: GalleryEntry = 'direct',
): Promise<PaintTimes> {
  const context = await browser.newContext();
  try {
    return await oneLoad(await context.newPage(), url, entry);
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
    const direct: PaintTimes[] = [];
    const viaStatus: PaintTimes[] = [];
    // Alternated, so a change in the machine's load (or the server's thumbnail cache warming) hits both alike.
    for (let index = 0; index < loads; index++) {
      direct.push(await freshLoad(browser, dashboardUrl, 'direct'));
      viaStatus.push(await freshLoad(browser, dashboardUrl, 'via-status'));
    }
    const list = (values: number[]) => values.map((value) => value.toFixed(0)).join(', ');
    const clicks = viaStatus.map((load) => load.clickToTileMs ?? Number.NaN);
    return {
      figures: [
        {
          name: `dashboard gallery first paint (${count} generations), median of ${loads}`,
          value: median(direct.map((load) => load.paintMs)),
          unit: 'ms',
          target: { limit: 1000, kind: 'max' },
          note:
            `opened on the gallery (#/gallery), navigation start to the first tile's thumbnail loaded; loads ` +
            `${list(direct.map((load) => load.paintMs))} ms (the first renders thumbnails, later ones reuse them); ` +
            `first contentful paint p50 ${median(direct.map((load) => load.fcpMs)).toFixed(0)} ms`,
        },
        {
          name: `dashboard Gallery tab click to first thumbnail (${count} generations), median of ${loads}`,
          value: median(clicks),
          unit: 'ms',
          note:
            `Status first, then a scripted click: from the click event; loads ${list(clicks)} ms. Navigation start ` +
            `to that thumbnail, the scripted click's own delay included: ` +
            `p50 ${median(viaStatus.map((load) => load.paintMs)).toFixed(0)} ms`,
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
