import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWebAsset, type WebAsset } from '../../electron/web/make-web-asset.js';
import { createWorkPool } from '../../electron/web/pool.js';
import { chromiumPath, launchChromium } from '../e2e/support.js';
import { photoPng } from './photo.js';

/*
 * The snippet in a real browser: Debian's headless Chromium loads a page holding the generated <picture> from a
 * static server on 127.0.0.1 that serves the project's public/ folder as its web root. The server holds every image
 * response until the test releases it, so the test can see the placeholder on screen first, then which candidate
 * the browser chose for its viewport and device pixel ratio.
 */

const skip = existsSync(chromiumPath)
  ? undefined
  : `no Chromium at ${chromiumPath} (apt-get install -y chromium)`;

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.avif': 'image/avif',
  '.webp': 'image/webp',
  '.jpg': 'image/jpeg',
  '.png': 'image/png',
};

interface HeldImages {
  /** Image paths requested so far. */
  requested: string[];
  release(): void;
}

let root: string;
let webRoot: string;
let asset: WebAsset;
let browser: Browser;
let server: Server;
let origin: string;

function holdImages(): HeldImages {
  let release = (): void => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const state = { requested: [] as string[], release, gate };
  current = state;
  return state;
}
let current: (HeldImages & { gate: Promise<void> }) | undefined;

async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://127.0.0.1');
  const file = path.join(webRoot, decodeURIComponent(url.pathname));
  const type = contentTypes[path.extname(file)];
  if (!file.startsWith(webRoot + path.sep) || !type || !existsSync(file)) {
    response.writeHead(404).end();
    return;
  }
  if (current && !type.startsWith('text/html')) {
    current.requested.push(url.pathname);
    await current.gate;
  }
  response.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(readFileSync(file));
}

beforeAll(async () => {
  if (skip) return;
  root = realpathSync(mkdtempSync(path.join(tmpdir(), 'web-browser-')));
  webRoot = path.join(root, 'site', 'public');
  mkdirSync(path.join(webRoot, 'img'), { recursive: true });
  const mainPath = path.join(webRoot, 'img', 'hero.png');
  writeFileSync(mainPath, await photoPng({ width: 1920, height: 1280 }));
  asset = await makeWebAsset({
    mainPath,
    prompt: 'a lake at dawn',
    web: { purpose: 'hero', widths: [640, 750, 1080, 1920] },
    projectDir: path.join(root, 'site'),
    allowedRoots: [root],
    recoveryDir: path.join(root, 'replaced'),
    pool: createWorkPool(2),
  });
  writeFileSync(
    path.join(webRoot, 'index.html'),
    `<!doctype html><html><head><meta name="viewport" content="width=device-width"></head>` +
      `<body style="margin:0;background:#fff">${asset.html}</body></html>`,
  );
  server = createServer((request, response) => void serve(request, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  if (skip) return;
  current?.release();
  await browser.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(root, { recursive: true, force: true });
}, 60_000);

describe.skipIf(skip !== undefined)('the <picture> in headless Chromium', () => {
  it.each([
    { viewport: 375, dpr: 2, picked: '/img/hero-750.avif' },
    { viewport: 1080, dpr: 1, picked: '/img/hero-1080.avif' },
    { viewport: 960, dpr: 2, picked: '/img/hero-1920.avif' },
  ])(
    'at $viewport px × $dpr shows the placeholder, then picks $picked',
    async ({ viewport, dpr, picked }) => {
      const held = holdImages();
      const context = await browser.newContext({
        viewport: { width: viewport, height: 900 },
        deviceScaleFactor: dpr,
      });
      try {
        const page = await context.newPage();
        const problems: string[] = [];
        page.on('pageerror', (error) => problems.push(error.message));
        page.on('response', (response) => {
          if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
        });
        await page.goto(`${origin}/index.html`, { waitUntil: 'domcontentloaded' });
        const img = page.locator('picture > img');

        // The image is requested and held: what is on screen now is the placeholder.
        await expect.poll(() => held.requested.length, { timeout: 30_000 }).toBeGreaterThan(0);
        expect(await img.evaluate((element: HTMLImageElement) => element.complete)).toBe(false);
        const shot = await sharp(await img.screenshot())
          .removeAlpha()
          .stats();
        const placeholderPng = Buffer.from(asset.placeholder?.data_url.split(',')[1] ?? '', 'base64');
        const placeholder = await sharp(placeholderPng).removeAlpha().stats();
        for (const channel of [0, 1, 2]) {
          const onScreen = shot.channels[channel];
          const expected = placeholder.channels[channel];
          expect(
            Math.abs((onScreen?.mean ?? 0) - (expected?.mean ?? 255)),
            `channel ${channel} mean`,
          ).toBeLessThan(15);
        }
        // Not the white page, nor a flat colour: the ThumbHash image with its gradients.
        expect(Math.max(...shot.channels.slice(0, 3).map((c) => c.mean))).toBeLessThan(235);
        expect(Math.max(...shot.channels.slice(0, 3).map((c) => c.stdev))).toBeGreaterThan(4);

        held.release();
        await page.waitForFunction(() => {
          const element = document.querySelector('picture > img');
          return element instanceof HTMLImageElement && element.complete && element.naturalWidth > 0;
        });
        const currentSrc = await img.evaluate((element: HTMLImageElement) => element.currentSrc);
        expect(new URL(currentSrc).pathname).toBe(picked);
        expect(held.requested).toEqual([picked]);
        expect(problems).toEqual([]);
      } finally {
        held.release();
        await context.close();
      }
    },
  );
});
