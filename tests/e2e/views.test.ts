import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileIdentityOf } from '../../electron/images/file-identity.js';
import type { GenerationRecord } from '../../shared/generation.js';
import { startFakeComfyUI, type FakeComfyUI } from '../fakes/fake-comfyui.js';
import { bundledWorkflowsDir, sd15Models } from '../core/harness.js';
import { paintedPng } from './painted.js';
import { connect } from '../mcp-e2e/clients.js';
import {
  e2eSkipReason,
  launchChromium,
  openPage,
  screenshot,
  startBridge,
  uiTimeout,
  type Bridge,
} from './support.js';

const skip = e2eSkipReason();
if (skip) console.warn(`tests/e2e/views: skipped: ${skip}`);

const prompts = [
  'a lighthouse on a cliff at dusk, oil painting',
  'isometric pixel-art coffee shop',
  'macro photo of a dew-covered leaf',
  'a friendly robot mascot, flat vector',
  'misty pine forest, morning light',
  'retro sci-fi city skyline, neon',
];

/** Earlier generations in the gallery index, each a picture-like image of its own (the screenshots show them). */
const earlier = [
  'a lighthouse at dusk, flat illustration',
  'mountain lake at sunrise, watercolor',
  'desert dunes under a pink sky',
  'a red fox in snow, photo',
  'city skyline at night, isometric',
  'a sailboat on a calm sea',
  'autumn forest path, oil painting',
  'a hot-air balloon over hills',
  'northern lights over a cabin',
  'a quiet harbour in the rain',
  'cherry blossoms by a river',
  'a volcano at twilight, poster',
];
const generations = prompts.length + earlier.length;

async function seedEarlier(dataDir: string, outputDir: string): Promise<void> {
  const folder = join(outputDir, 'earlier');
  mkdirSync(folder, { recursive: true });
  const lines: string[] = [];
  for (const [index, prompt] of earlier.entries()) {
    const path = join(folder, `${prompt.split(/[ ,]+/u).slice(0, 3).join('-')}-${index}.png`);
    writeFileSync(path, await paintedPng(384, 256, index));
    const file = fileIdentityOf(statSync(path, { bigint: true }));
    const record: GenerationRecord = {
      id: `earlier-${index}`,
      path,
      prompt,
      seed: 4000 + index,
      width: 384,
      height: 256,
      format: 'png',
      bytes: file.size,
      workflow: 'sd15',
      backend: 'http://127.0.0.1:8188',
      // Older than the batch the test runs, so they follow its images in the gallery.
      createdAt: new Date(Date.now() - (index + 1) * 3_600_000).toISOString(),
      file,
    };
    lines.push(JSON.stringify({ op: 'add', record }));
  }
  writeFileSync(join(dataDir, 'gallery.jsonl'), lines.join('\n') + '\n');
}

/** Each view, how to tell it has loaded, and the screenshot's name. */
const views: { hash: string; ready: (page: Page) => Promise<unknown>; name: string }[] = [
  {
    hash: 'status',
    name: 'status',
    ready: (page) => page.getByText('Reachable · ComfyUI').first().waitFor({ timeout: uiTimeout }),
  },
  {
    hash: 'batches',
    name: 'batches',
    ready: (page) =>
      page
        .getByText(/of 6 done/)
        .first()
        .waitFor({ timeout: uiTimeout }),
  },
  {
    hash: 'gallery',
    name: 'gallery',
    ready: async (page) => {
      await page.getByText(`${generations} generations`).waitFor({ timeout: uiTimeout });
      await expect
        .poll(
          () =>
            page
              .locator('.tile img')
              .evaluateAll((images: HTMLImageElement[]) =>
                images.every((image) => image.complete && image.naturalWidth > 0),
              ),
          { timeout: uiTimeout },
        )
        .toBe(true);
    },
  },
  {
    hash: 'workflows',
    name: 'workflows',
    ready: (page) => page.locator('li.workflow[data-id="my-portraits"]').waitFor({ timeout: uiTimeout }),
  },
  {
    hash: 'settings',
    name: 'settings',
    ready: (page) => page.getByLabel('ComfyUI servers').waitFor({ timeout: uiTimeout }),
  },
  {
    hash: 'connect',
    name: 'connect',
    ready: (page) =>
      page
        .getByRole('button', { name: /^Copy the .* snippet$/ })
        .first()
        .waitFor({ timeout: uiTimeout }),
  },
];

