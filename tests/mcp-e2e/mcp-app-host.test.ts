import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport, type CallToolResult } from '@modelcontextprotocol/client';
import type { Browser, Page } from 'playwright-core';
import { rolldown } from 'rolldown';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_HTML_MIME_TYPE, RESULT_VIEW_URI, UI_EXTENSION_ID } from '../../electron/mcp/app/spec.js';
import { chromiumPath, launchChromium } from '../e2e/support.js';
import { startSd15Fake, startTestCore, tempDirs, type CoreFixture } from '../core/harness.js';
import type { FakeComfyUI } from '../fakes/fake-comfyui.js';

/*
 * The MCP App for real: the real core over HTTP on 127.0.0.1:0 in front of the fake ComfyUI, a real MCP client
 * that declares the extension, and a minimal host page (the extension's own AppBridge, app-host/host.ts, bundled
 * in memory) in headless Chromium. The view is read from the bridge's resource, rendered in a sandboxed iframe
 * under the spec's default CSP, given a tool result; it shows the images, and its pick lands the file.
 */

const skip = existsSync(chromiumPath) ? undefined : `no Chromium at ${chromiumPath}`;
const { tempDir, removeTempDirs } = tempDirs('bridge-app-host-');
/** The CSP a host applies to a view that declares no domains (SEP-1865): nothing from the network. */
const hostCsp =
  "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; connect-src 'none'";

let fake: FakeComfyUI;
let fixture: CoreFixture;
let workspace: string;
let client: Client;
let browser: Browser;
let hostScript: string;

beforeAll(async () => {
  if (skip) return;
  workspace = tempDir();
  // Slow enough that a 3-image batch outlasts the view's first 3 s poll: its progress is seen mid-batch.
  fake = await startSd15Fake(100);
  fixture = await startTestCore({ urls: [fake.url], settings: { allowedDirs: [workspace] } });
  client = new Client(
    { name: 'app-host-test', version: '1.0.0' },
    {
      capabilities: { extensions: { [UI_EXTENSION_ID]: { mimeTypes: [APP_HTML_MIME_TYPE] } } },
      versionNegotiation: { mode: { pin: '2026-07-28' } },
    },
  );
  await client.connect(
    new StreamableHTTPClientTransport(new URL(fixture.core.mcpUrl), {
      requestInit: { headers: { Authorization: `Bearer ${fixture.core.settings.get().mcpToken}` } },
    }),
  );
  const bundle = await rolldown({
    input: join(import.meta.dirname, 'app-host', 'host.ts'),
    platform: 'browser',
    logLevel: 'warn',
  });
  hostScript = (await bundle.generate({ format: 'iife' })).output[0].code;
  await bundle.close();
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  if (skip) return;
  await browser?.close();
  await client?.close();
  await fixture?.core.stop();
  await fake?.close();
  removeTempDirs();
}, 60_000);

async function openHost(): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  await page.exposeFunction('mcpCallTool', (params: { name: string; arguments?: Record<string, unknown> }) =>
    client.callTool(params),
  );
  await page.setContent('<!doctype html><html><body style="margin:0"></body></html>');
  await page.addScriptTag({ content: hostScript });
  const { contents } = await client.readResource({ uri: RESULT_VIEW_URI });
  const html = (contents[0] as { text: string }).text.replace(
    '<head>',
    `<head><meta http-equiv="Content-Security-Policy" content="${hostCsp}">`,
  );
  await page.evaluate(
    ([view, theme]) =>
      (window as unknown as { showView(html: string, theme: object): Promise<void> }).showView(view, theme),
    [html, { '--color-background-primary': 'rgb(1, 2, 3)' }] as const,
  );
  return { page, problems };
}

function deliver(page: Page, args: Record<string, unknown>, result: CallToolResult): Promise<void> {
  return page.evaluate(
    ([callArgs, callResult]) =>
      (window as unknown as { deliver(a: unknown, r: unknown): Promise<void> }).deliver(callArgs, callResult),
    [args, result] as const,
  );
}

