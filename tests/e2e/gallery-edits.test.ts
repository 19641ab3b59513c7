import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeComfyUI } from '../fakes/fake-comfyui.js';
import { startSd15Fake } from '../core/harness.js';
import { connect, type E2eClient } from '../mcp-e2e/clients.js';
import { editedImage, editWorkflowsDir, sourcePng } from '../mcp-e2e/edit-fixtures.js';
import { e2eSkipReason, launchChromium, openPage, startBridge, uiTimeout, type Bridge } from './support.js';

/*
 * Edits in the dashboard: made by an agent through edit_image over MCP (HTTP) on the built `serve` with the fake
 * ComfyUI running the model-free edit workflows, then filtered by mode in the gallery and compared before/after in
 * the lightbox, in headless Chromium.
 */

const skip = e2eSkipReason();
if (skip) console.warn(`tests/e2e/gallery-edits: skipped: ${skip}`);

/** Waits until the lightbox's before or after image has loaded (decoded with a size), and returns its size. */
async function loaded(page: Page, role: 'before' | 'after'): Promise<{ width: number; height: number }> {
  const image = page.locator(`.lightbox img[data-role="${role}"]`);
  await image.waitFor({ timeout: uiTimeout });
  await page.waitForFunction(
    (selector) => {
      const node = document.querySelector<HTMLImageElement>(selector);
      return node !== null && node.complete && node.naturalWidth > 0;
    },
    `.lightbox img[data-role="${role}"]`,
    { timeout: uiTimeout },
  );
  return image.evaluate((node: HTMLImageElement) => ({
    width: node.naturalWidth,
    height: node.naturalHeight,
  }));
}

describe.skipIf(skip)('edits in the dashboard gallery', () => {
  let fake: FakeComfyUI;
  let bridge: Bridge;
  let browser: Browser;
  let agent: E2eClient;

  beforeAll(async () => {
    fake = await startSd15Fake();
    bridge = await startBridge({
      comfyuiUrls: [fake.url],
      prepare: ({ workflowsDir }) => {
        for (const file of readdirSync(editWorkflowsDir))
          copyFileSync(join(editWorkflowsDir, file), join(workflowsDir, file));
      },
    });
    browser = await launchChromium();
    agent = await connect('2026', 'http', { mcpUrl: `${bridge.baseUrl}/mcp`, token: bridge.mcpToken });
  });
  afterAll(async () => {
    await agent?.close();
    await browser?.close();
    await bridge?.stop();
    await fake?.close();
  });

  it('filters the gallery by edit mode and compares an edit with its source in the lightbox', async () => {
    const site = join(bridge.outputDir, 'site');
    mkdirSync(site);
    const hero = join(site, 'hero.png');
    writeFileSync(hero, await sourcePng());
    const plain = await agent.call('generate_image', {
      prompt: 'a plain lighthouse',
      save_path: join(site, 'plain.png'),
      workflow: 'sd15',
      width: 64,
      height: 64,
    });
    expect(plain.isError, JSON.stringify(plain.content)).toBeFalsy();
    const restyled = editedImage(
      await agent.call('edit_image', { image: hero, mode: 'restyle', prompt: 'a poster', seed: 3 }),
    );
    const upscaled = editedImage(await agent.call('edit_image', { image: hero, mode: 'upscale', scale: 2 }));
    expect(restyled.source).toBe(hero);

    const { page, problems, close } = await openPage(browser);
    await page.goto(`${bridge.dashboardUrl}#/gallery`);
    await page.getByText('3 generations').waitFor({ timeout: uiTimeout });

    const show = page.getByRole('combobox', { name: 'Show generations of one kind' });
    await show.selectOption({ label: 'Restyle' });
    await page.getByText('1 matching of 3').waitFor({ timeout: uiTimeout });
    const tile = page.locator('.tile');
    expect(await tile.count()).toBe(1);
    expect(await tile.locator('.tile-badge').textContent()).toBe('Restyle');
    await tile.click();

    const lightbox = page.getByRole('dialog', { name: 'hero.edited.png' });
    await lightbox.waitFor({ timeout: uiTimeout });
    expect(await lightbox.textContent()).toContain(hero);
    expect(await loaded(page, 'after')).toEqual({ width: 40, height: 30 });
    expect(await loaded(page, 'before')).toEqual({ width: 40, height: 30 });
    // Same size: the slider; the keyboard moves it.
    const slider = lightbox.getByRole('slider');
    await slider.waitFor({ timeout: uiTimeout });
    await slider.focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    expect(await slider.getAttribute('aria-valuetext')).toBe('54% before');
    await lightbox.getByRole('button', { name: 'Close' }).click();

    await show.selectOption({ label: 'Upscale' });
    // The restyle's tile stays while the new filter loads: wait for the upscale's to replace it.
    await page
      .locator(`.tile[aria-label^="Open ${basename(upscaled.path)}"]`)
      .waitFor({ timeout: uiTimeout });
    await page
      .locator('.tile[aria-label^="Open hero.edited.png"]')
      .waitFor({ state: 'detached', timeout: uiTimeout });
    expect(await page.locator('.tile').count()).toBe(1);
    await page.locator('.tile').click();
    const upscaleBox = page.getByRole('dialog', { name: basename(upscaled.path) });
    await upscaleBox.waitFor({ timeout: uiTimeout });
    expect(await loaded(page, 'after')).toEqual({ width: upscaled.width, height: upscaled.height });
    expect(await loaded(page, 'before')).toEqual({ width: 40, height: 30 });
    // Different sizes: side by side, no slider.
    expect(await upscaleBox.locator('.compare').getAttribute('data-layout')).toBe('side-by-side');
    expect(await upscaleBox.getByRole('slider').count()).toBe(0);
    await upscaleBox.getByRole('button', { name: 'Close' }).click();

    await show.selectOption({ label: 'Generated' });
    await page.locator('.tile[aria-label^="Open plain.png"]').waitFor({ timeout: uiTimeout });
    await page
      .locator(`.tile[aria-label^="Open ${basename(upscaled.path)}"]`)
      .waitFor({ state: 'detached', timeout: uiTimeout });
    expect(await page.locator('.tile').count()).toBe(1);
    expect(await page.locator('.tile-badge').count()).toBe(0);

    expect(problems).toEqual([]);
    await close();
  });
});
