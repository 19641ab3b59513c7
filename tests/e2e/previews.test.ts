import { readdirSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { galleryPageSchema } from '../../shared/dashboard-api.js';
import { sd15Models } from '../core/harness.js';
import { startFakeComfyUI, type FakeComfyUI } from '../fakes/fake-comfyui.js';
import { connect, type E2eClient } from '../mcp-e2e/clients.js';
import { e2eSkipReason, launchChromium, openPage, startBridge, uiTimeout, type Bridge } from './support.js';

const skip = e2eSkipReason();
if (skip) console.warn(`tests/e2e/previews: skipped: ${skip}`);

describe.skipIf(skip)('watching an image form', () => {
  let fake: FakeComfyUI;
  let bridge: Bridge;
  let browser: Browser;
  let agent: E2eClient;

  beforeAll(async () => {
    // Sampling moves one step at a time, when the test says so: each step sends its own preview frame.
    fake = await startFakeComfyUI({ models: sd15Models, stepMs: 0, samplerPreviews: true });
    fake.holdSampling(true);
    bridge = await startBridge({ comfyuiUrls: [fake.url] });
    browser = await launchChromium();
    agent = await connect('2026', 'http', { mcpUrl: `${bridge.baseUrl}/mcp`, token: bridge.mcpToken });
  });
  afterAll(async () => {
    await agent?.close();
    await browser?.close();
    await bridge?.stop();
    await fake?.close();
  });

  it('shows the running item’s preview change step by step, then its finished thumbnail, writing no frame', async () => {
    const { page, problems, close } = await openPage(browser);
    // The first frame is sent once: the page's events socket must be up (its first frame received) before.
    let socketFrames = 0;
    page.on('websocket', (socket) => socket.on('framereceived', () => (socketFrames += 1)));
    await page.goto(`${bridge.dashboardUrl}#/batches`);
    await page.getByText('No batches yet.').waitFor({ timeout: uiTimeout });
    await expect.poll(() => socketFrames, { timeout: uiTimeout }).toBeGreaterThan(0);

    const started = await agent.call('batch_generate_images', {
      items: [{ prompt: 'a heron, forming' }],
      defaults: { workflow: 'sd15', width: 96, height: 64 },
    });
    expect(started.isError, JSON.stringify(started.content)).toBeFalsy();
    const batchId = (started.structuredContent as { batch_id: string }).batch_id;
    const row = page
      .getByRole('article', { name: `Batch ${batchId}` })
      .locator('li.item')
      .first();
    const forming = row.getByRole('img', { name: 'Image 1 forming' });
    const stepText = row.locator('.item-step');

    // Held after step 1: its frame and "Step 1/N", no ETA from a single step.
    await forming.waitFor({ timeout: uiTimeout });
    const sources = [await forming.getAttribute('src')];
    expect(sources[0]).toMatch(/^data:image\/jpeg;base64,/);
    await expect.poll(() => stepText.textContent(), { timeout: uiTimeout }).toMatch(/^Step 1\/\d+$/);
    const steps = Number(/\/(\d+)$/.exec((await stepText.textContent())!)![1]);
    expect(steps).toBeGreaterThan(3);

    for (const step of [2, 3]) {
      fake.releaseSteps(1);
      await expect.poll(() => forming.getAttribute('src'), { timeout: uiTimeout }).not.toBe(sources.at(-1));
      sources.push(await forming.getAttribute('src'));
      await expect
        .poll(() => stepText.textContent(), { timeout: uiTimeout })
        .toMatch(new RegExp(`^Step ${step}/${steps} · (about \\d+ (s|min) left|finishing)$`));
    }
    expect(new Set(sources).size).toBe(3);

    fake.holdSampling(false);
    const thumbnail = row.getByRole('img', { name: 'Image 1', exact: true });
    await thumbnail.waitFor({ timeout: uiTimeout });
    expect(await thumbnail.getAttribute('src')).toMatch(/\/api\/gallery\/[^/]+\/thumbnail\?token=/);
    await expect
      .poll(() => thumbnail.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), {
        timeout: uiTimeout,
      })
      .toBeGreaterThan(0);
    expect(await forming.count()).toBe(0);
    expect(await stepText.count()).toBe(0);

    // Only the finished image reached the output folder and the gallery: the frames went to the page alone.
    const response = await fetch(`${bridge.baseUrl}/api/gallery`, {
      headers: { Authorization: `Bearer ${bridge.token}` },
    });
    const gallery = galleryPageSchema.parse(await response.json());
    expect(gallery.items).toHaveLength(1);
    const files = readdirSync(bridge.outputDir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => `${entry.parentPath}/${entry.name}`);
    expect(files).toEqual([gallery.items[0]!.path]);

    expect(problems).toEqual([]);
    await close();
  });
});
