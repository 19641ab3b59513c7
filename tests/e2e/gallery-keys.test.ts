import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileIdentityOf } from '../../electron/images/file-identity.js';
import type { GenerationRecord } from '../../shared/generation.js';
import { e2eSkipReason, launchChromium, openPage, startBridge, uiTimeout, type Bridge } from './support.js';

/*
 * The gallery and lightbox by keyboard and on a phone-sized screen, on the built `serve` in headless Chromium:
 * arrow keys step through the gallery's shown (filtered) order right after opening, Escape closes; the copy buttons
 * put the path, prompt, seed and an <img> tag on the clipboard; a 1200×630 banner's thumbnail is letterboxed, not
 * cropped; a record whose file is gone says so; two files named alike show their folders; and at 360 px wide no
 * view scrolls sideways.
 */

const skip = e2eSkipReason();
if (skip) console.warn(`tests/e2e/gallery-keys: skipped: ${skip}`);

interface Seed {
  id: string;
  path: string;
  prompt: string;
  width: number;
  height: number;
  /** Written to disk (else the record's file is missing). */
  write: boolean;
}

async function seedGallery(dataDir: string, seeds: readonly Seed[]): Promise<void> {
  const start = Date.UTC(2026, 0, 1);
  const lines: string[] = [];
  for (const [index, seed] of seeds.entries()) {
    mkdirSync(join(seed.path, '..'), { recursive: true });
    await sharp({
      create: { width: seed.width, height: seed.height, channels: 3, background: { r: 40, g: 90, b: 160 } },
    })
      .png()
      .toFile(seed.path);
    const file = fileIdentityOf(statSync(seed.path, { bigint: true }));
    // Recorded as made, then deleted: the gallery must find it missing.
    if (!seed.write) rmSync(seed.path);
    const record: GenerationRecord = {
      id: seed.id,
      path: seed.path,
      prompt: seed.prompt,
      seed: 1000 + index,
      width: seed.width,
      height: seed.height,
      format: 'png',
      bytes: file.size,
      workflow: 'sd15',
      backend: 'http://127.0.0.1:8188',
      createdAt: new Date(start + index * 60_000).toISOString(),
      file,
    };
    lines.push(JSON.stringify({ op: 'add', record }));
  }
  writeFileSync(join(dataDir, 'gallery.jsonl'), lines.join('\n') + '\n');
}

/** The dialog's accessible name, i.e. which image the lightbox shows. */
async function lightboxTitle(page: Page): Promise<string | null> {
  return page.locator('.lightbox h2').first().textContent();
}