describe.skipIf(skip)('every view, light and dark', () => {
  let fake: FakeComfyUI;
  let bridge: Bridge;
  let browser: Browser;

  beforeAll(async () => {
    // Photographic-like images rather than flat colour, as a real model's would be.
    fake = await startFakeComfyUI({ models: sd15Models, stepMs: 2, textured: 'photo' });
    bridge = await startBridge({
      comfyuiUrls: [fake.url],
      prepare: async ({ dataDir, outputDir, workflowsDir }) => {
        writeFileSync(
          join(workflowsDir, 'my-portraits.json'),
          readFileSync(join(bundledWorkflowsDir, 'sd15.json')),
        );
        await seedEarlier(dataDir, outputDir);
      },
    });
    browser = await launchChromium();
    const agent = await connect('2026', 'http', {
      mcpUrl: `${bridge.baseUrl}/mcp`,
      token: bridge.mcpToken,
    });
    try {
      const started = await agent.call('batch_generate_images', {
        items: prompts.map((prompt, index) => ({ prompt, seed: 100 + index })),
        defaults: { workflow: 'sd15', width: 384, height: 256 },
      });
      const batchId = (started.structuredContent as { batch_id: string }).batch_id;
      const status = await agent.call('check_batch_status', { batch_id: batchId, wait_seconds: 60 });
      expect((status.structuredContent as { done: boolean }).done).toBe(true);
    } finally {
      await agent.close();
    }
  });
  afterAll(async () => {
    await browser?.close();
    await bridge?.stop();
    await fake?.close();
  });

  it.each(['light', 'dark'] as const)(
    'shows every view in the %s theme without a console error',
    async (scheme) => {
      const { page, problems, close } = await openPage(browser, { colorScheme: scheme });
      await page.goto(bridge.dashboardUrl);
      await page
        .getByRole('status', { name: 'Connection: ComfyUI connected' })
        .waitFor({ timeout: uiTimeout });
      // The theme follows the OS setting.
      const background = await page.evaluate(() =>
        getComputedStyle(document.documentElement).getPropertyValue('--bg').trim(),
      );
      expect(background).toBe(scheme === 'dark' ? '#14161a' : '#f6f7f9');

      for (const view of views) {
        await page.goto(`${bridge.baseUrl}/#/${view.hash}`);
        await view.ready(page);
        await screenshot(page, view.name, scheme);
      }

      await page.goto(`${bridge.baseUrl}/#/gallery`);
      await page.locator('.tile').first().click({ timeout: uiTimeout });
      const lightbox = page.getByRole('dialog');
      await expect
        .poll(() => lightbox.getByRole('img').evaluate((image: HTMLImageElement) => image.naturalWidth), {
          timeout: uiTimeout,
        })
        .toBe(384);
      await screenshot(page, 'lightbox', scheme);
      await page.keyboard.press('Escape');

      expect(problems).toEqual([]);
      await close();
    },
  );

  it('is reachable by keyboard: Tab reaches the views, Enter opens one', async () => {
    const { page, problems, close } = await openPage(browser);
    await page.goto(bridge.dashboardUrl);
    await page.getByText('Reachable · ComfyUI').first().waitFor({ timeout: uiTimeout });
    let reached = false;
    for (let presses = 0; presses < 10 && !reached; presses++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => document.activeElement?.textContent === 'Gallery');
    }
    expect(reached).toBe(true);
    await page.keyboard.press('Enter');
    await page.getByText(`${generations} generations`).waitFor({ timeout: uiTimeout });
    expect(await page.getByRole('link', { name: 'Gallery' }).getAttribute('aria-current')).toBe('page');

    // The icon the tab shows is served (a missing favicon is a console error in a full browser).
    const icon = await page.request.get(`${bridge.baseUrl}/favicon.svg`);
    expect(icon.status()).toBe(200);
    expect(icon.headers()['content-type']).toBe('image/svg+xml');
    expect(problems).toEqual([]);
    await close();
  });
});
