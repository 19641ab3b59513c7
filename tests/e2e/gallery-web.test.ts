import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeComfyUI } from '../fakes/fake-comfyui.js';
import { startSd15Fake } from '../core/harness.js';
import { connect, type E2eClient } from '../mcp-e2e/clients.js';
import { photoPng } from '../web/photo.js';
import { e2eSkipReason, launchChromium, openPage, startBridge, uiTimeout, type Bridge } from './support.js';

/*
 * A web asset in the dashboard: an image generated over MCP (HTTP) on the built `serve`, made web-ready with
 * convert_image's `web`, then shown in headless Chromium: the gallery tile says so, the lightbox lists every file
 * (format, width, bytes), the `sizes` and the placeholder, and "Copy HTML" puts the snippet on the clipboard.
 */

const skip = e2eSkipReason();
if (skip) console.warn(`tests/e2e/gallery-web: skipped: ${skip}`);

interface WebResult {
  variants: { path: string; format: string; width: number; height: number; bytes: number }[];
  sizes: string;
  html: string;
  placeholder: { data_url: string };
  dominant_color: string;
}

const formatLabels: Record<string, string> = { avif: 'AVIF', webp: 'WebP', jpeg: 'JPEG', png: 'PNG' };

describe.skipIf(skip)('web assets in the dashboard gallery', () => {
  let fake: FakeComfyUI;
  let bridge: Bridge;
  let browser: Browser;
  let agent: E2eClient;

  beforeAll(async () => {
    fake = await startSd15Fake();
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

  it('shows the variants, sizes and placeholder in the lightbox and copies the snippet', async () => {
    const site = join(bridge.outputDir, 'site');
    mkdirSync(join(site, 'public'), { recursive: true });
    const lake = join(site, 'public', 'lake.png');
    const generated = await agent.call('generate_image', {
      prompt: 'a photo of a misty lake at dawn, 8k',
      save_path: lake,
      workflow: 'sd15',
      width: 384,
      height: 256,
    });
    expect(generated.isError, JSON.stringify(generated.content)).toBeFalsy();
    // Not generated here, so not in the gallery: converted all the same, its asset only in the result.
    writeFileSync(join(site, 'public', 'other.png'), await photoPng({ width: 96, height: 64 }));

    const converted = await agent.call('convert_image', {
      paths: [lake, join(site, 'public', 'other.png')],
      web: 'thumbnail',
      project_dir: site,
    });
    expect(converted.isError, JSON.stringify(converted.content)).toBeFalsy();
    const results = (converted.structuredContent as { results: { web: WebResult }[] }).results;
    const web = results[0]!.web;
    expect(web.variants.map((variant) => [variant.format, variant.width])).toEqual([
      ['avif', 160],
      ['avif', 320],
      ['avif', 384],
      ['webp', 160],
      ['webp', 320],
      ['webp', 384],
      ['jpeg', 160],
      ['jpeg', 320],
      ['jpeg', 384],
    ]);
    expect(web.html).toContain('srcset="/lake-160.avif 160w, /lake-320.avif 320w, /lake-384.avif 384w"');
    expect(results[1]!.web.variants).toHaveLength(3);

    const { page, problems, close } = await openPage(browser);
    await page
      .context()
      .grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(bridge.baseUrl).origin });
    await page.goto(`${bridge.dashboardUrl}#/gallery`);
    await page.getByText('1 generation').waitFor({ timeout: uiTimeout });
    const tile = page.locator('.tile');
    expect(await tile.locator('.tile-badge-web').textContent()).toBe('Web · 9');
    expect(await tile.getAttribute('aria-label')).toContain('(web-ready, 9 files)');
    await tile.click();

    const lightbox = page.getByRole('dialog', { name: 'lake.png' });
    await lightbox.waitFor({ timeout: uiTimeout });
    const panel = lightbox.getByRole('region', { name: 'Web asset' });
    await panel.waitFor({ timeout: uiTimeout });
    const rows = await panel.locator('tr[data-role="variant"]').evaluateAll((nodes) =>
      nodes.map((row) => {
        const cells = [...row.querySelectorAll('td')];
        return {
          format: cells[0]!.textContent,
          width: Number(cells[1]!.textContent),
          height: Number(cells[2]!.textContent),
          bytes: Number(cells[3]!.getAttribute('data-bytes')),
          file: cells[4]!.textContent,
        };
      }),
    );
    expect(rows).toEqual(
      web.variants.map((variant) => ({
        format: formatLabels[variant.format],
        width: variant.width,
        height: variant.height,
        bytes: variant.bytes,
        file: variant.path.split('/').at(-1),
      })),
    );
    expect(await panel.locator('[data-role="sizes"]').textContent()).toBe(web.sizes);
    // The placeholder is the asset's own: its data URL over its dominant colour, in the image's aspect.
    const placeholder = await panel.locator('[data-role="placeholder"]').evaluate((node: HTMLElement) => ({
      image: getComputedStyle(node).backgroundImage,
      color: getComputedStyle(node).backgroundColor,
      ratio: node.getBoundingClientRect().width / node.getBoundingClientRect().height,
    }));
    expect(placeholder.image).toBe(`url("${web.placeholder.data_url}")`);
    const [r, g, b] = [1, 3, 5].map((at) => parseInt(web.dominant_color.slice(at, at + 2), 16));
    expect(placeholder.color).toBe(`rgb(${r}, ${g}, ${b})`);
    expect(placeholder.ratio).toBeCloseTo(384 / 256, 1);

    const copy = panel.getByRole('button', { name: 'Copy HTML' });
    expect(await copy.textContent()).toBe('Copy HTML');
    await copy.click();
    await panel.getByRole('button', { name: 'Copy HTML' }).filter({ hasText: 'Copied' }).waitFor({
      timeout: uiTimeout,
    });
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(web.html);

    expect(problems).toEqual([]);
    await close();
  });
});