describe.skipIf(skip)('gallery keys, copies, thumbnails and the narrow layout', () => {
  let bridge: Bridge;
  let browser: Browser;
  let site: string;

  beforeAll(async () => {
    bridge = await startBridge({
      comfyuiUrls: ['http://127.0.0.1:9'],
      prepare: async ({ dataDir, outputDir }) => {
        site = join(outputDir, 'site');
        // Oldest first; the gallery shows newest first: gone, shop hero, blog hero, banner.
        await seedGallery(dataDir, [
          {
            id: 'banner',
            path: join(site, 'public', 'banner.png'),
            prompt: 'a wide banner of a lighthouse, 8k',
            width: 1200,
            height: 630,
            write: true,
          },
          {
            id: 'blog-hero',
            path: join(site, 'blog', 'hero.png'),
            prompt: 'blog hero, a quiet harbour',
            width: 96,
            height: 64,
            write: true,
          },
          {
            id: 'shop-hero',
            path: join(site, 'shop', 'hero.png'),
            prompt: 'shop hero, a market stall',
            width: 96,
            height: 64,
            write: true,
          },
          {
            id: 'gone',
            path: join(site, 'gone.png'),
            prompt: 'an image whose file was deleted',
            width: 64,
            height: 64,
            write: false,
          },
        ]);
      },
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await bridge?.stop();
  });

  it('steps with the arrow keys through the shown order, closes on Escape, and copies', async () => {
    const { page, problems, close } = await openPage(browser);
    await page
      .context()
      .grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(bridge.baseUrl).origin });
    await page.goto(`${bridge.dashboardUrl}#/gallery`);
    await page.getByText('4 generations').waitFor({ timeout: uiTimeout });

    // Same file name in two folders: each caption says which.
    const captions = await page.locator('.tile-caption').allTextContents();
    expect(captions).toEqual(['gone.png', 'shop/hero.png', 'blog/hero.png', 'banner.png']);

    // The deleted file's record says so instead of asking for a thumbnail.
    const gone = page.locator('.tile[data-id="gone"]');
    expect(await gone.locator('.tile-problem').textContent()).toBe('File moved or deleted');
    expect(await gone.locator('img').count()).toBe(0);

    // The banner's thumbnail keeps its 1200×630 shape inside the square tile: letterboxed, not cropped.
    const thumb = page.locator('.tile[data-id="banner"] img');
    await expect
      .poll(() => thumb.evaluate((img: HTMLImageElement) => img.naturalWidth), { timeout: uiTimeout })
      .toBeGreaterThan(0);
    const shape = await thumb.evaluate((img: HTMLImageElement) => ({
      fit: getComputedStyle(img).objectFit,
      natural: img.naturalWidth / img.naturalHeight,
      box: img.getBoundingClientRect().width / img.getBoundingClientRect().height,
    }));
    expect(shape.natural).toBeCloseTo(1200 / 630, 1);
    expect(shape.box).toBeCloseTo(1, 1);
    expect(shape.fit).toBe('contain');

    // Open the newest, then step by keyboard at once: focus is already in the lightbox.
    await gone.click();
    const lightbox = page.locator('.lightbox');
    await lightbox.waitFor({ timeout: uiTimeout });
    expect(await lightboxTitle(page)).toBe('gone.png');
    expect(await lightbox.getByText('File moved or deleted').count()).toBe(1);
    await page.keyboard.press('ArrowLeft'); // the first: nothing before it
    expect(await lightboxTitle(page)).toBe('gone.png');
    for (const expected of ['shop/hero.png', 'blog/hero.png', 'banner.png', 'banner.png']) {
      await page.keyboard.press('ArrowRight');
      await expect.poll(() => lightboxTitle(page)).toBe(expected);
    }
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => lightboxTitle(page)).toBe('blog/hero.png');
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => lightboxTitle(page)).toBe('banner.png');

    // The copies: path, prompt, seed and an <img> tag for a page.
    const copies: [string, string][] = [
      ['Copy path', join(site, 'public', 'banner.png')],
      ['Copy prompt', 'a wide banner of a lighthouse, 8k'],
      ['Copy seed', '1000'],
      [
        'Copy <img> tag',
        '<img src="/banner.png" width="1200" height="630" alt="A wide banner of a lighthouse" loading="lazy" decoding="async">',
      ],
    ];
    for (const [name, text] of copies) {
      await lightbox.getByRole('button', { name, exact: true }).click();
      await lightbox
        .getByRole('button', { name, exact: true })
        .filter({ hasText: 'Copied' })
        .waitFor({ timeout: uiTimeout });
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(text);
    }

    await page.keyboard.press('Escape');
    await lightbox.waitFor({ state: 'detached', timeout: uiTimeout });

    // Filtered, the steps go through the matching items only.
    await page.getByRole('searchbox', { name: /Filter the gallery/ }).fill('hero');
    await page.getByText(/2 matching of 4/).waitFor({ timeout: uiTimeout });
    await expect.poll(() => page.locator('.tile').count(), { timeout: uiTimeout }).toBe(2);
    await page.locator('.tile[data-id="shop-hero"]').click();
    await lightbox.waitFor({ timeout: uiTimeout });
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => lightboxTitle(page)).toBe('blog/hero.png');
    await page.keyboard.press('ArrowRight');
    expect(await lightboxTitle(page)).toBe('blog/hero.png');
    await page.keyboard.press('Escape');
    await lightbox.waitFor({ state: 'detached', timeout: uiTimeout });

    expect(problems).toEqual([]);
    await close();
  });

  it('fits a 360 px wide screen: no view scrolls sideways', async () => {
    const { page, problems, close } = await openPage(browser, { width: 360, height: 740 });
    const overflow = () =>
      page.evaluate(() => {
        const root = document.scrollingElement!;
        return { scrollWidth: root.scrollWidth, clientWidth: root.clientWidth };
      });
    const fits = async (where: string) => {
      const { scrollWidth, clientWidth } = await overflow();
      expect(scrollWidth, `${where}: ${scrollWidth} > ${clientWidth}`).toBeLessThanOrEqual(clientWidth);
    };

    await page.goto(`${bridge.dashboardUrl}#/status`);
    await page
      .getByRole('heading', { name: /ComfyUI/ })
      .first()
      .waitFor({ timeout: uiTimeout });
    await fits('Status');

    await page.goto(`${bridge.dashboardUrl}#/batches`);
    await page.getByRole('heading', { name: 'Batches' }).waitFor({ timeout: uiTimeout });
    await fits('Batches');

    await page.goto(`${bridge.dashboardUrl}#/gallery`);
    await page.getByText('4 generations').waitFor({ timeout: uiTimeout });
    await fits('Gallery');
    await page.locator('.tile[data-id="banner"]').click();
    const lightbox = page.locator('.lightbox');
    await lightbox.waitFor({ timeout: uiTimeout });
    await expect
      .poll(
        () => lightbox.locator('img.lightbox-image').evaluate((img: HTMLImageElement) => img.naturalWidth),
        {
          timeout: uiTimeout,
        },
      )
      .toBeGreaterThan(0);
    await fits('Gallery with the lightbox open');
    // Nor does the lightbox itself: everything in it wraps to its width.
    const inner = await lightbox.evaluate((node) => ({
      scrollWidth: node.scrollWidth,
      clientWidth: node.clientWidth,
    }));
    expect(inner.scrollWidth, JSON.stringify(inner)).toBeLessThanOrEqual(inner.clientWidth);
    await page.keyboard.press('Escape');

    await page.goto(`${bridge.dashboardUrl}#/connect`);
    await page
      .getByRole('heading', { name: /Connect/ })
      .first()
      .waitFor({ timeout: uiTimeout });
    await fits('Connect');

    expect(problems).toEqual([]);
    await close();
  });
});