describe.skipIf(skip !== undefined)('the result view in a host (headless Chromium)', () => {
  it('shows a generated image from the tool result, themed by the host', async () => {
    const args = {
      prompt: 'a lighthouse',
      project_dir: workspace,
      save_path: 'public/one.png',
      width: 64,
      height: 64,
    };
    const result = await client.callTool({ name: 'generate_image', arguments: args });
    expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
    const { page, problems } = await openHost();
    try {
      await deliver(page, args, result);
      const view = page.frameLocator('iframe');
      const image = view.locator('.item[data-index="0"] img');
      await image.waitFor({ state: 'visible', timeout: 30_000 });
      expect(await image.getAttribute('src')).toMatch(/^data:image\/webp;base64,/u);
      expect(await image.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
      await expect
        .poll(() => view.locator('.item').first().textContent())
        .toContain(join(workspace, 'public', 'one.png'));
      expect(await view.locator('body').evaluate((body) => getComputedStyle(body).backgroundColor)).toBe(
        'rgb(1, 2, 3)',
      );
      expect(await view.locator('.pick').count()).toBe(0);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  }, 90_000);

  it('follows a batch to its end through the bridge, then keeps the picked variant at the shared path', async () => {
    const args = {
      project_dir: workspace,
      defaults: { prompt: 'a red fox', width: 96, height: 64 },
      items: [
        { save_path: 'public/fox-1.png', seed: 1 },
        { save_path: 'public/fox-2.png', seed: 2 },
        { save_path: 'public/fox-3.png', seed: 3 },
      ],
    };
    const accepted = await client.callTool({
      name: 'batch_generate_images',
      arguments: args,
    });
    expect(accepted.isError, JSON.stringify(accepted.content)).toBeFalsy();
    const { page, problems } = await openHost();
    try {
      await deliver(page, args, accepted);
      const view = page.frameLocator('iframe');
      await expect
        .poll(() => view.locator('#status').textContent(), { timeout: 60_000 })
        .toMatch(/^\d of 3 done, \d running, \d waiting$/u);
      for (const index of [0, 1, 2])
        await view.locator(`.item[data-index="${index}"] img`).waitFor({ state: 'visible', timeout: 60_000 });
      expect(
        await page.evaluate(() => (window as unknown as { calledTools: string[] }).calledTools),
      ).toContain('check_batch_status');
      await expect
        .poll(() => view.locator('#status').textContent())
        .toBe('3 of 3 done: keep the one you want');
      const target = join(workspace, 'public', 'fox.png');
      expect(existsSync(target)).toBe(false);
      await view.locator('.item[data-index="1"] .pick').click();
      await expect
        .poll(() => view.locator('#status').textContent(), { timeout: 30_000 })
        .toBe(`Kept at ${target}`);
      const chosen = readFileSync(join(workspace, 'public', 'fox-2.png'));
      expect(readFileSync(target).equals(chosen)).toBe(true);
      for (const name of ['fox-1.png', 'fox-3.png'])
        expect(existsSync(join(workspace, 'public', name))).toBe(true);

      // Picking another replaces it; the file it replaced is kept in the recovery folder.
      await view.locator('.item[data-index="2"] .pick').click();
      await expect
        .poll(() => readFileSync(target).equals(readFileSync(join(workspace, 'public', 'fox-3.png'))), {
          timeout: 30_000,
        })
        .toBe(true);
      const replaced = readdirSync(join(fixture.dataDir, 'replaced'), { recursive: true, encoding: 'utf8' });
      const keptCopy = replaced.find((name) => name.endsWith('fox.png'));
      expect(keptCopy, replaced.join(', ')).toBeDefined();
      expect(readFileSync(join(fixture.dataDir, 'replaced', keptCopy!)).equals(chosen)).toBe(true);
      const listed = await client.callTool({
        name: 'list_generated_images',
        arguments: { query: 'red fox' },
      });
      const paths = (listed.structuredContent as { images: { path: string }[] }).images.map(
        (image) => image.path,
      );
      expect(paths).toContain(target);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  }, 120_000);
});
