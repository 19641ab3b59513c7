import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeComfyUI, type FakeComfyUI } from '../fakes/fake-comfyui.js';
import { sd15Models } from '../core/harness.js';
import { connect } from '../mcp-e2e/clients.js';
import { seedGallery } from './seed-gallery.js';
import { e2eSkipReason, launchChromium, openPage, startBridge, uiTimeout, type Bridge } from './support.js';

/*
 * The gallery's first page fetched ahead (renderer/src/state/use-gallery-prefetch.ts), on the built `serve` in
 * headless Chromium: opened on Status, the dashboard asks for the gallery's first page and first thumbnails
 * once; opening Gallery then shows that page without asking again, unless a gallery event came in between.
 */

const skip = e2eSkipReason();
if (skip) console.warn(`tests/e2e/gallery-prefetch: skipped: ${skip}`);

const count = 30;
const warmed = 12;

/** The page's first-page gallery requests (no cursor) and thumbnail requests, as they are made. */
function watchRequests(page: Page): { firstPages: string[]; thumbnails: string[] } {
  const seen = { firstPages: [] as string[], thumbnails: [] as string[] };
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.pathname === '/api/gallery' && !url.searchParams.has('cursor')) seen.firstPages.push(url.href);
    if (/^\/api\/gallery\/[^/]+\/thumbnail$/u.test(url.pathname)) seen.thumbnails.push(url.pathname);
  });
  return seen;
}

const firstTileLoaded = (page: Page) =>
  page
    .locator('.gallery .tile img')
    .first()
    .evaluate((image: HTMLImageElement) => image.complete && image.naturalWidth > 0);

describe.skipIf(skip)('the gallery fetched ahead while Status shows', () => {
  let fake: FakeComfyUI;
  let bridge: Bridge;
  let browser: Browser;

  beforeAll(async () => {
    fake = await startFakeComfyUI({ models: sd15Models, stepMs: 2 });
    bridge = await startBridge({
      comfyuiUrls: [fake.url],
      prepare: ({ dataDir, outputDir }) =>
        seedGallery({
          dataDir,
          imagesDir: join(outputDir, 'seeded'),
          count,
          idPrefix: 's-',
          fileName: (index) => `seeded-${index}.png`,
          prompt: (index) => `seeded image ${index}`,
        }),
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await bridge?.stop();
    await fake?.close();
  });

  it('asks for the first page once, warms its first thumbnails, and opening Gallery asks nothing more', async () => {
    const { page, problems, close } = await openPage(browser);
    const seen = watchRequests(page);
    await page.goto(`${bridge.dashboardUrl}#/status`);
    await page.getByRole('status', { name: 'Connection: ComfyUI connected' }).waitFor({ timeout: uiTimeout });
    // Newest first: the warmed thumbnails are the newest generations'.
    const newest = Array.from(
      { length: warmed },
      (_, index) => `/api/gallery/s-${count - 1 - index}/thumbnail`,
    );
    await expect.poll(() => seen.thumbnails.toSorted(), { timeout: uiTimeout }).toEqual(newest.toSorted());
    expect(seen.firstPages).toHaveLength(1);

    await page.getByRole('link', { name: 'Gallery' }).click();
    await page.getByText(`${count} generations`).waitFor({ timeout: uiTimeout });
    await expect.poll(() => firstTileLoaded(page), { timeout: uiTimeout }).toBe(true);
    expect(await page.locator('.tile').first().getAttribute('data-id')).toBe(`s-${count - 1}`);
    expect(seen.firstPages).toHaveLength(1);
    expect(problems).toEqual([]);
    await close();
  });

  it('does not use the page fetched ahead once a generation finished after it: the new one shows', async () => {
    const { page, problems, close } = await openPage(browser);
    const seen = watchRequests(page);
    let galleryEvents = 0;
    page.on('websocket', (socket) =>
      socket.on('framereceived', ({ payload }) => {
        if (String(payload).includes('"type":"gallery"')) galleryEvents++;
      }),
    );
    await page.goto(`${bridge.dashboardUrl}#/status`);
    await expect.poll(() => seen.firstPages.length, { timeout: uiTimeout }).toBe(1);
    const shownBefore = (await (await fetchGallery(bridge)).json()) as { total: number };

    const agent = await connect('2026', 'http', { mcpUrl: `${bridge.baseUrl}/mcp`, token: bridge.mcpToken });
    try {
      const started = await agent.call('batch_generate_images', {
        items: [{ prompt: 'made while Status showed', seed: 7 }],
        defaults: { workflow: 'sd15', width: 64, height: 64 },
      });
      const batchId = (started.structuredContent as { batch_id: string }).batch_id;
      const status = await agent.call('check_batch_status', { batch_id: batchId, wait_seconds: 60 });
      expect((status.structuredContent as { done: boolean }).done).toBe(true);
    } finally {
      await agent.close();
    }
    // The page has heard of the new generation before the gallery opens.
    await expect.poll(() => galleryEvents, { timeout: uiTimeout }).toBeGreaterThan(0);

    await page.getByRole('link', { name: 'Gallery' }).click();
    await page.getByText(`${shownBefore.total + 1} generations`).waitFor({ timeout: uiTimeout });
    await expect
      .poll(() => page.locator('.tile').first().getAttribute('aria-label'), { timeout: uiTimeout })
      .toMatch(/made while Status showed/u);
    expect(seen.firstPages).toHaveLength(2);
    expect(problems).toEqual([]);
    await close();
  });
});

function fetchGallery(bridge: Bridge): Promise<Response> {
  return fetch(`${bridge.baseUrl}/api/gallery?limit=1`, {
    headers: { Authorization: `Bearer ${bridge.token}` },
  });
}
