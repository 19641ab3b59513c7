import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileIdentityOf } from '../../electron/images/file-identity.js';
import type { GenerationRecord } from '../../shared/generation.js';
import { e2eSkipReason, launchChromium, openPage, startBridge, uiTimeout, type Bridge } from './support.js';

const skip = e2eSkipReason();
if (skip) console.warn(`tests/e2e/gallery: skipped: ${skip}`);

const seeded = 10_000;
const idOf = (index: number) => `gen-${String(index).padStart(5, '0')}`;

/**
 * Writes the gallery index the core replays at start-up (electron/gallery/journal.ts: one `add` entry per
 * line), with a real small PNG behind every record so thumbnails load without errors.
 */
async function seedGallery(dataDir: string, outputDir: string): Promise<void> {
  const folder = join(outputDir, 'seeded');
  mkdirSync(folder);
  const template = join(folder, 'template.png');
  await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 70, g: 110, b: 190 } } })
    .png()
    .toFile(template);
  const start = Date.UTC(2026, 0, 1);
  const lines: string[] = [];
  for (let index = 0; index < seeded; index++) {
    const path = join(folder, `${idOf(index)}.png`);
    copyFileSync(template, path);
    // As the pipeline records it: the identity of the file written (an entry without one would show "replaced").
    const file = fileIdentityOf(statSync(path, { bigint: true }));
    const record: GenerationRecord = {
      id: idOf(index),
      path,
      prompt:
        index % 10 === 0
          ? `a red fox in the snow, number ${index}`
          : `mountain lake at dawn, number ${index}`,
      seed: index,
      width: 64,
      height: 48,
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

describe.skipIf(skip)('gallery with 10,000 generations', () => {
  let bridge: Bridge;
  let browser: Browser;

  beforeAll(async () => {
    // No ComfyUI is needed to browse the gallery; the address only has to be well-formed.
    bridge = await startBridge({
      comfyuiUrls: ['http://127.0.0.1:9'],
      prepare: ({ dataDir, outputDir }) => seedGallery(dataDir, outputDir),
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await bridge?.stop();
  });

  it('opens, and scrolls page by page to the oldest generation', async () => {
    const { page, problems, close } = await openPage(browser);
    await page.goto(`${bridge.dashboardUrl}#/gallery`);
    await page.getByText(`${seeded} generations`).waitFor({ timeout: uiTimeout });
    await page.locator(`.tile[data-id="${idOf(seeded - 1)}"]`).waitFor({ timeout: uiTimeout });
    // Virtualised: only the rows in view (plus a few) are in the page, not ten thousand tiles.
    expect(await page.locator('.tile').count()).toBeLessThan(200);

    const scroller = page.getByRole('region', { name: 'Generations' });
    const started = Date.now();
    // Each scroll to the bottom loads at most one more page (200 items); 10,000 need 50. Bounded.
    for (let round = 0; round < 120; round++) {
      if (await page.locator('.end-of-gallery').isVisible()) break;
      const before = await scroller.evaluate((element) => element.scrollHeight);
      await scroller.evaluate((element) => element.scrollTo(0, element.scrollHeight));
      await page
        .waitForFunction(
          ([selector, height]) => {
            const element = document.querySelector(selector as string);
            return (
              (element?.scrollHeight ?? 0) > (height as number) ||
              document.querySelector('.end-of-gallery') !== null
            );
          },
          ['.grid-scroller', before],
          { timeout: uiTimeout },
        )
        .catch(() => undefined);
    }
    await scroller.evaluate((element) => element.scrollTo(0, element.scrollHeight));
    const oldest = page.locator(`.tile[data-id="${idOf(0)}"]`);
    await oldest.waitFor({ timeout: uiTimeout });
    expect(await oldest.isVisible()).toBe(true);
    await expect
      .poll(() => oldest.locator('img').evaluate((img: HTMLImageElement) => img.naturalWidth))
      .toBeGreaterThan(0);
    expect(await page.locator('.tile').count()).toBeLessThan(200);
    console.log(`gallery e2e: scrolled through ${seeded} generations in ${Date.now() - started} ms`);

    await page.getByRole('searchbox', { name: /Filter the gallery/ }).fill('red fox');
    await page.getByText(/matching of 10000/).waitFor({ timeout: uiTimeout });
    await page.locator(`.tile[data-id="${idOf(seeded - 10)}"]`).waitFor({ timeout: uiTimeout });
    // The count line changes with the query at once, while the unfiltered tiles stay until the filtered first page
    // arrives: wait for that page to replace them (on a loaded machine the two are seconds apart).
    await expect
      .poll(() => page.locator(`.tile[data-id="${idOf(seeded - 1)}"]`).count(), { timeout: uiTimeout })
      .toBe(0);

    expect(problems).toEqual([]);
    await close();
  });

  it('deletes an image after confirmation: the tile goes and the file moves to the trash folder', async () => {
    const { page, problems, close } = await openPage(browser);
    await page.goto(`${bridge.dashboardUrl}#/gallery`);
    const victim = idOf(seeded - 2);
    const file = join(bridge.outputDir, 'seeded', `${victim}.png`);
    expect(existsSync(file)).toBe(true);

    await page.locator(`.tile[data-id="${victim}"]`).click({ timeout: uiTimeout });
    const lightbox = page.getByRole('dialog', { name: `${victim}.png` });
    await lightbox.getByText('mountain lake at dawn, number 9998').waitFor();
    await lightbox.getByRole('button', { name: 'Delete…' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete this image?' });
    await confirm.getByRole('button', { name: 'Delete', exact: true }).click();

    await page.getByText(/^Moved to /).waitFor({ timeout: uiTimeout });
    await page.locator(`.tile[data-id="${victim}"]`).waitFor({ state: 'detached', timeout: uiTimeout });
    await page.getByText(`${seeded - 1} generations`).waitFor({ timeout: uiTimeout });
    expect(existsSync(file)).toBe(false);
    const trash = readdirSync(join(bridge.dataDir, 'trash'), { recursive: true }).map(String);
    expect(trash.some((name) => name.endsWith(`${victim}.png`))).toBe(true);

    // Still gone after a reload: the index forgot it, not just the page.
    await page.reload();
    await page.getByText(`${seeded - 1} generations`).waitFor({ timeout: uiTimeout });
    await page.locator(`.tile[data-id="${idOf(seeded - 1)}"]`).waitFor({ timeout: uiTimeout });
    expect(await page.locator(`.tile[data-id="${victim}"]`).count()).toBe(0);

    expect(problems).toEqual([]);
    await close();
  });
});
