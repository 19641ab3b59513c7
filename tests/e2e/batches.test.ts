import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeComfyUI } from '../fakes/fake-comfyui.js';
import { startSd15Fake } from '../core/harness.js';
import { connect, type E2eClient } from '../mcp-e2e/clients.js';
import { e2eSkipReason, launchChromium, openPage, startBridge, uiTimeout, type Bridge } from './support.js';

const skip = e2eSkipReason();
if (skip) console.warn(`tests/e2e/batches: skipped: ${skip}`);

describe.skipIf(skip)('batch progress on screen', () => {
  let fake: FakeComfyUI;
  let bridge: Bridge;
  let browser: Browser;
  let agent: E2eClient;

  beforeAll(async () => {
    // Slow sampling first, so a partly done batch and a bar mid-way can be seen; sped up afterwards.
    fake = await startSd15Fake(150);
    bridge = await startBridge({ comfyuiUrls: [fake.url] });
    browser = await launchChromium();
    agent = await connect('2026', 'http', {
      mcpUrl: `${bridge.baseUrl}/mcp`,
      token: bridge.mcpToken,
    });
  });
  afterAll(async () => {
    await agent?.close();
    await browser?.close();
    await bridge?.stop();
    await fake?.close();
  });

  it('shows a 20-image batch advance image by image and complete, then opens a result', async () => {
    const { page, problems, close } = await openPage(browser);
    await page.goto(`${bridge.dashboardUrl}#/batches`);
    await page.getByText('No batches yet.').waitFor({ timeout: uiTimeout });
    // The token left the address bar once the page had it.
    expect(page.url()).not.toContain('token=');

    const started = await agent.call('batch_generate_images', {
      items: Array.from({ length: 20 }, (_, index) => ({ prompt: `a lighthouse, variation ${index}` })),
      defaults: { workflow: 'sd15', width: 96, height: 64 },
    });
    expect(started.isError, JSON.stringify(started.content)).toBeFalsy();
    const batchId = (started.structuredContent as { batch_id: string }).batch_id;

    const batch = page.getByRole('article', { name: `Batch ${batchId}` });
    await batch.waitFor({ timeout: uiTimeout });
    // A single image's bar part-way: live sampler progress reached the page.
    await batch
      .locator(
        '[role="progressbar"][aria-label^="Image"]:not([aria-valuenow="0"]):not([aria-valuenow="100"])',
      )
      .first()
      .waitFor({ timeout: uiTimeout });
    // Some images done, not all: the batch advances rather than jumping from nothing to everything.
    await batch
      .locator('.batch-summary')
      .filter({ hasText: /^([1-9]|1[0-9]) of 20 done/ })
      .waitFor({ timeout: uiTimeout });
    const midway = await batch
      .getByRole('progressbar', { name: `Batch ${batchId} progress` })
      .getAttribute('aria-valuenow');
    expect(Number(midway)).toBeGreaterThan(0);
    expect(Number(midway)).toBeLessThan(100);

    fake.setStepMs(2);
    await batch
      .locator('.batch-summary')
      .filter({ hasText: /^20 of 20 done$/ })
      .waitFor({ timeout: uiTimeout * 2 });
    await expect
      .poll(() =>
        batch.getByRole('progressbar', { name: `Batch ${batchId} progress` }).getAttribute('aria-valuenow'),
      )
      .toBe('100');
    expect(await batch.locator('li.item[data-state="completed"]').count()).toBe(20);
    expect(await batch.getByRole('button', { name: /^Cancel batch/ }).count()).toBe(0);

    await batch.getByRole('button', { name: 'Open Image 20' }).click();
    const lightbox = page.getByRole('dialog');
    await lightbox.waitFor({ timeout: uiTimeout });
    await lightbox.getByText('a lighthouse, variation 19').waitFor({ timeout: uiTimeout });
    const path = await lightbox.locator('dt:text-is("Path") + dd code').textContent();
    expect(path && existsSync(path)).toBe(true);
    await expect
      .poll(() => lightbox.getByRole('img').evaluate((img: HTMLImageElement) => img.naturalWidth))
      .toBe(96);
    await page.keyboard.press('Escape');
    await lightbox.waitFor({ state: 'detached' });

    expect(problems).toEqual([]);
    await close();
  });

  it('cancels a running batch from the page', async () => {
    fake.setStepMs(200);
    const { page, problems, close } = await openPage(browser);
    await page.goto(`${bridge.dashboardUrl}#/batches`);
    const started = await agent.call('batch_generate_images', {
      items: Array.from({ length: 6 }, (_, index) => ({ prompt: `to be cancelled ${index}` })),
      defaults: { workflow: 'sd15', width: 96, height: 64 },
    });
    const batchId = (started.structuredContent as { batch_id: string }).batch_id;
    const batch = page.getByRole('article', { name: `Batch ${batchId}` });
    await batch.getByRole('button', { name: `Cancel batch ${batchId}` }).click({ timeout: uiTimeout });
    await batch
      .locator('.batch-summary')
      .filter({ hasText: /cancelled/ })
      .waitFor({ timeout: uiTimeout });
    await expect.poll(() => batch.getAttribute('data-done'), { timeout: uiTimeout }).toBe('true');
    expect(await batch.locator('li.item[data-state="cancelled"]').count()).toBeGreaterThan(0);
    expect(problems).toEqual([]);
    await close();
    fake.setStepMs(2);
  });

  it('shows single calls in one Recent card with their files, and clears finished cards', async () => {
    fake.setStepMs(2);
    const { page, problems, close } = await openPage(browser);
    await page.goto(`${bridge.dashboardUrl}#/batches`);
    await page.getByRole('heading', { name: 'Batches' }).waitFor({ timeout: uiTimeout });
    const names = ['recent-one.png', 'recent-two.png'];
    for (const name of names) {
      const result = await agent.call('generate_image', {
        prompt: `a kite over dunes, ${name}`,
        workflow: 'sd15',
        width: 96,
        height: 64,
        save_path: name,
      });
      expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
    }
    const recent = page.getByRole('article', { name: 'Recent single images' });
    for (const name of names) {
      await recent.getByRole('button', { name: `Open ${name}` }).waitFor({ timeout: uiTimeout });
    }
    // One card for both calls, not one each.
    expect(await page.getByRole('article', { name: 'Recent single images' }).count()).toBe(1);
    await recent.getByRole('button', { name: 'Open recent-two.png' }).click();
    await page
      .getByRole('dialog')
      .getByText('a kite over dunes, recent-two.png')
      .waitFor({ timeout: uiTimeout });
    await page.keyboard.press('Escape');

    await page.getByRole('button', { name: 'Clear finished' }).click();
    await recent.waitFor({ state: 'detached', timeout: uiTimeout });
    await page.reload();
    await page.getByRole('heading', { name: 'Batches' }).waitFor({ timeout: uiTimeout });
    await page.getByText(/Finished batches cleared/).waitFor({ timeout: uiTimeout });
    expect(await page.getByRole('article').count()).toBe(0);
    expect(problems).toEqual([]);
    await close();
  });
});
