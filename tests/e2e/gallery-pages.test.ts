import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedGallery } from './seed-gallery.js';
import { e2eSkipReason, launchChromium, openPage, startBridge, uiTimeout, type Bridge } from './support.js';

/*
 * The lightbox's → at the end of the loaded page, on the built `serve` in headless Chromium: the gallery loads
 * 200 items a page, so with 205 generations → on the 200th loads the next page and goes on, and ← comes back.
 */

const skip = e2eSkipReason();
if (skip) console.warn(`tests/e2e/gallery-pages: skipped: ${skip}`);

const count = 205;
const pageSize = 200;
const nameOf = (index: number) => `img-${String(index).padStart(3, '0')}.png`;

describe.skipIf(skip)('the lightbox at the end of the loaded page', () => {
  let bridge: Bridge;
  let browser: Browser;

  beforeAll(async () => {
    bridge = await startBridge({
      comfyuiUrls: ['http://127.0.0.1:9'],
      prepare: ({ dataDir, outputDir }) =>
        seedGallery({
          dataDir,
          imagesDir: join(outputDir, 'pages'),
          count,
          idPrefix: 'g-',
          fileName: nameOf,
          prompt: (index) => `image number ${index}`,
        }),
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await bridge?.stop();
  });

  it('loads the next page on → past the last loaded item and goes on', async () => {
    const { page, problems, close } = await openPage(browser);
    const nextPageRequests: string[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname === '/api/gallery' && url.searchParams.has('cursor')) nextPageRequests.push(url.href);
    });
    const title = () => page.locator('.lightbox h2').first().textContent();

    await page.goto(`${bridge.dashboardUrl}#/gallery`);
    await page.getByText(`${count} generations`).waitFor({ timeout: uiTimeout });
    // Newest first: the first tile is the last one made.
    await page.locator(`.tile[data-id="g-${count - 1}"]`).click({ timeout: uiTimeout });
    await page.locator('.lightbox').waitFor({ timeout: uiTimeout });
    expect(await title()).toBe(nameOf(count - 1));

    // Step to the last item of the first page; the grid behind stays at the top, so nothing asked for more yet.
    for (let step = 1; step < pageSize; step++) await page.keyboard.press('ArrowRight');
    const lastLoaded = nameOf(count - pageSize);
    await expect.poll(title, { timeout: uiTimeout }).toBe(lastLoaded);
    expect(nextPageRequests).toEqual([]);
    expect(await page.getByRole('button', { name: 'Next image (→)' }).isDisabled()).toBe(false);

    // → past the end of the loaded page: the next page comes and the lightbox goes on to its first item.
    await page.keyboard.press('ArrowRight');
    await expect.poll(title, { timeout: uiTimeout }).toBe(nameOf(count - pageSize - 1));
    expect(nextPageRequests).toHaveLength(1);
    await page.keyboard.press('ArrowRight');
    await expect.poll(title, { timeout: uiTimeout }).toBe(nameOf(count - pageSize - 2));
    // And back across the page boundary.
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    await expect.poll(title, { timeout: uiTimeout }).toBe(lastLoaded);

    // At the very end of the gallery, → has nowhere to go.
    for (let step = 0; step < count - pageSize; step++) await page.keyboard.press('ArrowRight');
    await expect.poll(title, { timeout: uiTimeout }).toBe(nameOf(0));
    expect(await page.getByRole('button', { name: 'Next image (→)' }).isDisabled()).toBe(true);
    expect(nextPageRequests).toHaveLength(1);

    expect(problems).toEqual([]);
    await close();
  });
});
